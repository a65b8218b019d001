"""A child's statutory timeline as the terminal, a printable page and a spreadsheet show it.

Three renderings of one :class:`~checker.reports.timeline.Timeline`, built once by
:func:`checker.reports.timeline.build`: ``text`` for ``sendcheck timeline`` in a terminal, ``html`` for the case
file (the reports' base template and stylesheet, readable on a phone and in print), ``csv`` for a tribunal
bundle's index or a complaint log. The page names the child, so each rendering says it holds personal data; no
governor or published output links to it.
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd

from . import fmt, html
from .timeline import ISSUE, TODAY, ChildTimeline, Entry, Timeline

PERSONAL_DATA = "Contains personal data — for the case file"
CSV_COLUMNS = [
    "person_id", "upn", "name", "date", "kind", "record_id", "what", "detail", "rule_id", "strength", "status",
    "status_label", "clock_start", "due_date", "stopped_date", "days_late", "exception", "note", "citation", "link",
    "action", "file", "sheet", "row", "column", "data_issues",
]
OPEN = ("overdue", "due_soon", "insufficient_data")  # a deadline whose action line is still to be done


# -- words every rendering shares ------------------------------------------------------------------------------

def status_words(entry: Entry) -> str:
    """"Overdue by 12 days", "Late by 1 day", "On time": the report vocabulary (checker.reports.fmt)."""
    d = entry.deadline
    words = fmt.status_label(d.status)
    if d.days_late is not None and d.status in ("late", "overdue"):
        words += f" by {d.days_late} day{'s' if d.days_late != 1 else ''}"
    return words


def clock_words(entry: Entry) -> str:
    """The deadline's dates in one line: clock start, due (or earliest permitted day), done."""
    d = entry.deadline
    parts = []
    if d.clock_start:
        parts.append(f"clock started {fmt.short_date(d.clock_start)}")
    if d.due_date:
        parts.append(f"{'earliest permitted day' if d.window else 'due'} {fmt.short_date(d.due_date)}")
    parts.append(f"done {fmt.short_date(d.stopped_date)}" if d.stopped_date else done_words(entry).lower())
    return ", ".join(parts)


def done_words(entry: Entry) -> str:
    """What "done" says when no date stopped the clock: not done, or not known because a date is missing."""
    if entry.deadline.status == "insufficient_data":
        return "Not known: a date the rule needs is missing"
    return "Not done by the as-at date"


def summary_words(child: ChildTimeline) -> str:
    """The child's deadlines in one sentence, duties and guidance counted apart (checker.result.counts)."""
    f = child.figures
    parts = [f"{f['overdue_now']} statutory dut{'y' if f['overdue_now'] == 1 else 'ies'} overdue now",
             f"{f['must_breaches'] - f['overdue_now']} met late",
             f"{f['due_soon']} due in the next 4 weeks",
             f"{f['should_breaches']} departure{'s' if f['should_breaches'] != 1 else ''} from statutory guidance "
             "(not a breach of law)"]
    text = (f"{f['checks']} deadline{'s' if f['checks'] != 1 else ''} checked: " + ", ".join(parts) + "."
            if f["checks"] else "No deadline was checked for this child.")
    issues = f["errors"] + f["queries"]
    if issues:
        text += (f" {issues} data issue{'s' if issues != 1 else ''} on this child's records ({f['errors']} "
                 f"error{'s' if f['errors'] != 1 else ''}, {f['queries']} quer{'y' if f['queries'] == 1 else 'ies'}).")
    return text


# -- text ------------------------------------------------------------------------------------------------------

def text(timeline: Timeline, explain_hint: str = "") -> str:
    """The timeline for a terminal: one block per entry, dates first, "today" marked between past and future."""
    out = [f"Statutory timeline for {timeline.record} ({timeline.matched_by}), as at {fmt.long_date(timeline.as_at)}.",
           f"{PERSONAL_DATA.upper()}: keep it with the case record; do not publish or share it beyond the case."]
    if len(timeline.children) > 1:
        out.append(f"{timeline.record} names {len(timeline.children)} children; each has a timeline below.")
    for child in timeline.children:
        out += ["", "=" * 100, child.heading, "=" * 100]
        facts = [("person id", child.person_id), ("UPN", child.upn), ("born", fmt.short_date(child.birth_date)),
                 ("team", child.team), ("caseworker", child.caseworker), ("records", ", ".join(child.records))]
        out.append("; ".join(f"{k} {v}" for k, v in facts if v))
        out += [summary_words(child), ""]
        out += [line for e in child.past for line in _text_entry(e)]
        out.append(f"---- {_day(timeline.as_at)}  TODAY: the as-at date. Below: still to come. " + "-" * 20)
        out += [line for e in child.future for line in _text_entry(e)] or ["  (nothing recorded or due after it)"]
        if child.undated:
            out += ["", "Not dated (no date to place them by):"]
            out += [line for e in child.undated for line in _text_entry(e)]
        if child.other_issues:
            out += ["", "Other data issues on this child's records:"]
            out += [f"  {_severity(i.severity)} {i.issue_id}: {i.message}" for i in child.other_issues]
    if timeline.not_evaluated:
        out += ["", "Rules not checked in this run (so no deadline of theirs appears above):"]
        out += [f"  {rule}: {why}" for rule, why in timeline.not_evaluated.items()]
    if explain_hint:
        out += ["", explain_hint]
    return "\n".join(out) + "\n"


