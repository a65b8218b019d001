"""The ``sendcheck`` command: the only place that talks to the terminal.

Exit codes: 0 a clean run; 1 breaches (late/overdue) or data issues found (``--set findings_exit_code=0``
to always succeed); 2 the input or the command could not be used.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from . import __version__
from .dataset import InputError
from .engine.rules import RuleFileError, load_rules
from .settings import HELP as SETTING_HELP
from .settings import Settings

EXAMPLE_DATE = "2026-10-31"
REPORT_CHOICES = ("manager", "governor", "inspection", "excel")


class UsageError(click.UsageError):
    exit_code = 2


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        pass
    try:
        return dt.datetime.strptime(value.strip(), "%d/%m/%Y").date()
    except ValueError:
        raise UsageError(f"--as-at {value!r} is not a date: use YYYY-MM-DD, e.g. --as-at {EXAMPLE_DATE}") from None


def _settings(pairs) -> Settings:
    try:
        return Settings.from_pairs(list(pairs))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _progress():
    """Progress lines on stderr when someone is watching; silence in pipelines and CI logs."""
    if not sys.stderr.isatty():
        return None
    return lambda msg: click.echo(f"  … {msg}", err=True)


def _fail(message: str) -> None:
    click.echo(f"sendcheck: {message}", err=True)
    sys.exit(2)


def _rules(rules_dir):
    try:
        return load_rules(rules_dir)
    except RuleFileError as exc:
        _fail(f"rule file problem: {exc}")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="sendcheck")
def main():
    """Check a SEND caseload against the statutory time limits for EHC needs assessments and plans.

    Give it the month's caseload extract (CSV or Excel, read through a mapping profile) or the SEN2
    person-level return (XML), and the date the extract was taken. It reports what is overdue, what falls due
    soon and who owns it, with the law behind every finding.

    \b
    Start here:
      sendcheck check fixtures/la/tracker_a.xlsx --as-at 2026-10-31
      sendcheck inspect my-extract.xlsx
      sendcheck rules list
    """
    os.umask(0o077)  # reports and the history database hold children's data: owner-only from creation


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as-at", "as_at", metavar="YYYY-MM-DD", help="The date the extract was taken; deadlines are judged "
              "as at this date. Default for a SEN2 return: its reference date (census day).")
@click.option("--allow-future-as-at", is_flag=True, help="Accept an as-at date after today (refused otherwise: every "
              "open deadline before it would show as overdue).")
@click.option("--profile", metavar="NAME|FILE", help="Mapping profile for CSV/XLSX extracts (a bundled name such as "
              "la-tracker-a, or a YAML file). Without it the best-matching bundled profile is chosen.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Folder for the reports "
              "(default ./sendcheck-reports/<as-at date>/).")
@click.option("--report", "reports", multiple=True, type=click.Choice(REPORT_CHOICES + ("none",)),
              help="Which human reports to write (repeatable; default all). Findings and data issues are always "
              "written.")
@click.option("--set", "pairs", multiple=True, metavar="KEY=VALUE",
              help="A documented setting, e.g. --set day_one=sector (see `sendcheck settings`).")
@click.option("--engine", type=click.Choice(["vectorised", "durable"]), default="vectorised", show_default=True,
              help="vectorised is fast; durable runs every record through the durable_rules engine of record "
              "(slow, same answers).")
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Use another rules folder.")
@click.option("--force", is_flag=True, help="Overwrite reports already in the output folder.")
@click.option("--max-input-mb", type=click.IntRange(min=1), envvar="SENDCHECK_MAX_INPUT_MB",
              help="Refuse input files larger than this many megabytes (default 512): reading takes about ten "
              "times a file's size in memory.")
@click.option("--record", is_flag=True, help="Store this run in the history database, for 'since last month' and "
              "trends (one run per month; recording a month again replaces it).")
@click.option("--db", type=click.Path(path_type=Path), help="History database (default: "
              "sendcheck-history.sqlite beside the report folders).")
@click.option("--lanes", type=click.IntRange(1, 2), help="Write the outputs in 1 or 2 lanes (default 2 on Linux "
              "with two or more cores; 1 needs less memory; the files are the same either way).")
def check(inputs, as_at, allow_future_as_at, profile, out_dir, reports, pairs, engine, rules_dir, force, max_input_mb,
          record, db, lanes):
    """Check a caseload and write findings, data issues and reports.

    Every input row is either evaluated or listed as a data issue with its file, sheet, row and column; the run
    ends with a count per table of rows read, evaluated and rejected. A SEN2 return is judged as at its own
    reference date unless --as-at says otherwise; the run warns when the as-at date is more than a month after
    the data or the return's reference date.

    \b
    Examples:
      sendcheck check fixtures/la/sen2_2026.xml                      # as at the return's reference date
      sendcheck check extract.xlsx --profile my-council.yaml --as-at 2026-10-31 --out reports/oct
      sendcheck check extract.csv --as-at 2026-10-31 --set day_one=sector --report manager
      sendcheck check extract.xlsx --as-at 2026-11-30 --record      # keep history; adds "since last month"
    """
    from .accounting import format_accounting, format_reading
    from .history import HistoryError
    from .result import counts
    from .run import OutputExists, refuse_overwrite, write
    from .run import check as check_caseload

    given = _date(as_at) if as_at else None
    settings = _settings(pairs)
    if max_input_mb:
        os.environ["SENDCHECK_MAX_INPUT_MB"] = str(max_input_mb)  # read by checker.readers.detect
    inputs = _input_files(inputs)
    chosen = _choose_as_at(given, inputs, allow_future_as_at)
    as_at_date = chosen.date
    out_dir = out_dir or Path("sendcheck-reports") / as_at_date.isoformat()
    try:
        refuse_overwrite(out_dir, force)  # asked before the run too, so nobody waits for a check to be told
    except OutputExists:
        _fail(f"{out_dir} already holds a report; use --force to overwrite it or --out to choose another folder")
    rules = _rules(rules_dir)
    try:
        result = check_caseload(list(inputs), as_at_date, profile=profile, settings=settings, engine=engine,
                                rules_dir=rules_dir, progress=_progress(), rules=rules, as_at_from=chosen.from_return)
    except InputError as exc:
        _fail(str(exc))
    chosen = None if not reports else [] if "none" in reports else list(reports)
    try:
        written = write(result, out_dir, reports=chosen, record=record, db=db, lanes=lanes, progress=_progress(),
                        force=True)  # the folder was looked at above
    except HistoryError as exc:
        _fail(str(exc))
    figures = counts(result)
    _print_summary(result, figures, written.files, format_accounting, format_reading)
    if written.workbooks_left_out:
        click.echo(written.workbooks_left_out + " Ask for them by name (--report excel --report inspection) to "
                   "write them anyway.")
    if written.recorded:
        click.echo(f"History: recorded {written.recorded.month} in {written.recorded.db}" +
                   (" (replacing the earlier run for that month)" if written.recorded.replaced else ""))
    if written.first_run_help:
        click.echo("Most of the input was not evaluated. What to fix first:")
        for line in written.first_run_help:
            click.echo(f"  - {line}")
    global _OUTPUTS_CLOSED
    _OUTPUTS_CLOSED = True  # every file is written and closed: see entry()
    sys.exit(settings.findings_exit_code if (figures["breaches"] or figures["data_issues"]) else 0)


def _input_files(paths) -> list[Path]:
    """The files named, with a COLLECT Blade export folder opened into its CSV files; a message for anything else."""
    from .readers import expand_inputs

    for path in paths:
        if not path.exists():
            _fail(f"{path}: file not found")
    try:
        return expand_inputs(list(paths))
    except InputError as exc:
        _fail(str(exc))


def _choose_as_at(given, inputs, allow_future):
    """The as-at date given, or the SEN2 return's reference date; refused when after today unless asked for."""
    from .as_at import AsAtProblem, choose

    try:
        return choose(given, inputs, allow_future=allow_future)
    except InputError as exc:
        _fail(str(exc))
    except AsAtProblem as exc:
        if exc.kind == "missing":
            raise UsageError(f"--as-at is required: the date the extract was taken, e.g. --as-at {EXAMPLE_DATE} "
                             "(a SEN2 return is judged as at its own reference date when none is given)") from None
        if exc.kind == "conflict":
            raise UsageError(f"{exc}; give --as-at to say which date to judge them on") from None
        raise UsageError(f"--as-at {exc.date.isoformat()} is after today ({exc.today.isoformat()}): every open "
                         "deadline before it would show as overdue. Use the date the extract was taken, or add "
                         "--allow-future-as-at to plan ahead.") from None


