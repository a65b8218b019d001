"""What a person must know before reading a run's figures, said once and shown everywhere the figures are.

Two kinds of run can look reassuring and be wrong:

- one whose as-at date does not fit the data (a January 2024 SEN2 return judged in 2026 shows thousands of
  "overdue" cases that were done on time after the census day; an as-at date before anything happened); and
- one with nothing to check (no records, every row rejected, no rule applying to any record): "0 breaches"
  there means nothing was checked, not that everything was on time.

Each is a :class:`Notice` on the RunResult; the terminal, summary.json, every HTML report, both workbooks' summary
sheets and the web app's run page show them. Notice texts name no child, no file and no command-line option
(the governor reports and the web app show them as they are).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import pandas as pd

from .dataset import Dataset
from .model import DATE, TABLES

INFO, WARNING = "info", "warning"
AFTER_BY = pd.DateOffset(months=1)  # "more than a month after": the usual gap between an extract and a check


@dataclass(frozen=True)
class Notice:
    """One thing to know about a run: a stable id (for tests and scripts), how serious, and the words."""

    id: str
    level: str  # INFO or WARNING
    text: str

    def as_dict(self) -> dict:
        return asdict(self)


def _day(d) -> str:
    d = pd.Timestamp(d)
    return f"{d.day} {d:%B %Y}"


# Dates that say when a person was born, not when anything happened in their case: a caseload's newest date is
# its newest event (a request, a decision, a review, a placement), however old its children are.
NOT_EVENTS = {("person", "birth_date")}


def newest_and_oldest(dataset: Dataset, as_at: dt.date) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The newest event date in the data on or before ``as_at`` and the oldest of all (None when there is none).

    Only dates up to the as-at date count as "newest": one mistyped date in 2099 must not hide that the rest of
    the data stops two years before the as-at date."""
    limit = pd.Timestamp(as_at)
    newest, oldest = None, None
    for name, frame in dataset.tables.items():
        table = TABLES.get(name)
        if table is None or not len(frame):
            continue
        for f in table.fields:
            if f.kind != DATE or f.name not in frame.columns or (name, f.name) in NOT_EVENTS:
                continue
            dates = pd.to_datetime(frame[f.name], errors="coerce")
            if not dates.notna().any():
                continue
            low = dates.min()
            oldest = low if oldest is None or low < oldest else oldest
            past = dates[dates <= limit]
            if len(past):
                high = past.max()
                newest = high if newest is None or high > newest else newest
    return newest, oldest


def as_at_notices(dataset: Dataset, as_at: dt.date, from_return: bool = False) -> list[Notice]:
    """Where the as-at date came from, and whether it fits the data and the SEN2 returns' reference dates.

    A SEN2 return's reference date says how current it is, so for a return the as-at date is measured against
    that (a quiet month before the census day is no sign of a stale file); the newest date in the data is what
    an extract has to go by."""
    from .readers.sen2_years import reference_date

    out = []
    as_at_t = pd.Timestamp(as_at)
    if from_return:
        out.append(Notice("as_at_from_return", INFO,
                          f"The as-at date, {_day(as_at)}, is the SEN2 return's reference date: deadlines are judged "
                          "as at the census day the return describes."))
    references = sorted({d for d in (reference_date(h) for h in dataset.sen2_headers.values()) if d})
    if references and as_at_t > pd.Timestamp(references[-1]) + AFTER_BY:
        out.append(Notice("as_at_after_reference", WARNING,
                          f"The as-at date, {_day(as_at)}, is more than a month after the SEN2 return's reference "
                          f"date, {_day(references[-1])}. A return describes its census day: anything falling due "
                          "after it shows as overdue even if it was done on time, because the return cannot say "
                          "so. Judge the return as at its reference date, or check a newer extract."))
    newest, oldest = newest_and_oldest(dataset, as_at)
    if newest is None and oldest is not None:
        out.append(Notice("as_at_before_data", WARNING,
                          f"The as-at date, {_day(as_at)}, is before every date in the data (the earliest is "
                          f"{_day(oldest)}): deadlines cannot be judged before anything happened. Check the as-at "
                          "date."))
    elif newest is not None and as_at_t > newest + AFTER_BY and not references:
        out.append(Notice("as_at_after_data", WARNING,
                          f"The as-at date, {_day(as_at)}, is more than a month after the newest date in the data, "
                          f"{_day(newest)}. Anything due since then shows as overdue even if it was done: check "
                          "that the as-at date is the day the extract was taken, and that the extract is the "
                          "latest."))
    return out


def nothing_notices(accounting: pd.DataFrame, findings: pd.DataFrame) -> list[Notice]:
    """A run with no findings says why, so that no one reads "0 overdue" as "all on time"."""
    if len(findings):
        return []
    read = int(pd.to_numeric(accounting.get("rows_read", pd.Series(dtype=int)), errors="coerce").fillna(0).sum())
    evaluated = int(pd.to_numeric(accounting.get("rows_evaluated", pd.Series(dtype=int)),
                                  errors="coerce").fillna(0).sum())
    if read == 0:
        return [Notice("no_records", WARNING,
                       "The input holds no records (no children, requests, plans, reviews or schools), so nothing "
                       "was checked and there are no findings. Check that the right file was chosen.")]
    if evaluated == 0:
        return [Notice("nothing_evaluated", WARNING,
                       f"{_rows(read, 'Every one of the', 'The only')} read was rejected by a data check, so no "
                       "rule could be evaluated and there are no findings: this says nothing about whether deadlines "
                       "were met. "
                       "The data issues say what is wrong with each row.")]
    return [Notice("no_findings", WARNING,
                   f"No rule applied to {_rows(evaluated, 'any of the', 'the only')} evaluated (for example, "
                   "children with no request, plan or review in the data), so there are no findings: this says "
                   "nothing about whether deadlines were met.")]


def _rows(n: int, many: str, one: str) -> str:
    return f"{one} row" if n == 1 else f"{many} {n:,} rows"
