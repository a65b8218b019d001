"""What changed between last month's findings and this month's, matched on a stable finding id.

A finding id is the rule id and the record id ("EHC-FINAL-20W/R-10423"): the same request, plan or review
keeps the same id from one extract to the next, so a merge on it tells a breach that is new from one that has
been open for months. A breach is a finding that is late or overdue.

- new breaches: in breach now, and not in breach last month (or not in last month's extract at all);
- resolved breaches: in breach last month, and not in breach now (done in time after all, an exception
  recorded, or no longer in the extract: the ``now`` column says which);
- still open: in breach both months, with how many monthly runs in a row have shown it in breach;
- became overdue: due soon last month and overdue now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from ..result import BREACH_STATUSES

GONE = "not in this extract"
CHANGE_COLUMNS = ["finding_id", "rule_id", "record_id", "person_id", "team", "status_before", "status_now",
                  "due_date", "days_late", "months_open"]


def finding_ids(findings: pd.DataFrame) -> pd.Series:
    """The stable id of each finding: rule id, "/", record id (rule ids never contain "/").

    Two findings of one rule for the same record would share an id; the second and later get "#2", "#3", ...
    in their order in the frame, so nothing is dropped when they are stored.
    """
    if findings.empty:
        return pd.Series([], index=findings.index, dtype=object)
    record = findings["record_id"].astype(object).where(findings["record_id"].notna(), "")
    base = findings["rule_id"].astype(str) + "/" + record.astype(str)
    nth = base.groupby(base, sort=False).cumcount()
    return base.where(nth.eq(0), base + "#" + (nth + 1).astype(str)).astype(object)


def month_of(value) -> str:
    """"YYYY-MM" for a date, a timestamp or a "YYYY-MM[-DD]" string."""
    if isinstance(value, str):
        return value[:7]
    return f"{value.year:04d}-{value.month:02d}"


def months_between(first: str, last: str) -> int:
    """Months from ``first`` to ``last`` counting both ("2026-10" to "2026-11" is 2)."""
    y1, m1 = int(first[:4]), int(first[5:7])
    y2, m2 = int(last[:4]), int(last[5:7])
    return (y2 - y1) * 12 + (m2 - m1) + 1


@dataclass
class Changes:
    previous_month: str | None
    current_month: str
    new_breaches: pd.DataFrame
    resolved_breaches: pd.DataFrame
    still_open: pd.DataFrame
    became_overdue: pd.DataFrame
    extra: dict = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {"new_breaches": len(self.new_breaches), "resolved_breaches": len(self.resolved_breaches),
                "still_open": len(self.still_open), "became_overdue": len(self.became_overdue)}


def _keyed(findings: pd.DataFrame) -> pd.DataFrame:
    frame = findings.copy()
    if "finding_id" not in frame.columns:
        frame["finding_id"] = finding_ids(frame)
    for col in ("record_id", "person_id", "team", "due_date", "days_late", "breach_since", "month"):
        if col not in frame.columns:
            frame[col] = pd.NaT if col == "due_date" else None
    frame["breach"] = frame["status"].isin(BREACH_STATUSES)
    return frame


def _shape(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reindex(columns=CHANGE_COLUMNS)
    return out.sort_values(["rule_id", "record_id", "finding_id"], kind="stable").reset_index(drop=True)


def compare(previous_findings: pd.DataFrame, current_findings: pd.DataFrame, *,
            as_at: dt.date | str | None = None, previous_month: str | None = None) -> Changes:
    """Changes from ``previous_findings`` (a stored run) to ``current_findings`` (stored, or fresh from a run).

    ``as_at`` names the current month when the current findings are fresh from a run (a stored run carries
    its ``month`` column); ``previous_month`` names last month's when its run had no findings at all to carry
    it. Months open count the monthly runs in an unbroken breach, this one included.
    """
    prev = _keyed(previous_findings)
    cur = _keyed(current_findings)
    current_month = month_of(as_at) if as_at is not None else (
        str(cur["month"].dropna().iloc[0]) if cur["month"].notna().any() else None)
    previous_month = str(prev["month"].dropna().iloc[0]) if prev["month"].notna().any() else previous_month
    if current_month is None:
        raise ValueError("compare needs the current month: pass as_at, or findings read back from the store")

    keep = ["finding_id", "status", "breach", "breach_since"]
    merged = cur.merge(prev[keep + ["rule_id", "record_id", "person_id", "team", "due_date", "days_late"]],
                       on="finding_id", how="outer", suffixes=("", "_before"), indicator=True)
    in_cur = merged["_merge"].ne("right_only")
    in_prev = merged["_merge"].ne("left_only")
    breach_now = merged["breach"].eq(True) & in_cur
    breach_before = merged["breach_before"].eq(True) & in_prev
    for col in ("rule_id", "record_id", "person_id", "team", "due_date", "days_late"):
        merged[col] = merged[col].where(in_cur, merged[f"{col}_before"])
    merged["status_now"] = merged["status"].where(in_cur, GONE)
    merged["status_before"] = merged["status_before"].where(in_prev, None)

    since = merged["breach_since_before"].where(merged["breach_since_before"].notna(), previous_month)
    still = merged[breach_now & breach_before].copy()
    still["months_open"] = [months_between(s, current_month) if isinstance(s, str) else 2
                            for s in since[breach_now & breach_before]]
    new = merged[breach_now & ~breach_before].copy()
    new["months_open"] = 1
    resolved = merged[breach_before & ~breach_now].copy()
    resolved["months_open"] = None
    overdue_now = merged[in_prev & in_cur & merged["status_before"].eq("due_soon")
                         & merged["status"].eq("overdue")].copy()
    overdue_now["months_open"] = 1
    return Changes(previous_month, current_month, _shape(new), _shape(resolved), _shape(still), _shape(overdue_now))