# Words the terminal adds to a notice (the notice itself names no command-line option; the web app shows it too).
NOTICE_HINTS = {"as_at_from_return": "Give --as-at to judge it on another date.",
                "as_at_after_reference": "Without --as-at the return is judged as at its reference date."}


def _print_summary(result, figures, written, format_accounting, format_reading) -> None:
    said = " (the SEN2 return's reference date)" if result.as_at_source != "given" else ""
    click.echo(f"sendcheck {__version__}: caseload as at {result.as_at.isoformat()}{said} from "
               f"{', '.join(result.inputs)}")
    sheets = format_reading(result.dataset)
    if sheets:
        click.echo("Rows in each sheet or file:")
        click.echo(sheets)
    click.echo("Rows in each table and where they went:")
    click.echo(format_accounting(result.accounting))
    if figures["checks"]:
        click.echo(f"Findings: {figures['checks']:,} checks on {figures['records']:,} records.")
        click.echo(f"  breaches of statutory duties (must): {figures['must_breaches']:,} "
                   f"({figures['overdue_now']:,} overdue now)")
        click.echo(f"  departures from statutory guidance (should): {figures['should_breaches']:,}")
        click.echo("  by status: " + ", ".join(f"{s} {figures['by_status'][s]:,}" for s in
                                               ("overdue", "due_soon", "late", "compliant", "pending", "excepted",
                                                "insufficient_data")))
    else:
        click.echo("Findings: none (no rule applied to any record).")
    if figures["not_evaluated"]:
        click.echo(f"Rules not evaluated: {figures['not_evaluated']} (see summary.json for why)")
    if figures["data_issues"]:
        click.echo(f"Data issues: {figures['errors']:,} errors, {figures['queries']:,} queries (data_issues.csv)")
    for notice in result.notices:
        hint = NOTICE_HINTS.get(notice.id)
        label = "Warning" if notice.level == "warning" else "Note"
        click.echo(f"{label}: {notice.text}" + (f" {hint}" if hint else ""))
    click.echo("Written:")
    for path in written:
        click.echo(f"  {path}")


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--profile", metavar="NAME|FILE", help="Mapping profile to try (default: the best bundled match).")
def inspect(inputs, profile):
    """Show what sendcheck recognises in a file, without checking anything.

    For an extract: format, sheets and row counts, which columns map to which canonical field, which are
    ignored, and any required field that is missing. For a SEN2 return (XML, a Blade export's files or folder,
    the pre-submission workbook): its collection year and reference date, the records in each module, the items
    found and anything that is not a SEN2 item. A file check would refuse is refused here with the same message.

    \b
    Examples:
      sendcheck inspect fixtures/la/tracker_b.xlsx
      sendcheck inspect fixtures/la/sen2_2026.xml
      sendcheck inspect Blade-Export_18-01-2024/
    """
    from .readers import format_inspection, inspect_files

    for path in inputs:
        if not path.exists():
            _fail(f"{path}: file not found")
    try:
        infos = inspect_files(list(inputs), profile)
    except InputError as exc:
        _fail(str(exc))
    click.echo("\n".join(format_inspection(info) for info in infos), nl=False)


