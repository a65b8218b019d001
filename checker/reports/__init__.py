"""Turning a RunResult into the reports people act on.

``write_reports`` writes, into one folder: the SEND manager's HTML report, the governor reports (one per
school and one for all schools), the inspection pack (HTML and Excel) and the breach workbook. The reports know
nothing of the law beyond what the findings and rule objects say.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .. import lanes
from . import excel, governor, headline, html, inspection, manager
from .safety import masked_references

REPORTS = ("manager", "governor", "inspection", "excel")
LIST_LIMIT = manager.LIST_LIMIT


def write_reports(result, out_dir: Path, which: set[str] | None = None, *, small_count_threshold: int = 5,
                  generated_at: dt.datetime | None = None, since_last_month=None) -> list[Path]:
    """Write the chosen reports (all when ``which`` is None) into ``out_dir``, one after another; return the
    files written. ``since_last_month`` is the already-escaped "since last month" section from the history
    store, if any."""
    return lanes.run(report_jobs(result, out_dir, which, small_count_threshold=small_count_threshold,
                                 generated_at=generated_at, since_last_month=since_last_month))


def report_jobs(result, out_dir: Path, which: set[str] | None = None, *, small_count_threshold: int = 5,
                generated_at: dt.datetime | None = None, since_last_month=None,
                workbooks: bool = True) -> list[lanes.Job]:
    """One job per chosen report, for :func:`checker.lanes.run`. What they share (the headline figures, the
    template environment, the folder) is made here, once, before any job runs.

    ``workbooks=False`` leaves out the person-level workbooks (the breach workbook, and the inspection pack's
    Excel half): see :func:`too_big_for_workbooks`."""
    which = set(REPORTS) if which is None else set(which)
    unknown = which - set(REPORTS)
    if unknown:
        raise ValueError(f"Unknown report {', '.join(sorted(unknown))}: choose from {', '.join(REPORTS)}.")
    if small_count_threshold < 1:
        raise ValueError("The small-count threshold must be 1 or more.")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    generated_at = generated_at or dt.datetime.now().replace(microsecond=0)
    head = headline.compute(result.findings, result.as_at, result.settings)
    env = html.environment()

    def write_text(name: str, text: str) -> Path:
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        return path

    def manager_report() -> list[Path]:
        context = manager.build(result, head) | {"since_last_month": since_last_month}
        return [write_text("send-manager-report.html", html.manager_html(env, result, head, context, generated_at))]

    def governor_reports() -> list[Path]:
        ctx = governor.build(result, small_count_threshold)
        (out_dir / "governors").mkdir(exist_ok=True)
        written = []
        for school in ctx["schools"]:
            school["file"] = "governors/" + html.school_file_name(school["urn"], school["name"])
            written.append(write_text(school["file"], html.governor_html(env, result, school, ctx, generated_at)))
        written.append(write_text("governors-all-schools.html", html.governors_all_html(env, result, ctx,
                                                                                        generated_at)))
        return written

    def inspection_pack() -> list[Path]:
        # The key from a pack reference back to the child (the LA's own; never shared) is written first, so
        # that its table (a row per child: nearly a million nationally) is gone before the pack's are built.
        references = masked_references(result.dataset)
        key_file = []
        if len(references):
            from ..output import write_csv  # here, not at the top: checker.output imports reports.safety

            write_csv(references, out_dir / "pseudonym-references-PRIVATE.csv")
            key_file.append(out_dir / "pseudonym-references-PRIVATE.csv")
        del references
        insp = inspection.build(result, head)
        written = [write_text("inspection-pack.html",
                              html.inspection_html(env, result, head, insp, generated_at, LIST_LIMIT, workbooks))]
        if workbooks:
            written.append(excel.write_inspection_workbook(result, head, insp, out_dir / html.INSPECTION_WORKBOOK))
        return written + key_file

    def breach_workbook() -> list[Path]:
        return [excel.write_breach_workbook(result, head, out_dir / "breach-workbook.xlsx")]

    # Costs are seconds measured on a 32,500-person LA (bench/README.md); they only set the order the lanes take
    # the jobs in (longest first). Without its workbook the inspection pack (0.5 s) is put just ahead of the
    # findings files: nationally it needs a few hundred megabytes of its own while it runs, and early on the two
    # lanes still share most of their memory, so the run peaks lower than with it last (bench/README.md).
    jobs = {"manager": lanes.Job("manager report", 0.3, manager_report),
            "governor": lanes.Job("governor reports", 0.15, governor_reports),
            "inspection": lanes.Job("inspection pack", 1.5 if workbooks else 0.61, inspection_pack),
            "excel": lanes.Job("breach workbook", 1.55, breach_workbook)}
    return [jobs[name] for name in REPORTS if name in which and (workbooks or name != "excel")]


WORKBOOK_FINDINGS_LIMIT = 1_048_575  # the rows one Excel sheet holds


def too_big_for_workbooks(result) -> bool:
    """True when a run has more findings than one Excel sheet holds.

    No LA comes near this (a 25,000-plan LA has about 160,000 findings); a national or multi-LA run does, and
    there a person-level workbook of several million rows is for no one to read, takes longer to write than the
    whole check, and doubles the memory a run needs. :func:`checker.run.write` then leaves the two person-level
    workbooks out unless they are asked for by name, and says so; findings.csv holds every finding either way."""
    return len(result.findings) > WORKBOOK_FINDINGS_LIMIT
