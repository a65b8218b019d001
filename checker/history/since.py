"""The manager report's "since last month" section, from the history database and this month's run.

``since_last_month`` compares this run's findings with the run recorded for the latest earlier month and
returns plain figures and rows; ``section_html`` renders them as one escaped HTML section the manager
template can drop in (``{{ since_last_month }}``). Rows carry record and person ids, never names.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from markupsafe import Markup, escape

from ..output import write_csv
from ..reports.fmt import long_date, status_label
from ..result import STATUSES
from .compare import Changes, compare
from .trend import month_label

LIST_LIMIT = 50
CSV_NAME = "since-last-month.csv"
GROUPS = (
    ("new_breaches", "New breaches", "Late or overdue now, and not last month."),
    ("became_overdue", "Due soon last month, overdue now", "These were on last month's due-soon list."),
    ("resolved_breaches", "Resolved breaches",
     "Late or overdue last month, and not now (or no longer in the extract)."),
    ("still_open", "Still open", "Late or overdue last month and now; months open counts the monthly runs in a row."),
)


def since_last_month(store, result) -> dict | None:
    """Figures for the section, or None when no earlier month is recorded."""
    previous = store.previous_run(result.as_at)
    if previous is None:
        return None
    changes = compare(store.findings(previous["run_id"]), result.findings, as_at=result.as_at,
                      previous_month=previous["month"])
    return context(changes, previous) | {"changes": changes}


def write_changes_csv(changes: Changes, path) -> None:
    """Every changed finding in one CSV (change, then the compare columns), for lists too long for the page."""
    parts = [getattr(changes, key).assign(change=key) for key, _label, _hint in GROUPS]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    frame = frame[["change"] + [c for c in frame.columns if c != "change"]]
    frame["due_date"] = pd.to_datetime(frame["due_date"], errors="coerce")
    write_csv(frame, Path(path))  # the same inert, quoted CSV as findings.csv


def _rows(frame: pd.DataFrame, limit: int) -> list[dict]:
    days = pd.to_numeric(frame["days_late"], errors="coerce").fillna(-1)
    ordered = frame.assign(_days=days).sort_values(["_days", "rule_id", "record_id"], ascending=[False, True, True],
                                                   kind="stable")
    return ordered.drop(columns="_days").head(limit).to_dict("records")


def context(changes: Changes, previous: dict) -> dict:
    still = changes.still_open
    by_months = still.groupby("months_open").size().sort_index() if len(still) else pd.Series(dtype=int)
    return {
        "previous_month": changes.previous_month, "current_month": changes.current_month,
        "previous_as_at": previous["as_at"], "counts": changes.counts(),
        "still_open_by_months": [(int(m), int(n)) for m, n in by_months.items()],
        "groups": [{"key": key, "label": label, "hint": hint, "total": len(getattr(changes, key)),
                    "rows": _rows(getattr(changes, key), LIST_LIMIT)} for key, label, hint in GROUPS],
        "limit": LIST_LIMIT,
    }


def _cell(value) -> str:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%d/%m/%Y")
    return str(value)


def section_html(ctx: dict | None) -> Markup:
    """The section as HTML in the reports' GOV.UK style; a short note when there is no earlier month."""
    if ctx is None:
        return Markup('<h2 id="since-last-month">Since last month</h2><p>No earlier month is recorded in the '
                      'history database, so there is nothing to compare with yet.</p>')
    e = escape
    c = ctx["counts"]
    out = ['<h2 id="since-last-month">Since last month</h2>',
           f'<p>Compared with the run recorded for {e(month_label(ctx["previous_month"]))} (data as at '
           f'{e(long_date(ctx["previous_as_at"]))}): {c["new_breaches"]:,} new breaches, {c["resolved_breaches"]:,} '
           f'resolved, {c["still_open"]:,} still open, and {c["became_overdue"]:,} that were due soon and are now '
           f'overdue.</p>']
    if ctx["still_open_by_months"]:
        out.append('<div class="app-table-wrap" tabindex="0"><table class="govuk-table"><caption '
                   'class="govuk-table__caption">Breaches still open, by months open</caption><thead><tr>'
                   '<th scope="col" class="num">Months open</th><th scope="col" class="num">Breaches</th></tr>'
                   '</thead><tbody>')
        out += [f'<tr><td class="num">{m}</td><td class="num">{n:,}</td></tr>' for m, n in ctx["still_open_by_months"]]
        out.append("</tbody></table></div>")
    for g in ctx["groups"]:
        out.append(f'<h3>{e(g["label"])} ({g["total"]:,})</h3><p class="govuk-body-s govuk-hint">{e(g["hint"])}</p>')
        if not g["rows"]:
            out.append("<p>None.</p>")
            continue
        if g["total"] > len(g["rows"]):
            out.append(f'<p class="govuk-warning-text">Only the {len(g["rows"]):,} most days late are listed here; '
                       f'the other {g["total"] - len(g["rows"]):,} are in {e(CSV_NAME)}.</p>')
        out.append(f'<div class="app-table-wrap" tabindex="0"><table class="govuk-table"><caption '
                   f'class="govuk-table__caption">{e(g["label"])}</caption><thead><tr><th scope="col">Rule</th>'
                   '<th scope="col">Record</th><th scope="col">Person</th><th scope="col">Team</th>'
                   '<th scope="col">Last month</th><th scope="col">Now</th><th scope="col">Due</th>'
                   '<th scope="col" class="num">Days late</th><th scope="col" class="num">Months open</th>'
                   '</tr></thead><tbody>')
        for r in g["rows"]:
            before = status_label(r["status_before"]) if isinstance(r["status_before"], str) else "not in the extract"
            now = status_label(r["status_now"]) if r["status_now"] in STATUSES else r["status_now"]
            out.append(f'<tr><td class="app-rule-id">{e(_cell(r["rule_id"]))}</td><td>{e(_cell(r["record_id"]))}</td>'
                       f'<td>{e(_cell(r["person_id"]))}</td><td>{e(_cell(r["team"]))}</td><td>{e(before)}</td>'
                       f'<td>{e(_cell(now))}</td><td>{e(_cell(r["due_date"]))}</td>'
                       f'<td class="num">{e(_cell(r["days_late"]))}</td>'
                       f'<td class="num">{e(_cell(r["months_open"]))}</td></tr>')
        out.append("</tbody></table></div>")
    return Markup("".join(out))
