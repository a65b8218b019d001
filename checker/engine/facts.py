"""Clock facts for one rule over a whole subject frame: start, deadline, stop and exceptions.

The clock the rule files describe, worked out with pandas over whole columns: each deadline kind's arithmetic is
declared in ``engine/vocabulary.py`` and done by ``checker/calendar.py``. Both evaluators (the durable_rules
engine of record and the vectorised one) classify the same facts, so they cannot disagree about a date.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

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


def applicable(rule: Rule, frame: pd.DataFrame, as_at) -> pd.Series:
    if not rule.in_force(pd.Timestamp(as_at).date()):
        return pd.Series(False, index=frame.index)
    return vocabulary.all_of(rule.when, frame)


def compute(rule: Rule, frame: pd.DataFrame, as_at, settings: Settings) -> Facts:
    """Facts for the rows of ``frame`` the rule applies to."""
    keep = [c for c in dict.fromkeys(IDENTITY_COLUMNS + rule.fields_used()) if c in frame.columns]
    rows = frame.loc[applicable(rule, frame, as_at), keep]  # only the columns the rule and findings read
    start = coalesce_dates(rows, rule.clock["start"])
    spec = rule.clock.get("deadline") or rule.clock.get("earliest")
    due = first_deadline(spec, start, rows, settings)
    alt = first_deadline(spec, start, rows, other_reading(settings))
    stop = coalesce_dates(rows, rule.clock.get("stop"))
    excepted = pd.Series(False, index=rows.index)
    label = pd.Series(None, index=rows.index, dtype=object)
    for cond in rule.exceptions:
        hit = vocabulary.mask(cond, rows) & ~excepted
        label = label.mask(hit, vocabulary.exception_label(cond))
        excepted |= hit
    return Facts(rows, start, due, alt, stop, excepted, label)


def day_number(dates: pd.Series) -> np.ndarray:
    """Dates as whole days since 1970 (float, NaN for missing): the form both evaluators compare."""
    values = dates.to_numpy(dtype="datetime64[D]").astype("float64")
    values[np.isnat(dates.to_numpy(dtype="datetime64[D]"))] = np.nan
    return values