@main.group()
def rules():
    """The duties sendcheck checks, from the rule files in rules/.

    \b
    Examples:
      sendcheck rules list
      sendcheck rules show EHC-FINAL-20W
    """


@rules.command("list")
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Use another rules folder.")
def rules_list(rules_dir):
    """One line per rule: id, must/should, title and legal source."""
    for rule in _rules(rules_dir):
        click.echo(f"{rule.id:<28} {rule.strength:<6} {rule.title}  [{rule.citation}]")


@rules.command("show")
@click.argument("rule_id")
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Use another rules folder.")
def rules_show(rule_id, rules_dir):
    """The whole rule, in words."""
    from .engine.vocabulary import condition_words, deadline_step

    found = [r for r in _rules(rules_dir) if r.id.upper() == rule_id.upper()]
    if not found:
        _fail(f"no rule {rule_id}; `sendcheck rules list` shows them all")
    r = found[0]
    settings = Settings()
    spec = r.clock.get("deadline") or r.clock.get("earliest")
    specs = spec if isinstance(spec, list) else [spec]
    lines = [
        f"{r.id}: {r.title}",
        f"  {'Statutory duty (must)' if r.strength == 'must' else 'Statutory guidance (should)'}, owed by {r.owed_by}; "
        f"family {r.family}; severity {r.severity}",
        f"  {r.description}",
        f"  Applies to: each {r.applies_to}"
        + (" where " + "; ".join(condition_words(c) for c in r.when) if r.when else ""),
        f"  Clock starts: {_fields(r.clock['start'])}",
        *[f"  {'Earliest day' if r.is_window else 'Deadline'}: {deadline_step(s, settings)}" for s in specs],
        f"  Clock stops: {_fields(r.clock.get('stop')) or 'nothing recorded stops it: judged as at the run date'}",
        f"  Exceptions: {'; '.join(c.get('label') or condition_words(c) for c in r.exceptions) or 'none'}",
        *[f"  At risk (not counted as a breach{_reading(c)}): {c['label']}" for c in r.uncertain],
        *([f"  Recorded due date shown beside the statutory one: {_fields(r.clock['recorded_due'])}"]
          if r.clock.get("recorded_due") else []),
        f"  In force: from {r.effective_from or 'always'}" + (f" to {r.effective_to}" if r.effective_to else ""),
        f"  Source: {r.citation}",
        f"  Action: {r.action}",
    ]
    if r.notes:
        lines.append(f"  Notes: {r.notes}")
    lines.append(f"  Defined in rules/{r.file}, with {len(r.examples)} worked examples.")
    click.echo("\n".join(lines))


