"""Column-at-a-time helpers the data checks share: blanks, positions, look-ups and ages over whole columns.

A national return has 720,000 plans; every helper here works on numpy arrays so that no check loops over rows.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd


def blank(s: pd.Series) -> np.ndarray:
    """True where a cell is missing or empty text."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        return s.isna().to_numpy()
    arr = s.to_numpy(dtype=object)
    return pd.isna(arr) | (arr == "")


def codepoints(values: np.ndarray, width: int) -> np.ndarray:
    """Unicode code points of each value as an (n, width) array, zero-padded; longer values are cut at width."""
    arr = np.asarray(values, dtype=object).astype(f"U{width}")  # astype truncates to width
    return np.ascontiguousarray(arr).view(np.uint32).reshape(len(values), width)


def first_positions(codes: np.ndarray, n: int) -> np.ndarray:
    """Position of the first row holding each code 0..n-1 (-1 if none)."""
    first = np.full(n, -1, dtype=np.int64)
    valid = np.flatnonzero(codes >= 0)
    if len(valid):
        uniq, idx = np.unique(codes[valid], return_index=True)
        first[uniq] = valid[idx]
    return first


def take(values: pd.Series, pos: np.ndarray, index: pd.Index) -> pd.Series:
    """values[pos] aligned to ``index``; missing where pos is -1 (NaT for dates, None otherwise)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        arr = values.to_numpy(dtype="datetime64[ns]")
        out = arr[np.maximum(pos, 0)] if len(arr) else np.full(len(pos), np.datetime64("NaT"), "datetime64[ns]")
        out = np.where(pos >= 0, out, np.datetime64("NaT"))
        return pd.Series(out, index=index, dtype="datetime64[ns]")
    arr = values.to_numpy(dtype=object)
    out = arr[np.maximum(pos, 0)] if len(arr) else np.full(len(pos), None, dtype=object)
    out = np.where(pos >= 0, out, None)
    return pd.Series(out, index=index, dtype=object)


def fmt(v) -> str:
    """A cell value as people read it: dates as YYYY-MM-DD, blanks as empty text."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, (pd.Timestamp, dt.datetime, np.datetime64)):
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    return str(v)


def age(birth: pd.Series, ref: pd.Series) -> pd.Series:
    """Whole years from birth to ref (vectorised); NaN where either is missing."""
    years = ref.dt.year - birth.dt.year
    before_birthday = (ref.dt.month * 100 + ref.dt.day) < (birth.dt.month * 100 + birth.dt.day)
    return years - before_birthday.astype("float")
