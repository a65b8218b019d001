"""Clock facts for one rule over a whole subject frame: start, deadline, stop and exceptions.

This is the date arithmetic the rule files describe, done with pandas over whole columns. Both evaluators (the
durable_rules engine of record and the vectorised one) classify the same facts, so they cannot disagree about a
date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import calendar
from ..settings import Settings
from . import conditions
from .rules import Rule, _as_list
from .views import IDENTITY_COLUMNS  # what every finding carries



@dataclass
class Facts:
    frame: pd.DataFrame  # the applicable rows of the subject frame
    clock_start: pd.Series
    due_date: pd.Series  # deadline (last permissible day); for window rules the first permissible day
    alt_due: pd.Series  # the deadline under the other reading of an ambiguous rule (for the at-risk note)
    stopped_date: pd.Series
    excepted: pd.Series
    exception: pd.Series  # label of the first recorded exception


def _dates(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    col = frame[name]
    if not pd.api.types.is_datetime64_any_dtype(col.dtype):
        col = pd.to_datetime(col, errors="coerce")
    return col.astype("datetime64[ns]")


def coalesce_dates(frame: pd.DataFrame, names) -> pd.Series:
    """First present date among the named fields (a rule may list alternatives, best first)."""
    names = _as_list(names)
    if not names:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    out = _dates(frame, names[0])
    for name in names[1:]:
        out = out.where(out.notna(), _dates(frame, name))
    return out


def deadline(spec: dict, start: pd.Series, frame: pd.DataFrame, settings: Settings, *, alternative: bool = False) -> pd.Series:
    """The last permissible day for one deadline spec. ``alternative`` applies the other reading of each
    ambiguous counting rule, so callers can tell a finding that only one reading would flag."""
    day_one = settings.day_one
    month_end = settings.month_end
    before_reading = settings.before_fixed_date
    if alternative:
        day_one = "sector" if day_one == "legal" else "legal"
        month_end = "strict" if month_end == "lenient" else "lenient"
        before_reading = "inclusive" if before_reading == "exclusive" else "exclusive"
    if "weeks" in spec:
        return calendar.add_weeks(start, int(spec["weeks"]), day_one=day_one)
    if "days" in spec:
        return calendar.add_days(start, int(spec["days"]))
    if "days_beginning_with" in spec:
        return calendar.add_days_beginning_with(start, int(spec["days_beginning_with"]))
    if "working_days" in spec:
        return calendar.add_working_days(start, int(spec["working_days"]))
    if "working_days_beginning_with" in spec:
        return calendar.add_working_days(start, int(spec["working_days_beginning_with"]), beginning_with=True)
    if "months" in spec:
        return calendar.within_months_starting_with(start, int(spec["months"]), month_end=month_end)
    if "months_before" in spec:
        return calendar.months_before(start, int(spec["months_before"]))
    if "immediately" in spec:
        return start.copy()
    if "fixed" in spec:
        month, day = (int(p) for p in str(spec["fixed"]).split("-"))
        years = frame[spec["year_field"]] if spec["year_field"] in frame.columns else pd.Series(None, index=frame.index)
        return calendar.fixed_date(years, month, day, before=bool(spec.get("before", True)),
                                   before_reading=before_reading)
    if "field" in spec:
        return _dates(frame, spec["field"])
    raise ValueError(f"unsupported deadline {spec!r}")


def first_deadline(specs, start, frame, settings, *, alternative=False) -> pd.Series:
    out = None
    for spec in _as_list(specs):
        due = deadline(spec, start, frame, settings, alternative=alternative)
        out = due if out is None else out.where(out.notna(), due)
    return out


def applicable(rule: Rule, frame: pd.DataFrame, as_at) -> pd.Series:
    if not rule.in_force(pd.Timestamp(as_at).date()):
        return pd.Series(False, index=frame.index)
    return conditions.all_of(rule.when, frame)


def exception_label(cond: dict) -> str:
    return cond.get("label") or f"{cond['field']} recorded"


def compute(rule: Rule, frame: pd.DataFrame, as_at, settings: Settings) -> Facts:
    """Facts for the rows of ``frame`` the rule applies to."""
    keep = [c for c in dict.fromkeys(IDENTITY_COLUMNS + rule.fields_used()) if c in frame.columns]
    rows = frame.loc[applicable(rule, frame, as_at), keep]  # only the columns the rule and findings read
    start = coalesce_dates(rows, rule.clock["start"])
    spec = rule.clock.get("deadline") or rule.clock.get("earliest")
    due = first_deadline(spec, start, rows, settings)
    alt = first_deadline(spec, start, rows, settings, alternative=True)
    stop = coalesce_dates(rows, rule.clock.get("stop"))
    excepted = pd.Series(False, index=rows.index)
    label = pd.Series(None, index=rows.index, dtype=object)
    for cond in rule.exceptions:
        hit = conditions.mask(cond, rows) & ~excepted
        label = label.mask(hit, exception_label(cond))
        excepted |= hit
    return Facts(rows, start, due, alt, stop, excepted, label)


def day_number(dates: pd.Series) -> np.ndarray:
    """Dates as whole days since 1970 (float, NaN for missing): the form both evaluators compare."""
    values = dates.to_numpy(dtype="datetime64[D]").astype("float64")
    values[np.isnat(dates.to_numpy(dtype="datetime64[D]"))] = np.nan
    return values