def _reading(cond: dict) -> str:
    return "".join(f" under {k}={v}" for k, v in (cond.get("only_if") or {}).items())


def _fields(value) -> str:
    if not value:
        return ""
    return " or else ".join(value) if isinstance(value, list) else str(value)


@main.command()
@click.argument("rule_id")
@click.argument("record")
@click.option("--input", "inputs", multiple=True, required=True, type=click.Path(path_type=Path),
              help="The extract(s) the finding came from (repeatable).")
@click.option("--as-at", "as_at", metavar="YYYY-MM-DD", help="The same as-at date as the run (default for a SEN2 "
              "return: its reference date).")
@click.option("--profile", metavar="NAME|FILE", help="Mapping profile, as for check.")
@click.option("--set", "pairs", multiple=True, metavar="KEY=VALUE", help="The same settings as the run.")
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Use another rules folder.")
def explain(rule_id, record, inputs, as_at, profile, pairs, rules_dir):
    """Why a finding was raised: the dates found, the deadline step by step, the status and the citation.

    RECORD is the record_id from findings.csv (a request id, a plan id, a school URN, ...); a person id or UPN
    also works and explains each of that person's records.

    \b
    Example:
      sendcheck explain EHC-FINAL-20W REQ-00042 --input fixtures/la/tracker_a.xlsx --as-at 2026-10-31
    """
    from . import quality
    from .engine.explain import explain as explain_one
    from .engine.views import build_views
    from .readers import load_inputs
    from .run import accepted_rows

    settings = _settings(pairs)
    found = [r for r in _rules(rules_dir) if r.id.upper() == rule_id.upper()]
    if not found:
        _fail(f"no rule {rule_id}; `sendcheck rules list` shows them all")
    rule = found[0]
    inputs = _input_files([Path(p) for p in inputs])
    # As the run: the date given, else the SEN2 return's reference date (a future date was the run's choice).
    as_at_date = _choose_as_at(_date(as_at) if as_at else None, inputs, allow_future=True).date
    try:
        dataset = load_inputs(inputs, profile)
    except InputError as exc:
        _fail(str(exc))
    checked = quality.check_dataset(dataset, as_at_date)
    views = build_views(accepted_rows(dataset, checked.rejected), as_at_date)
    provenance = _provenance(dataset, record)
    rejected = [i for i in checked.issues if i.severity == "error" and str(record) in (i.record_id or "")]
    text = explain_one(rule, views[rule.applies_to], record, as_at_date, settings, provenance)
    if rejected:
        text += "\n  data errors stopped part of this record being evaluated:\n" + "\n".join(
            f"    {i.message}" for i in rejected[:10])  # messages already open with file, sheet, row, column
    click.echo(text)


