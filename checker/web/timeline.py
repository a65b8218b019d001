"""A child's statutory timeline from a finished check: ``/runs/<id>/timeline?record=...`` (and ``&format=csv``).

The deadlines and data issues are the run's own, read back from its ``findings.csv`` and ``data_issues.csv``:
the page can never disagree with the reports the manager already has, even after sendcheck or its rules are
upgraded. The events need the dates as read, which a run does not keep, so the run's uploads are read again with
its own mapping profile (reading only: no data checks, no rules). That costs what reading costs (about a second
for a CSV and a few for a workbook, for a 25,000-plan authority) and no more memory than reading; one timeline
is read at a time, and nothing of a child's record is kept in the server's memory after the page is sent.
``findings.csv`` is read in chunks and only the child's rows are kept.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pandas as pd
from flask import Blueprint, Response, abort, render_template, request, url_for
from werkzeug.utils import secure_filename

from ..dataset import InputError
from ..reports import timeline as tl
from ..reports import timeline_output
from ..reports.safety import FORMULA_TRIGGERS
from .mapping import PROFILE_FILE
from .security import harden

bp = Blueprint("timeline", __name__)
_READING = threading.Lock()  # one re-read of a run's uploads at a time: each holds a whole caseload while it runs
CHUNK_ROWS = 100_000


@bp.route("/runs/<run_id>/timeline")
def page(run_id):
    from .views import _run_or_404

    folder, state = _run_or_404(run_id)
    if state["status"] != "done":
        abort(404)
    record = request.args.get("record", "").strip()[:200]
    if not record:
        return _search(state, record, "Enter a person id, UPN, request id or plan id"), 400
    try:
        found = run_timeline(folder, state, record)
    except tl.UnknownRecord:
        return _search(state, record, f"No child in this check has the person id, UPN, request id or plan id "
                                      f"{record}. Check it against the findings file."), 404
    except (InputError, OSError, ValueError):
        return render_template("message.html", title="The timeline cannot be made",
                               message="This check's uploaded files or findings could not be read again. "
                                       "Start a new check with the same files."), 409
    if request.args.get("format") == "csv":
        name = f"statutory-timeline-{secure_filename(record) or 'record'}.csv"
        return Response(timeline_output.csv_text(found), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    links = {"back": url_for("web.run_page", run_id=run_id),
             "csv": url_for("timeline.page", run_id=run_id, record=record, format="csv")}
    body = timeline_output.html_page(found, dt.datetime.now().replace(microsecond=0), web_links=links)
    return harden(Response(body, mimetype="text/html"), report=True)


def _search(state: dict, record: str, error: str):
    return render_template("timeline.html", run=state, record=record, error=error)


def run_timeline(folder: Path, state: dict, record: str) -> tl.Timeline:
    """The timeline of ``record`` in a finished run: its uploads read again with its profile, its findings and
    data issues as it wrote them."""
    from ..engine.rules import load_rules
    from ..readers import load_inputs

    uploads = [folder / "uploads" / name for name in state["inputs"]]
    profile = folder / PROFILE_FILE if (folder / PROFILE_FILE).is_file() else None
    reports = folder / "reports"
    with _READING:  # until the caseload read here is let go: never two in memory at once
        tables = load_inputs(uploads, profile)
        people = {p for p in tl.people_for(record, tables)[0] if not p.startswith("request:")}
        findings = stored_findings(reports / "findings.csv", people, record)
        extra = set(findings.loc[findings["record_id"] == record, "person_id"]) - people - {""}
        if extra:  # a review or advice record's id: read again for everything of that child
            findings = stored_findings(reports / "findings.csv", people | extra, record)
        issues = _inert(pd.read_csv(reports / "data_issues.csv", dtype=str, keep_default_na=False))
        summary = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
        found = tl.build(record, tables=tables, findings=findings, issues=issues, rules=load_rules(),
                         as_at=dt.date.fromisoformat(state["as_at"]),
                         not_evaluated=summary.get("rules_not_evaluated", {}), inputs=state["inputs"])
        del tables
    return found


def stored_findings(path: Path, people: set[str], record: str) -> pd.DataFrame:
    """The rows of a run's findings.csv about these people or this record, typed as the engine types them."""
    kept = []
    for chunk in pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=CHUNK_ROWS):
        mask = chunk["person_id"].isin(people) | chunk["record_id"].eq(record) | chunk["upn"].eq(record)
        kept.append(chunk[mask])
    frame = _inert(pd.concat(kept, ignore_index=True))
    for column in ("clock_start", "due_date", "stopped_date"):
        frame[column] = pd.to_datetime(frame[column].replace("", None), format="ISO8601").astype("datetime64[ns]")
    frame["days_late"] = pd.to_numeric(frame["days_late"].replace("", None)).astype("Int64")
    return frame


def _inert(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo the quote the CSV writer puts before formula-looking text, so the page shows the text as recorded
    (the page escapes it; the timeline's own CSV puts the quote back)."""
    for column in frame.columns:
        values = frame[column]
        quoted = values.str.startswith("'") & values.str[1:2].isin(FORMULA_TRIGGERS)
        if quoted.any():
            frame[column] = values.where(~quoted, values.str[1:])
    return frame
