"""Turning raw SEN2 values (XML text, CSV strings, spreadsheet cells) into canonical columns.

Shared by the XML and the flat SEN2 readers so that the same return gives the same tables whichever form it
arrives in. Work is done a column at a time: a 700,000-row column of dates is one call to
``parse_date_series``, not 700,000.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import ERROR, QUERY, DataIssue
from ..dates import PLAUSIBLE_MAX, PLAUSIBLE_MIN, parse_date_series
from ..model import DATE, FLAG, INT, PROVENANCE, TABLES

FLAG_VALUES = {"1": "1", "0": "0", "y": "1", "n": "0", "yes": "1", "no": "0", "true": "1", "false": "0",
               "1.0": "1", "0.0": "0"}


def clean_text(values: pd.Series) -> pd.Series:
    """Stripped strings with None for blanks; whole-number floats from spreadsheets lose their ``.0``."""
    def one(v):
        if v is None:
            return None
        if isinstance(v, float):
            if np.isnan(v):
                return None
            return str(int(v)) if v.is_integer() else repr(v)
        if isinstance(v, bool):
            return "1" if v else "0"
        s = str(v).strip()
        return s or None

    if len(values) == 0:
        return values.astype(object)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        s = values.astype(object).where(values.notna(), None)
        s = s.str.strip()
        return s.where(s.notna() & (s != ""), None).astype(object)
    return values.map(one).astype(object)


def canonical_frame(table: str, raw: pd.DataFrame, *, file: str, sheet: str = "",
                    columns: dict[str, str] | None = None, lines: dict[str, pd.Series] | None = None,
                    record_ids: pd.Series | None = None, date_formats: tuple[str, ...] | None = None,
                    codes: dict[str, dict[str, str]] | None = None) -> tuple[pd.DataFrame, list[DataIssue]]:
    """Convert the canonical fields present in ``raw`` to their kinds and attach provenance.

    ``raw`` holds one column per canonical field it has (raw values) plus ``_row``. ``columns`` names each
    field as the source spells it (XML element or CSV header) for messages; ``lines`` gives, per field, the
    row/line of each cell where that differs from ``_row`` (XML child elements sit on their own lines).
    ``codes`` translates values per field (e.g. 2023 GenderCurrent 1 -> M) before conversion.
    """
    spec = TABLES[table]
    out = pd.DataFrame(index=raw.index)
    issues: list[DataIssue] = []
    columns = columns or {}
    lines = lines or {}
    rows = raw["_row"]
    ids = record_ids if record_ids is not None else pd.Series("", index=raw.index)

    for f in spec.fields:
        if f.name not in raw.columns:
            continue
        values = raw[f.name]
        where = lines.get(f.name, rows)
        label = columns.get(f.name, f.name)
        if f.kind == DATE:
            dates, bad = _parse_dates(values, date_formats)
            out[f.name] = dates
            for i in bad[bad].index:
                v = values.at[i]
                issues.append(DataIssue(
                    "DATE-NOT-A-DATE", ERROR, f'{_where(file, sheet, where.at[i], label)}: "{v}" is not a date.',
                    file=file, sheet=sheet, row=_int(where.at[i]), column=label, value=str(v), table=table,
                    record_id=str(ids.at[i] or "")))
            continue
        text = clean_text(values)
        if f.name in (codes or {}):
            table_map = {str(k).lower(): v for k, v in codes[f.name].items()}
            lowered = text.str.lower()
            mapped = lowered.map(table_map)
            text = mapped.where(mapped.notna(), text).astype(object)
        if f.kind == FLAG:
            mapped = text.str.lower().map(FLAG_VALUES)
            bad = text.notna() & mapped.isna()
            for i in bad[bad].index:
                v = text.at[i]
                issues.append(DataIssue(
                    "FLAG-NOT-A-FLAG", ERROR,
                    f'{_where(file, sheet, where.at[i], label)}: "{v}" is not a yes/no value (expected 1 or 0).',
                    file=file, sheet=sheet, row=_int(where.at[i]), column=label, value=str(v), table=table,
                    record_id=str(ids.at[i] or "")))
            out[f.name] = _objects(mapped)
        elif f.kind == INT:
            out[f.name] = pd.to_numeric(text, errors="coerce").astype("Int64")
        else:
            out[f.name] = _objects(text)
    out["_file"] = file
    out["_sheet"] = sheet
    out["_row"] = _rows(rows)
    ordered = [c for c in spec.columns if c in out.columns] + list(PROVENANCE)
    return out[ordered].reset_index(drop=True), issues


def _parse_dates(values: pd.Series, formats) -> tuple[pd.Series, pd.Series]:
    """ISO text (all of an XML return) and the profile's own formats (COLLECT's ``2024-Jan-08 00:00:00``) in
    vectorised passes; anything left, if any, through the general parser."""
    if not len(values) or pd.api.types.infer_dtype(values, skipna=True) != "string":
        return _general_dates(values, formats)
    text = values.astype(object).where(values.notna(), None).str.strip()
    dates = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    todo = text.notna() & (text != "")
    for fmt in ("%Y-%m-%d", *(formats or ())):
        if not todo.any():
            break
        got = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        ok = got.notna() & (got >= PLAUSIBLE_MIN) & (got <= PLAUSIBLE_MAX)
        if ok.any():
            dates[ok[ok].index] = got[ok].dt.normalize()
            todo[ok[ok].index] = False
    bad = pd.Series(False, index=values.index, dtype=bool)
    if todo.any():
        rest, rest_bad = _general_dates(values[todo], formats)
        dates[todo] = rest
        bad[todo] = rest_bad
    return dates, bad


_SERIAL_LAST = 73415  # 2100-12-31 as an Excel serial; a bigger number in a date cell is not a date


def _general_dates(values: pd.Series, formats) -> tuple[pd.Series, pd.Series]:
    """parse_date_series, with numbers too large to be plausible serial dates set aside as bad first
    (the general parser cannot hold dates past 2262)."""
    numeric = pd.to_numeric(values.map(lambda v: v if isinstance(v, (int, float, str)) and not isinstance(v, bool)
                                       else None), errors="coerce")
    huge = numeric.notna() & ((numeric > _SERIAL_LAST) | (numeric < 0))
    dates = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    bad = huge.copy().astype(bool)
    rest = values[~huge]
    if len(rest):
        try:
            got, got_bad = parse_date_series(rest, formats=formats)
        except (ValueError, OverflowError):  # a cell the general parser cannot hold: judge cells one by one
            got = pd.Series(pd.NaT, index=rest.index, dtype="datetime64[ns]")
            got_bad = pd.Series(False, index=rest.index, dtype=bool)
            for i, v in rest.items():
                try:
                    d, b = parse_date_series(pd.Series([v], dtype=object), formats=formats)
                    got.at[i], got_bad.at[i] = d.iloc[0], bool(b.iloc[0])
                except (ValueError, OverflowError):
                    got_bad.at[i] = True
        dates[~huge] = got
        bad[~huge] = got_bad
    return dates, bad


def _objects(values: pd.Series) -> pd.Series:
    """Python strings with None for missing (the canonical convention), whatever string dtype came in."""
    obj = values.astype(object)
    return obj.where(values.notna(), None)


def _rows(rows: pd.Series) -> pd.Series:
    """Row/line numbers as plain Python ints (None where unknown)."""
    numbers = pd.to_numeric(rows, errors="coerce")
    if numbers.notna().all():
        return numbers.astype("int64").astype(object)
    return numbers.map(_int).astype(object)


def _int(v):
    try:
        return None if v is None or pd.isna(v) else int(v)
    except (TypeError, ValueError):
        return None


def _where(file: str, sheet: str, row, column: str) -> str:
    parts = [file]
    if sheet:
        parts.append(f'sheet "{sheet}"')
    if _int(row) is not None:
        parts.append(f"{'line' if file.lower().endswith('.xml') else 'row'} {_int(row)}")
    parts.append(f'{"element" if file.lower().endswith(".xml") else "column"} "{column}"')
    return ", ".join(parts)


def query(issue_id: str, message: str, **where) -> DataIssue:
    return DataIssue(issue_id, QUERY, message, **where)


def error(issue_id: str, message: str, **where) -> DataIssue:
    return DataIssue(issue_id, ERROR, message, **where)


def unique_ids(ids: pd.Series, rows: pd.Series, *, file: str, sheet: str, table: str,
               what: str) -> tuple[pd.Series, list[DataIssue]]:
    """Make identifiers unique by suffixing ``#2``, ``#3``... to repeats, with a query naming both places.

    A repeat is usually a genuine duplicate in the return (the same child entered twice, or two requests with
    the same received date); suffixing keeps both records checkable instead of one silently replacing the other.
    """
    ids = ids.astype(object)
    seen = ids.groupby(ids, sort=False).cumcount()
    repeat = seen > 0
    issues: list[DataIssue] = []
    if not repeat.any():
        return ids, issues
    first_row = rows.groupby(ids, sort=False).transform("first")
    new = ids.copy()
    new[repeat] = ids[repeat] + "#" + (seen[repeat] + 1).astype(str)
    where_word = "line" if file.lower().endswith(".xml") else "row"
    for i in repeat[repeat].index:
        issues.append(query(
            "SEN2-DUPLICATE-ID",
            f"{file}{', sheet ' + repr(sheet) if sheet else ''}, {where_word} {_int(rows.at[i])}: {what} "
            f"{ids.at[i]!r} already appears at {where_word} {_int(first_row.at[i])}; this one is kept as "
            f"{new.at[i]!r}.",
            file=file, sheet=sheet, row=_int(rows.at[i]), value=str(ids.at[i]), table=table,
            record_id=str(new.at[i])))
    return new, issues


def person_ids(own: pd.Series, upn: pd.Series, uln: pd.Series, rows: pd.Series) -> pd.Series:
    """The person identifier: the file's own id if any, else UPN, else ULN, else ``P<row>``."""
    fallback = "P" + rows.map(lambda r: str(_int(r))).astype(str)
    pid = clean_text(own).fillna(clean_text(upn)).fillna(clean_text(uln))
    return pid.where(pid.notna(), fallback).astype(object)


def request_ids(who: pd.Series, received: pd.Series, received_raw: pd.Series) -> pd.Series:
    """``<UPN or ULN or person_id>:<received date>`` (ISO), or ``:noreceived`` when there is none.

    The same rule for XML and flat forms, so one return read either way gives the same request ids.
    A received date that is not a date keeps its text so two such requests still differ.
    """
    iso = received.dt.strftime("%Y-%m-%d")
    raw = clean_text(received_raw)
    part = iso.where(received.notna(), raw).fillna("noreceived")
    return (who.astype(str) + ":" + part.astype(str)).astype(object)