@main.command()
@click.argument("record")
@click.option("--input", "inputs", multiple=True, required=True, type=click.Path(path_type=Path),
              help="The extract(s) to read (repeatable), as for check.")
@click.option("--as-at", "as_at", metavar="YYYY-MM-DD", help="The same as-at date as the run: \"today\" on the "
              "timeline (default for a SEN2 return: its reference date).")
@click.option("--profile", metavar="NAME|FILE", help="Mapping profile, as for check.")
@click.option("--set", "pairs", multiple=True, metavar="KEY=VALUE", help="The same settings as the run.")
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Use another rules folder.")
@click.option("--format", "output_format", type=click.Choice(["text", "html", "csv"]), default="text",
              show_default=True, help="text for the terminal; html a printable page; csv for a spreadsheet.")
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to this file instead of the terminal.")
@click.option("--force", is_flag=True, help="Overwrite the --out file if it exists.")
def timeline(record, inputs, as_at, profile, pairs, rules_dir, output_format, out_file, force):
    """A child's statutory timeline: every recorded event and every deadline, in date order, with its law.

    RECORD is a person id, UPN, request id or plan id (as findings.csv names them). The timeline lists each
    date the record holds (with its file, sheet, row and column), each deadline the check finds for the child
    (status, clock start, due date, days late, exception, legal source), the data issues beside the events they
    concern, and "today" (the as-at date) between what has happened and what is still to come: the chronology
    for a complaint, an ombudsman enquiry or a tribunal bundle. It names the child: keep it with the case file.

    \b
    Examples:
      sendcheck timeline P000001 --input fixtures/la/tracker_a.xlsx --as-at 2026-10-31
      sendcheck timeline R000042 --input extract.xlsx --as-at 2026-10-31 --format html --out R000042.html
    """
    import datetime as dt_

    from .readers import load_inputs
    from .reports import timeline as tl
    from .reports import timeline_output
    from .run import check as check_caseload

    settings = _settings(pairs)
    inputs = _input_files([Path(p) for p in inputs])
    # As the run: the date given, else the SEN2 return's reference date (a future date was the run's choice).
    chosen = _choose_as_at(_date(as_at) if as_at else None, inputs, allow_future=True)
    as_at_date = chosen.date
    if out_file and out_file.exists() and not force:
        _fail(f"{out_file} already exists; use --force to overwrite it")
    rules = _rules(rules_dir)
    try:
        # Read once and keep every row: the timeline shows what the record says, rows with data errors too.
        tables = load_inputs(inputs, profile)
        result = check_caseload(inputs, as_at_date, profile=profile, settings=settings, rules_dir=rules_dir,
                                progress=_progress(), dataset=tables, rules=rules, as_at_from=chosen.from_return)
    except InputError as exc:
        _fail(str(exc))
    try:
        found = tl.from_run(result, tables, record)
    except tl.UnknownRecord:
        _fail(f"no child with the person id, UPN, request id or plan id {record!r} in "
              f"{', '.join(Path(p).name for p in inputs)}; findings.csv names every record that was checked")
    if output_format == "html":
        body = timeline_output.html_page(found, dt_.datetime.now().replace(microsecond=0))
    elif output_format == "csv":
        body = timeline_output.csv_text(found)
    else:
        hint = ("How any deadline was worked out: sendcheck explain RULE-ID RECORD --input "
                f"{' --input '.join(str(p) for p in inputs)} --as-at {as_at_date.isoformat()}")
        body = timeline_output.text(found, hint)
    if out_file:
        out_file.write_text(body, encoding="utf-8", newline="")
        click.echo(f"Written: {out_file} ({timeline_output.PERSONAL_DATA.lower()})")
    else:
        click.echo(body, nl=False)


