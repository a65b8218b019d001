"""Statutory date arithmetic, vectorised over whole columns of dates.

The Regulations count time in four ways and each has its own trap (see the "Calendar rules" section of the
duties catalogue):

* weeks: 7N calendar days; weekends and bank holidays do not pause the clock and there is no roll-forward.
  Whether the day of receipt is "day 1" is disputed, so it is a setting (``day_one``): the legal reading
  (deadline = start + 7N) is the default because it never reports a breach the sector reading would not;
* days "beginning with the day": the start day is day 1, so a 15-day period starting 1 March ends 15 March;
* working days: not weekends, Christmas Day, Good Friday or an England and Wales bank holiday, taken from the
  maintained ``holidays`` package rather than a hand-typed list;
* months: "within 12 months starting with" a date ends the day before the anniversary, using the
  corresponding-date rule. Where the corresponding date does not exist (29 February, the 31st) the date is
  clamped to the month end; the strict reading then still subtracts a day, the lenient one (the default,
  avoiding false breaches) does not.

Nothing here knows about rules or data files: it takes datetime64 Series and returns datetime64 Series.
"""

from __future__ import annotations

import functools

import holidays
import numpy as np
import pandas as pd

DAY = np.timedelta64(1, "D")


def _days(n: int) -> np.timedelta64:
    return np.timedelta64(int(n), "D")


def add_days(start: pd.Series, days: int) -> pd.Series:
    return start + pd.Timedelta(days=days)


def add_weeks(start: pd.Series, weeks: int, *, day_one: str = "legal") -> pd.Series:
    """Last permissible day of "within N weeks of" an event.

    ``day_one="legal"``: the event day is excluded (start + 7N). ``"sector"``: the event day counts as day 1,
    as LG Inform and several SENDIASS services count (start + 7N - 1). Negative N ("at least 2 weeks before")
    is plain subtraction: the sector practice is about counting forwards from a receipt.
    """
    offset = 7 * weeks
    if weeks > 0 and day_one == "sector":
        offset -= 1
    return start + pd.Timedelta(days=offset)


def add_days_beginning_with(start: pd.Series, days: int) -> pd.Series:
    """Last day of a period of N days beginning with ``start`` (start is day 1)."""
    return start + pd.Timedelta(days=days - 1)


@functools.cache
def bank_holidays(first_year: int, last_year: int) -> np.ndarray:
    """England and Wales bank holidays (with substitute days) as datetime64[D], from the ``holidays`` package."""
    days = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return np.array(sorted(days.keys()), dtype="datetime64[D]")


def _holiday_array(start: pd.Series) -> np.ndarray:
    valid = start.dropna()
    if valid.empty:
        return np.array([], dtype="datetime64[D]")
    return bank_holidays(int(valid.min().year) - 1, int(valid.max().year) + 2)


def add_working_days(start: pd.Series, days: int, *, beginning_with: bool = False) -> pd.Series:
    """Last day of "within N working days of" (``beginning_with=False``: the day after the event is day 1) or
    "N working days beginning with the day" (the start day, if a working day, is day 1)."""
    out = pd.Series(pd.NaT, index=start.index, dtype="datetime64[ns]")
    mask = start.notna()
    if not mask.any():
        return out
    days_d = start[mask].to_numpy(dtype="datetime64[D]")
    hol = _holiday_array(start)
    if beginning_with:
        result = np.busday_offset(days_d, days - 1, roll="forward", holidays=hol)
    else:
        result = np.busday_offset(days_d, days, roll="backward", holidays=hol)
    out[mask] = result.astype("datetime64[ns]")
    return out


def _add_months_parts(start: pd.Series, months: int) -> tuple[pd.Series, pd.Series]:
    """(corresponding date clamped to month end, whether it had to be clamped)."""
    out = pd.Series(pd.NaT, index=start.index, dtype="datetime64[ns]")
    clamped = pd.Series(False, index=start.index)
    mask = start.notna()
    if not mask.any():
        return out, clamped
    s = start[mask]
    total = s.dt.year.to_numpy() * 12 + (s.dt.month.to_numpy() - 1) + months
    year, month0 = np.divmod(total, 12)
    first = (year - 1970) * 12 + month0  # months since epoch
    month_start = first.astype("datetime64[M]")
    month_len = ((month_start + 1).astype("datetime64[D]") - month_start.astype("datetime64[D]")).astype(int)
    day = s.dt.day.to_numpy()
    target_day = np.minimum(day, month_len)
    result = month_start.astype("datetime64[D]") + (target_day - 1).astype("timedelta64[D]")
    out[mask] = result.astype("datetime64[ns]")
    clamped[mask] = day > month_len
    return out, clamped


def add_months(start: pd.Series, months: int) -> pd.Series:
    """The corresponding date N months on (or back, for negative N), clamped to the month end."""
    return _add_months_parts(start, months)[0]


def within_months_starting_with(start: pd.Series, months: int, *, month_end: str = "lenient") -> pd.Series:
    """Last day of "within N months starting with" ``start``: the day before the corresponding date.

    When the corresponding date does not exist (29 Feb 2024 + 12 months), it clamps to the month end
    (28 Feb 2025); ``month_end="strict"`` then still subtracts a day (27 Feb 2025), ``"lenient"`` (default)
    does not (28 Feb 2025), so a review on 28 Feb is not reported as a breach.
    """
    anniversary, clamped = _add_months_parts(start, months)
    if month_end == "strict":
        return anniversary - pd.Timedelta(days=1)
    return anniversary - pd.to_timedelta(np.where(clamped, 0, 1), unit="D")


def months_before(event: pd.Series, months: int) -> pd.Series:
    """Latest day that is "at least N months before" ``event`` (the corresponding date N months earlier)."""
    return add_months(event, -months)


def fixed_date(years: pd.Series, month: int, day: int, *, before: bool, before_reading: str = "exclusive") -> pd.Series:
    """Deadline set by a fixed date in a given calendar year, e.g. "before 15 February" of the transfer year.

    ``before=True`` with the default exclusive reading makes the last permissible day 14 February; the
    inclusive reading ("by 15 February", as many guides write) makes it 15 February.
    """
    out = pd.Series(pd.NaT, index=years.index, dtype="datetime64[ns]")
    y = pd.to_numeric(years, errors="coerce")
    mask = y.notna() & (y >= 1900) & (y <= 2199) & (y == y.round())  # a nonsense year is missing data, not a crash
    if mask.any():
        dates = pd.to_datetime(
            {"year": y[mask].astype(int), "month": month, "day": day}, errors="coerce"
        )
        if before and before_reading == "exclusive":
            dates = dates - pd.Timedelta(days=1)
        out[mask] = dates.astype("datetime64[ns]")
    return out


def age_in_years(birth: pd.Series, on: pd.Timestamp) -> pd.Series:
    """Whole years of age on a date (birthdays on 29 February count from 1 March in common years)."""
    mask = birth.notna()
    out = pd.Series(pd.NA, index=birth.index, dtype="Int64")
    if mask.any():
        b = birth[mask]
        had_birthday = (b.dt.month < on.month) | ((b.dt.month == on.month) & (b.dt.day <= on.day))
        out[mask] = (on.year - b.dt.year - (~had_birthday).astype(int)).astype("Int64")
    return out
