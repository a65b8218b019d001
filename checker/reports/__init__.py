"""Turning a RunResult into the reports people act on.

``write_reports`` writes, into one folder: the SEND manager's HTML report, the governor reports (one per
school and one for all schools), the inspection pack (HTML and Excel) and the breach workbook. The reports know
nothing of the law beyond what the findings and rule objects say.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from . import excel, governor, headline, html, inspection, manager
from .safety import masked_references

REPORTS = ("manager", "governor", "inspection", "excel")
LIST_LIMIT = manager.LIST_LIMIT


def write_reports(result, out_dir: Path, which: set[str] | None = None, *, small_count_threshold: int = 5,
                  generated_at: dt.datetime | None = None, since_last_month=None) -> list[Path]:
    """Write the chosen reports (all when ``which`` is None) into ``out_dir``; return the files written.

    ``since_last_month`` is the already-escaped "since last month" section from the history store, if any.
    """
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
    written: list[Path] = []

    def write_text(name: str, text: str) -> None:
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)

    if "manager" in which:
        write_text("send-manager-report.html",
                   html.manager_html(env, result, head,
                                     manager.build(result, head) | {"since_last_month": since_last_month},
                                     generated_at))
    if "governor" in which:
        ctx = governor.build(result, small_count_threshold)
        folder = out_dir / "governors"
        folder.mkdir(exist_ok=True)
        for school in ctx["schools"]:
            school["file"] = "governors/" + html.school_file_name(school["urn"], school["name"])
            write_text(school["file"], html.governor_html(env, result, school, ctx, generated_at))
        write_text("governors-all-schools.html", html.governors_all_html(env, result, ctx, generated_at))
    if "inspection" in which:
        insp = inspection.build(result, head)
        write_text("inspection-pack.html", html.inspection_html(env, result, head, insp, generated_at, LIST_LIMIT))
        written.append(excel.write_inspection_workbook(result, head, insp, out_dir / html.INSPECTION_WORKBOOK))
        references = masked_references(result.dataset)
        if len(references):  # the LA's own key from a pack reference back to the child; never shared
            from ..output import write_csv  # here, not at the top: checker.output imports reports.safety

            write_csv(references, out_dir / "pseudonym-references-PRIVATE.csv")
            written.append(out_dir / "pseudonym-references-PRIVATE.csv")
    if "excel" in which:
        written.append(excel.write_breach_workbook(result, head, out_dir / "breach-workbook.xlsx"))
    return written