def _provenance(dataset, record) -> list[str]:
    out = []
    for name, frame in sorted(dataset.tables.items()):
        for key in ("request_id", "person_id", "urn", "order_id"):
            if key in frame.columns:
                hit = frame[frame[key].astype(str) == str(record)]
                for _, row in hit.head(3).iterrows():
                    where = f"{name}: {row['_file']}" + (f', sheet "{row["_sheet"]}"' if row["_sheet"] else "")
                    out.append(where + f", row {row['_row']}")
                if len(hit):
                    break
    return out


@main.group()
def profile():
    """Mapping profiles: how an LA's spreadsheet headers map to the canonical fields.

    \b
    Example:
      sendcheck profile new our-tracker.xlsx > our-tracker.yaml
    """


@profile.command("new")
@click.argument("input_file", type=click.Path(path_type=Path))
def profile_new(input_file):
    """Draft a profile from a file's headers for you to finish (lines marked `# ?` need a look)."""
    from .readers.profile import draft_profile

    if not input_file.exists():
        _fail(f"{input_file}: file not found")
    try:
        click.echo(draft_profile(input_file), nl=False)
    except InputError as exc:
        _fail(str(exc))


@main.command()
@click.option("--db", type=click.Path(path_type=Path), default=Path("sendcheck-reports") / "sendcheck-history.sqlite",
              show_default=True, help="History database.")
@click.option("--delete-month", metavar="YYYY-MM", help="Delete the stored run for that month (and its findings).")
def history(db, delete_month):
    """List the runs stored with `check --record`, or delete one month.

    \b
    Examples:
      sendcheck history
      sendcheck history --delete-month 2026-09
    """
    from .history import HistoryError, open_store
    from .history.listing import format_runs

    if not db.exists():
        _fail(f"{db}: no history database yet; run `sendcheck check ... --record` first")
    try:
        with open_store(db) as store:
            if delete_month:
                if store.delete_month(delete_month):
                    click.echo(f"Deleted the run for {delete_month} from {db}.")
                else:
                    _fail(f"no run stored for {delete_month} in {db}")
            else:
                click.echo(format_runs(store.runs()))
    except HistoryError as exc:
        _fail(str(exc))


@main.command()
@click.option("--db", type=click.Path(path_type=Path), default=Path("sendcheck-reports") / "sendcheck-history.sqlite",
              show_default=True, help="History database.")
@click.option("--from", "date_from", metavar="YYYY-MM", help="First month (default: the earliest stored).")
@click.option("--to", "date_to", metavar="YYYY-MM", help="Last month (default: the latest stored).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("sendcheck-reports"), show_default=True,
              help="Folder for sendcheck-trend.html and sendcheck-trend.csv.")
