"""Why was this finding raised? The dates found, the deadline worked out step by step, the status, the law.

Uses exactly the facts and classification the run used, on the one record asked about, so an explanation can
never disagree with the findings file.
"""

from __future__ import annotations

import pandas as pd

from .. import calendar
from ..settings import Settings
from . import vocabulary
from .evaluate import findings_for
from .facts import coalesce_dates
from .rules import Rule
from .vocabulary import as_list, condition_words, deadline_step

STATUS_WORDS = {
    "compliant": "ON TIME", "late": "LATE", "overdue": "OVERDUE", "due_soon": "DUE SOON", "pending": "NOT YET DUE",
    "excepted": "EXCEPTION APPLIES", "insufficient_data": "CANNOT CHECK (DATE MISSING)",
}


def _d(value) -> str:
    if value is None or pd.isna(value):
        return "(blank)"
    ts = pd.Timestamp(value)
    return f"{ts:%Y-%m-%d} ({ts:%a})"


def _holiday_note(value) -> str:
    if value is None or pd.isna(value):
        return ""
    ts = pd.Timestamp(value)
    hol = calendar.bank_holidays(ts.year, ts.year)
    if ts.to_datetime64().astype("datetime64[D]") in hol:
        return "  a bank holiday: no roll-forward for this time limit"
    if ts.weekday() >= 5:
        return "  a weekend: no roll-forward for this time limit"
    return ""


def match_records(frame: pd.DataFrame, record: str) -> pd.DataFrame:
    """Rows of a subject frame named by record id, or by request, person or UPN."""
    record = str(record).strip()
    for col in ("record_id", "request_id", "person_id", "upn", "urn", "order_id"):
        if col in frame.columns:
            hit = frame[frame[col].astype(str) == record]
            if len(hit):
                return hit
    return frame.iloc[0:0]


def explain(rule: Rule, frame: pd.DataFrame, record: str, as_at, settings: Settings, provenance: list[str] = ()) -> str:
    rows = match_records(frame, record)
    if rows.empty:
        return f"{rule.id}: no {rule.applies_to} record {record!r} in the input."
    texts = []
    for _, row in rows.iterrows():
        one = rows.loc[[row.name]]
        found = findings_for(rule, one, as_at, settings)
        head = f"{rule.id}  {rule.applies_to} {row['record_id']}"
        owner = ", ".join(p for p in (row.get("caseworker"), row.get("team")) if isinstance(p, str) and p)
        if owner:
            head += f" (owner: {owner})"
        lines = [head, f"  {rule.title}  [{rule.strength}; owed by {rule.owed_by}]"]
        if found.empty:
            why = "not in force on that date" if not rule.in_force(pd.Timestamp(as_at).date()) else \
                "; ".join(condition_words(c, row) for c in rule.when_for(settings)
                          if not vocabulary.mask(c, one).iloc[0])
            lines.append(f"  does not apply: {why}")
            texts.append("\n".join(lines))
            continue
        f = found.iloc[0]
        when = rule.when_for(settings)
        if when:
            lines.append("  applies because   " + "; ".join(condition_words(c, row) for c in when))
        start_fields = as_list(rule.clock["start"])
        used = next((n for n in start_fields if n in one.columns and coalesce_dates(one, n).notna().iloc[0]),
                    start_fields[0])
        lines.append(f"  clock starts      {_d(f['clock_start'])}   ({used})")
        spec = rule.clock.get("deadline") or rule.clock.get("earliest")
        word = "earliest permitted day" if rule.is_window else "deadline"
        for one_spec in as_list(spec):
            lines.append(f"  {deadline_step(one_spec, settings)}")
        lines.append(f"  {word:<17} {_d(f['due_date'])}{_holiday_note(f['due_date'])}")
        if rule.clock.get("stop"):
            lines.append(f"  clock stopped     {_d(f['stopped_date'])}   ({', '.join(as_list(rule.clock['stop']))})")
        lines.append(f"  as at             {_d(as_at)}")
        if rule.exceptions:
            lines.append(f"  exception         "
                         f"{f['exception'] if isinstance(f['exception'], str) else 'none recorded'}")
        status = STATUS_WORDS[f["status"]]
        if pd.notna(f["days_late"]):
            n = int(f["days_late"])
            status += f" by {n} day{'s' if n != 1 else ''}"
        lines.append(f"  status            {status}")
        if f["note"]:
            lines.append(f"  note              {f['note']}")
        lines.append(f"  settings          day_one={settings.day_one}, month_end={settings.month_end}, "
                     f"before_fixed_date={settings.before_fixed_date}, year11_transfer={settings.year11_transfer}, "
                     f"due_soon_days={settings.due_soon_days}")
        for where in provenance:
            lines.append(f"  input             {where}")
        lines.append(f"  source            {rule.citation}")
        lines.append(f"  action            {rule.action}")
        texts.append("\n".join(lines))
    return "\n\n".join(texts)
