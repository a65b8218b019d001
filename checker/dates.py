"""Turning whatever an export puts in a date cell into a date, or saying plainly that it is not one.

Council exports mix ISO dates, UK ``dd/mm/yyyy`` (never US order: 03/04/2025 is 3 April), two-digit years,
Excel serial numbers (from sheets where the date format was lost), real datetime cells and blanks. Parsing is
vectorised: each format is tried only on the cells still unparsed, so a column of 700,000 ISO dates costs one
pass.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

BLANKS = {"", "nan", "nat", "none", "null", "n/a", "na", "-", "--", "0000-00-00", "00/00/0000", "#n/a"}

# Text formats tried in order (after stripping). Day first always.
TEXT_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d/%m/%y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%Y/%m/%d",
)

EXCEL_1900_EPOCH = pd.Timestamp("1899-12-30")  # serial 1 = 1900-01-01 allowing for Excel's 1900 leap-year bug
EXCEL_1904_EPOCH = pd.Timestamp("1904-01-01")
SERIAL_MIN, SERIAL_MAX = 1, 73415  # 1900-01-01 .. 2100-12-31 (Excel goes to 9999; pandas and plausibility stop at 2100)
PLAUSIBLE_MIN = pd.Timestamp("1900-01-01")
PLAUSIBLE_MAX = pd.Timestamp("2100-12-31")


def parse_date_series(values: pd.Series, *, formats: tuple[str, ...] | None = None,
                      date1904: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse a column of cells into dates.

    Returns ``(dates, bad)``: ``dates`` is datetime64[ns] (NaT for blanks and failures, time of day dropped);
    ``bad`` is True where a cell held something that is not blank and not a date, so the caller can raise a
    data issue naming the cell. ``formats`` (from a mapping profile) are tried before the built-in ones.
    """
    index = values.index
    result = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if len(values) == 0:
        return result, pd.Series(False, index=index, dtype=bool)

    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        parsed = pd.to_datetime(values, errors="coerce")
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_localize(None)
        return parsed.dt.normalize().astype("datetime64[ns]"), pd.Series(False, index=index, dtype=bool)

    obj = values.astype(object)
    # Real date/datetime objects (openpyxl and calamine give these for date-formatted cells).
    is_dt = obj.map(lambda v: isinstance(v, (dt.date, pd.Timestamp)) and not pd.isna(v)).astype(bool)
    if is_dt.any():
        result[is_dt] = pd.to_datetime(obj[is_dt].map(_as_datetime), errors="coerce")

    # Numbers: Excel serial dates (a numeric cell in a date column).
    is_num = obj.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                     and not pd.isna(v)).astype(bool)
    if is_num.any():
        result[is_num] = _from_serial(obj[is_num].astype(float), date1904)

    handled = is_dt | is_num
    text = obj[~handled].map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    text = text.str.strip()
    blank = text.str.lower().isin(BLANKS) | obj[~handled].isna()
    todo = text[~blank]

    could_match = _format_filter(todo) if not todo.empty else None  # nothing left as text: nothing to filter
    for fmt in tuple(formats or ()) + TEXT_FORMATS:
        if todo.empty:
            break
        candidates = todo[could_match(fmt).reindex(todo.index, fill_value=False)]
        if candidates.empty:  # no cell left has this format's separators: a parse could only fail
            continue
        got = pd.to_datetime(candidates, format=fmt, errors="coerce")
        ok = got.notna() & (got >= PLAUSIBLE_MIN) & (got <= PLAUSIBLE_MAX)
        if ok.any():
            result[ok[ok].index] = got[ok].dt.normalize()
            todo = todo.drop(ok[ok].index)

    if not todo.empty:  # serial numbers that arrived as text ("45678" or "45678.0")
        numeric = pd.to_numeric(todo, errors="coerce")
        ok = numeric.notna() & (numeric >= SERIAL_MIN) & (numeric <= SERIAL_MAX) & (numeric == numeric.round())
        if ok.any():
            result[ok[ok].index] = _from_serial(numeric[ok], date1904)
            todo = todo[~ok]

    bad = pd.Series(False, index=index, dtype=bool)
    bad[todo.index] = True
    bad |= is_num & result.isna()  # a number that is no plausible Excel serial date (e.g. 202206)
    out_of_range = result.notna() & ((result < PLAUSIBLE_MIN) | (result > PLAUSIBLE_MAX))
    if out_of_range.any():
        bad |= out_of_range
        result[out_of_range] = pd.NaT
    return result.astype("datetime64[ns]"), bad


_LETTER_DIRECTIVES = ("%b", "%B", "%a", "%A", "%p")  # always letters: a cell matching them has one
_DIGIT_DIRECTIVES = set("dmYyHMSfjIUWwuVGz%")  # never letters (%z is +HHMM)


def _format_filter(texts: pd.Series):
    """For a strptime format, which of ``texts`` could possibly match it.

    Each format tried costs a parse of every cell still unparsed, and messy columns keep a few bad cells to the
    end of the list. A cell can only match a format that it shares the format's separators with ('/', '-',
    '.', ':', 'T', whitespace for a space) and whose letters it has (a month name) or lacks (all digits); this
    check is far cheaper than a parse and never rules out a cell the parse would accept, so results are the
    same."""
    lower = texts.str.lower()
    has_letter = lower.str.contains("[a-z]", regex=True)
    present: dict[str, pd.Series] = {}

    def has(char: str) -> pd.Series:
        if char not in present:
            present[char] = (lower.str.contains(r"\s", regex=True) if char == " "
                             else lower.str.contains(char.lower(), regex=False))
        return present[char]

    def could_match(fmt: str) -> pd.Series:
        literal = re.sub(r"%.", "", fmt)
        mask = pd.Series(True, index=texts.index)
        for char in set(literal):
            mask &= has(char)
        if any(d in fmt for d in _LETTER_DIRECTIVES):
            mask &= has_letter
        elif not any(c.isalpha() for c in literal) and set(re.findall(r"%(.)", fmt)) <= _DIGIT_DIRECTIVES:
            mask &= ~has_letter  # only digits and separators: a cell with a letter cannot match
        return mask

    return could_match


def _as_datetime(v) -> pd.Timestamp:
    if isinstance(v, pd.Timestamp):
        return v.tz_localize(None).normalize() if v.tzinfo else v.normalize()
    if isinstance(v, dt.datetime):
        return pd.Timestamp(v.replace(tzinfo=None)).normalize()
    return pd.Timestamp(v)


def _from_serial(serials: pd.Series, date1904: bool) -> pd.Series:
    serials = serials.where((serials >= SERIAL_MIN) & (serials <= SERIAL_MAX))
    epoch = EXCEL_1904_EPOCH if date1904 else EXCEL_1900_EPOCH
    days = np.floor(serials.to_numpy(dtype=float))
    out = pd.Series(pd.NaT, index=serials.index, dtype="datetime64[ns]")
    valid = ~np.isnan(days)
    if valid.any():
        out[valid] = epoch + pd.to_timedelta(days[valid], unit="D")
    return out