def trend(db, date_from, date_to, out_dir):
    """Month-by-month trend page from the history: 20-week timeliness, overdue reviews, by team.

    \b
    Example:
      sendcheck trend --from 2026-01 --to 2026-11
    """
    from .history import HistoryError, open_store
    from .history.trend import write_trend

    if not db.exists():
        _fail(f"{db}: no history database yet; run `sendcheck check ... --record` first")
    try:
        with open_store(db) as store:
            paths = write_trend(store, date_from, date_to, out_dir)
    except (HistoryError, ValueError) as exc:
        _fail(str(exc))
    for path in paths:
        click.echo(f"  {path}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but localhost requires a password, set at first run.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option("--data", "data_dir", default="sendcheck-web", show_default=True,
              type=click.Path(path_type=Path, file_okay=False),
              help="Folder for uploads, reports, the history and the app's key (readable by you only).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser window (open the link it prints instead).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Another name people use to reach it (such as the computer's network name); repeatable. "
                   "Requests addressed to any other name are refused.")
@click.option("--tls-cert", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Serve https with this PEM certificate (with --tls-key).")
@click.option("--tls-key", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="The private key of --tls-cert.")
def serve(host, port, data_dir, no_browser, allow_hosts, tls_cert, tls_key):
    """A local web app: upload the month's extract, check the column mapping, view and download the reports.

    It opens your browser signed in, and prints the link to open if it did not.

    \b
    Examples:
      sendcheck serve
      sendcheck serve --port 8090 --data D:\\sendcheck-data
      sendcheck serve --host 0.0.0.0        # other computers can reach it; asks for a password
    """
    from .web import serve as run_server

    if bool(tls_cert) != bool(tls_key):
        _fail("give both --tls-cert and --tls-key, or neither.")
    run_server(host, port, data_dir, open_browser=not no_browser, allow_hosts=allow_hosts,
               tls=(tls_cert, tls_key) if tls_cert else None)


@main.command("settings")
def settings_cmd():
    """The documented readings of ambiguous law and their defaults (change with --set KEY=VALUE)."""
    defaults = Settings().as_dict()
    for key, text in SETTING_HELP.items():
        click.echo(f"{key} = {defaults[key]}\n    {text}")


@main.command("data-dictionary")
@click.option("--write", "write_to", type=click.Path(path_type=Path),
              help="Write Markdown to this file instead of printing it.")
def data_dictionary(write_to):
    """The canonical tables and fields every reader produces, with their SEN2 item numbers."""
    from .model import data_dictionary_markdown

    text = data_dictionary_markdown()
    if write_to:
        write_to.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)


@main.command("data-checks")
@click.option("--write", "write_to", type=click.Path(path_type=Path),
              help="Write the Markdown page (docs/data-quality.md) to this file instead of listing the checks.")
def data_checks(write_to):
    """Every data-issue id the checker can raise: its severity and what it finds (what to do: docs/data-quality.md)."""
    from .quality.catalogue import catalogue_markdown, catalogue_text

    if write_to:
        write_to.write_text(catalogue_markdown(), encoding="utf-8")
    else:
        click.echo(catalogue_text())


_OUTPUTS_CLOSED = False  # set by ``check`` once its last output file is closed


def entry() -> None:
    """Console entry point: a user never sees a traceback, even for a bug (SENDCHECK_DEBUG=1 shows it)."""
    try:
        main(standalone_mode=True)
    except SystemExit as exc:
        if _OUTPUTS_CLOSED and isinstance(exc.code, (int, type(None))):
            # A finished check leaves at once: the operating system takes back its memory in one go, where
            # Python would free millions of objects one by one (seconds at national scale). Every output file
            # is already closed; only the terminal's buffers are left to flush.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(exc.code or 0)
        raise
    except KeyboardInterrupt:
        click.echo("sendcheck: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last line of defence for the person at the keyboard
        if os.environ.get("SENDCHECK_DEBUG"):
            raise
        click.echo(f"sendcheck: unexpected problem ({type(exc).__name__}: {exc}). No reports were changed after "
                   "this point. Run again with SENDCHECK_DEBUG=1 for details and report it.", err=True)
        sys.exit(2)
