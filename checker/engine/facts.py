"""Clock facts for one rule over a whole subject frame: start, deadline, stop and exceptions.

The clock the rule files describe, worked out with pandas over whole columns: each deadline kind's arithmetic is
declared in ``engine/vocabulary.py`` and done by ``checker/calendar.py``. Both evaluators (the durable_rules
engine of record and the vectorised one) classify the same facts, so they cannot disagree about a date.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from ..settings import Settings
from . import vocabulary
from .rules import Rule
from .views import IDENTITY_COLUMNS  # what every finding carries
from .vocabulary import as_list, field_dates


@dataclass
class Facts:
    frame: pd.DataFrame  # the applicable rows of the subject frame
    clock_start: pd.Series
    due_date: pd.Series  # deadline (last permissible day); for window rules the first permissible day
    alt_due: pd.Series  # the deadline under the other reading of an ambiguous rule (for the at-risk note)
    stopped_date: pd.Series
    excepted: pd.Series
    exception: pd.Series  # label of the first recorded exception
    # Stop dates set aside, for the finding's note: one dated before the clock start of a clock whose stop must
    # follow its start (it answers an earlier cycle), and one dated after the as-at date (not done yet as at then).
    stop_before_start: pd.Series | None = None
    stop_after_as_at: pd.Series | None = None
    recorded_due: pd.Series | None = None  # a due date the council recorded, shown beside the statutory one
    stop_field: pd.Series | None = None  # the stop field whose date met the duty (None where none did)

    def __post_init__(self):
        for name in ("stop_before_start", "stop_after_as_at", "recorded_due"):
            if getattr(self, name) is None:
                setattr(self, name, pd.Series(pd.NaT, index=self.frame.index, dtype="datetime64[ns]"))
        if self.stop_field is None:
            self.stop_field = pd.Series(None, index=self.frame.index, dtype=object)

    def subset(self, keep: pd.Series) -> Facts:
        """The facts of the rows ``keep`` selects (the durable engine decides applicability itself)."""
        return Facts(self.frame[keep], *(getattr(self, f.name)[keep] for f in fields(self) if f.name != "frame"))


def coalesce_dates(frame: pd.DataFrame, names) -> pd.Series:
    """First present date among the named fields (a rule may list alternatives, best first)."""
    names = as_list(names)
    if not names:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    out = field_dates(frame, names[0])
    for name in names[1:]:
        out = out.where(out.notna(), field_dates(frame, name))
    return out


def other_reading(settings: Settings) -> Settings:
    """The other reading of each ambiguous counting rule, so callers can tell a finding only one would flag."""
    return replace(
        settings,
        day_one="sector" if settings.day_one == "legal" else "legal",
        month_end="strict" if settings.month_end == "lenient" else "lenient",
        before_fixed_date="inclusive" if settings.before_fixed_date == "exclusive" else "exclusive",
    )


def first_deadline(specs, start, frame, settings) -> pd.Series:
    """The due date of the first deadline spec that gives one (a rule may list alternatives, best first)."""
    out = None
    for spec in as_list(specs):
        due = vocabulary.due_date(spec, start, frame, settings)
        out = due if out is None else out.where(out.notna(), due)
    return out


def applicable(rule: Rule, frame: pd.DataFrame, as_at, settings: Settings | None = None) -> pd.Series:
    if not rule.in_force(pd.Timestamp(as_at).date()):
        return pd.Series(False, index=frame.index)
    return vocabulary.all_of(rule.when_for(settings or Settings()), frame)


def stop_dates(rule: Rule, rows: pd.DataFrame, start: pd.Series, as_at) -> tuple[pd.Series, ...]:
    """(stop, set aside as before the start, set aside as after the as-at date, the field that stopped it), over
    the rule's stop fields.

    The first stop field holding a date that counts wins. A date counts unless it lies after the as-at date (it
    has not happened as at then: the finding is judged as if it were blank) or, for a clock whose kind says its
    stop must follow its start (``vocabulary.stop_follows_start``), before the clock start: "within 4 weeks of the
    review meeting" is met by a decision after that meeting, not by last year's. Window rules ("not before")
    keep an early stop: it is the earliest of all."""
    as_at = pd.Timestamp(as_at)
    forward = not rule.is_window and vocabulary.stop_follows_start(rule.clock.get("deadline"))
    empty = pd.Series(pd.NaT, index=rows.index, dtype="datetime64[ns]")
    stop, early, future = empty.copy(), empty.copy(), empty.copy()
    used = pd.Series(None, index=rows.index, dtype=object)
    for name in as_list(rule.clock.get("stop")):
        dates = field_dates(rows, name)
        late_entry = dates > as_at
        too_soon = (dates < start) if forward else pd.Series(False, index=rows.index)
        counts = dates.notna() & ~late_entry & ~too_soon
        open_ = stop.isna()
        early = early.where(early.notna() | ~(open_ & too_soon), dates)
        future = future.where(future.notna() | ~(open_ & late_entry), dates)
        stop = stop.where(~(open_ & counts), dates)
        used = used.mask(open_ & counts, name)
    found = stop.notna()
    return stop, early.where(~found), future.where(~found), used


def compute(rule: Rule, frame: pd.DataFrame, as_at, settings: Settings) -> Facts:
    """Facts for the rows of ``frame`` the rule applies to."""
    keep = [c for c in dict.fromkeys(IDENTITY_COLUMNS + rule.fields_used()) if c in frame.columns]
    rows = frame.loc[applicable(rule, frame, as_at, settings), keep]  # only the columns the rule and findings read
    start = coalesce_dates(rows, rule.clock["start"])
    spec = rule.clock.get("deadline") or rule.clock.get("earliest")
    due = first_deadline(spec, start, rows, settings)
    alt = first_deadline(spec, start, rows, other_reading(settings))
    stop, early, future, used = stop_dates(rule, rows, start, as_at)
    excepted = pd.Series(False, index=rows.index)
    label = pd.Series(None, index=rows.index, dtype=object)
    for cond in rule.exceptions:
        hit = vocabulary.mask(cond, rows) & ~excepted
        label = label.mask(hit, vocabulary.exception_label(cond))
        excepted |= hit
    recorded = coalesce_dates(rows, rule.clock.get("recorded_due"))
    return Facts(rows, start, due, alt, stop, excepted, label, stop_before_start=early, stop_after_as_at=future,
                 recorded_due=recorded, stop_field=used)


def day_number(dates: pd.Series) -> np.ndarray:
    """Dates as whole days since 1970 (float, NaN for missing): the form both evaluators compare."""
    values = dates.to_numpy(dtype="datetime64[D]").astype("float64")
    values[np.isnat(dates.to_numpy(dtype="datetime64[D]"))] = np.nan
    return values