_INDENT = " " * 28


def _day(value: dt.date) -> str:
    return f"{value:%Y-%m-%d} {value:%a}"


def _text_entry(entry: Entry) -> list[str]:
    date = _day(entry.date) if entry.date else "(no date)     "
    d = entry.deadline
    if d is None:
        head = f"{date}  event     {entry.record}  {entry.what}" + (f": {entry.detail}" if entry.detail else "")
        lines = [head] + [f"{_INDENT}source: {s.text()}" for s in entry.sources]
    else:
        lines = [f"{date}  deadline  {entry.record}  {d.rule_id} {d.title} [{d.strength}]",
                 f"{_INDENT}{status_words(entry).upper()}: {clock_words(entry)}"]
        if d.exception:
            lines.append(f"{_INDENT}exception: {d.exception}")
        if d.note:
            lines.append(f"{_INDENT}note: {d.note}")
        lines.append(f"{_INDENT}law: {d.citation}" + (f" ({' '.join(d.links)})" if d.links else ""))
        if d.status in OPEN and d.action:
            lines.append(f"{_INDENT}action: {d.action}")
    lines += [f"{_INDENT}{_severity(i.severity)} {i.issue_id}: {i.message}" for i in entry.issues]
    return lines


def _severity(severity: str) -> str:
    return "DATA ERROR" if severity == "error" else "DATA QUERY"


# -- CSV -------------------------------------------------------------------------------------------------------

def csv_frame(timeline: Timeline) -> pd.DataFrame:
    """One row per entry, "today" and each data issue not beside an event, in the order the page shows them.
    Written through :func:`checker.output.write_csv_to`, which keeps formula-looking text inert."""
    rows = []
    for child in timeline.children:
        who = {"person_id": child.person_id, "upn": child.upn, "name": child.name}
        rows += [who | _csv_entry(e) for e in child.past]
        rows.append(who | {"date": timeline.as_at.isoformat(), "kind": TODAY,
                           "what": "As-at date: every deadline is judged on this day; later rows are still to come"})
        rows += [who | _csv_entry(e) for e in child.future + child.undated]
        rows += [who | {"kind": ISSUE, "what": i.issue_id, "detail": i.message, "file": i.source.file,
                        "sheet": i.source.sheet, "row": "" if i.source.row is None else str(i.source.row),
                        "column": i.source.column, "data_issues": f"{i.severity} {i.issue_id}"}
                 for i in child.other_issues]
    frame = pd.DataFrame(rows, columns=CSV_COLUMNS, dtype=object)
    return frame.where(frame.notna(), "")


def _csv_entry(entry: Entry) -> dict:
    row = {"date": entry.date.isoformat() if entry.date else "", "kind": entry.kind, "record_id": entry.record,
           "what": entry.what, "detail": entry.detail,
           "data_issues": "; ".join(f"{i.severity} {i.issue_id}: {i.message}" for i in entry.issues)}
    if entry.sources:
        first = entry.sources[0]
        row |= {"file": " | ".join(s.file for s in entry.sources), "sheet": " | ".join(s.sheet for s in entry.sources),
                "row": " | ".join("" if s.row is None else str(s.row) for s in entry.sources),
                "column": " | ".join(s.column for s in entry.sources)} if len(entry.sources) > 1 else \
               {"file": first.file, "sheet": first.sheet, "row": "" if first.row is None else str(first.row),
                "column": first.column}
    d = entry.deadline
    if d is not None:
        row |= {"rule_id": d.rule_id, "strength": d.strength, "status": d.status, "status_label": status_words(entry),
                "clock_start": _iso(d.clock_start), "due_date": _iso(d.due_date), "stopped_date": _iso(d.stopped_date),
                "days_late": "" if d.days_late is None else str(d.days_late), "exception": d.exception, "note": d.note,
                "citation": d.citation, "link": " ".join(d.links), "action": d.action if d.status in OPEN else ""}
    return row


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def csv_text(timeline: Timeline) -> str:
    from ..output import write_csv_to  # here: checker.output imports the reports package

    buffer = io.StringIO()
    write_csv_to(csv_frame(timeline), buffer)
    return buffer.getvalue()


# -- HTML ------------------------------------------------------------------------------------------------------

def html_page(timeline: Timeline, generated_at: dt.datetime, *, web_links: dict | None = None) -> str:
    """The printable, self-contained page (the reports' base template and stylesheet). ``web_links`` (the web
    app's "back to the check" and CSV download addresses) are shown only when given."""
    env = html.environment()
    result = _PageResult(timeline)
    single = timeline.children[0] if len(timeline.children) == 1 else None
    title = f"Statutory timeline: {single.heading}" if single else f"Statutory timeline: {timeline.record}"
    ctx = html.common(result, title, "Child's statutory timeline · " + PERSONAL_DATA, generated_at)
    ctx |= {"timeline": timeline, "personal_data": PERSONAL_DATA, "web_links": web_links or {},
            "status_words": status_words, "clock_words": clock_words, "done_words": done_words,
            "summary_words": summary_words, "open_statuses": OPEN}
    return html.render(env, "timeline.html", ctx)


class _PageResult:
    """What :func:`checker.reports.html.common` reads from a run, taken from the timeline."""

    def __init__(self, timeline: Timeline):
        self.as_at = timeline.as_at
        self.inputs = timeline.inputs
