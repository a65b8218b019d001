"""One converter per kind of field: every reader hands its raw cells here, whatever the file format.

A council's extract, a SEN2 XML return and its flat forms (Blade CSV, pre-submission workbook) all reach the
canonical tables through :func:`convert`, so the same bad value gets the same issue id and the same message
whichever reader met it, and no cell is ever blanked without an issue naming its file, sheet (or element), row
(or line) and column.

The kinds are the data dictionary's (``checker/model.py``): date, flag (yes/no), whole number, code,
identifier and text. Each column is converted once per distinct value (``checker.distinct.per_unique``):
case data repeats itself, and a national return has 720,000 rows. Python only loops over the cells that fail,
to build their issues.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..dataset import ERROR, DataIssue
from ..dates import parse_date_series
from ..distinct import per_unique
from ..model import CODE, DATE, FLAG, ID, INT, TEXT, Field
from ..quality.registry import OURS, check
from .profile import LETTER_LABEL, code_key

DATE_NOT_A_DATE = check(
    "DATE-NOT-A-DATE", ERROR,
    "A date cell holds something that is not a date (or a date outside 1900-2100). Dates may be ISO "
    "(2025-01-06), UK day-first (06/01/2025, never US order), Excel serial numbers, date cells, or a format the "
    "mapping profile names. The field is left empty and the record is not evaluated.",
    action="Correct the date in the case system (or add its format to the profile's date_formats) and run again.",
    source=f"{OURS}; SEN2 technical specification (dates as YYYY-MM-DD)")
FLAG_NOT_A_FLAG = check(
    "FLAG-NOT-A-FLAG", ERROR,
    "A yes/no cell holds something other than 1/0, Y/N, yes/no or true/false. The field is left empty and the "
    "record is not evaluated.",
    action="Record 1 (yes) or 0 (no), or map the words the system uses under the profile's codes.",
    source=f"{OURS}; SEN2 technical specification (booleans coded 1/0)")
INT_NOT_A_NUMBER = check(
    "INT-NOT-A-NUMBER", ERROR,
    "A whole-number cell (such as the national curriculum year) holds something that is not a whole number. "
    "The field is left empty and the record is not evaluated.",
    action="Record a whole number (e.g. 7, or -1 for nursery), or map the words the system uses under the "
           "profile's codes.",
    source=OURS)

# Yes/no values a person writes, as the canonical 1/0 (matched after lower-casing).
FLAG_VALUES = {"1": "1", "0": "0", "y": "1", "n": "0", "yes": "1", "no": "0", "true": "1", "false": "0",
               "1.0": "1", "0.0": "0"}
_LARGEST_WHOLE = 2 ** 53  # beyond this a float no longer holds every whole number


@dataclass(frozen=True)
class Cells:
    """Where one column's cells came from, so that an issue names its file, sheet, row and column.

    ``rows`` and ``record_ids`` are aligned with the values by position. ``rows`` is each cell's spreadsheet
    row, or for XML the element's own line; ``record_rows`` (XML only) is the line its record starts on, which
    the data checks use to reject that record."""

    file: str
    sheet: str
    column: str  # as the source names it: the header as written, or the XML element
    table: str
    rows: pd.Series
    record_ids: pd.Series | None = None
    record_rows: pd.Series | None = None
    item: str = ""  # the SEN2 guide's item number in the return's year ("5.5e"), for SEN2 readers


def where(file: str, sheet: str, row, column: str, item: str = "") -> str:
    """'tracker.xlsx, sheet "Requests", row 214, column "Date Received"' (XML: line and element; a SEN2
    item's number follows its element: 'element "EntryDate" (SEN2 item 5.5e)')."""
    xml = file.lower().endswith(".xml")
    parts = [file or "input"]
    if sheet:
        parts.append(f'sheet "{sheet}"')
    if row is not None:
        parts.append(f"{'line' if xml else 'row'} {row}")
    if column:
        parts.append(f'{"element" if xml else "column"} "{column}"' + (f" (SEN2 item {item})" if item else ""))
    return ", ".join(parts)


# ------------------------------------------------------------------------------------------------ text

def cell_text(v) -> str:
    """A cell as the text a person reads in it: stripped; whole-number floats lose their ``.0`` (spreadsheets
    store 100001 as 100001.0); a date cell at midnight is its ISO date; booleans are 1/0; blanks are ""."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        if pd.isna(v):
            return ""
        return v.strftime("%Y-%m-%d") if (v.hour, v.minute, v.second) == (0, 0, 0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, np.generic):
        return cell_text(v.item())
    return str(v).strip()


def texts(values: pd.Series) -> pd.Series:
    """Each cell's :func:`cell_text`, "" for blanks (a column of text is stripped in one vectorised pass)."""
    if len(values) and pd.api.types.infer_dtype(values, skipna=True) == "string":
        out = values.astype(object).where(values.notna(), "").str.strip()
        return out.astype(object)
    return per_unique(values, lambda u: pd.Series([cell_text(v) for v in u], index=u.index, dtype=object), "")


def clean_text(values: pd.Series) -> pd.Series:
    """:func:`texts` with None for blanks: the canonical form of identifiers and free text."""
    text = texts(values)
    return text.where(text.ne(""), None).astype(object)


def translate(text: pd.Series, codes: dict | None, lettered: bool = False, valid=None) -> pd.Series:
    """A mapping profile's code translations, e.g. ``Agreed -> Y``, matched whatever the case and spacing; other
    values pass through unchanged.

    ``lettered``: a value carrying a letter label as the inspection's Annex A lists write codes (``k) ASD``,
    ``a) Male``) is matched without its label when the whole value is not a translation, and is read without it
    when what is left is one of the ``valid`` values (any value if None). Otherwise the cell passes through as
    written, so the issue about it quotes the cell."""
    if not codes and not lettered:
        return text
    table = {code_key(k): v for k, v in (codes or {}).items()}
    known = None if valid is None else {code_key(v) for v in valid}

    def one(u: pd.Series) -> pd.Series:
        mapped = u.map(code_key).map(table) if table else pd.Series(None, index=u.index, dtype=object)
        if lettered:
            rest = u.str.extract(LETTER_LABEL, expand=False)
            labelled = mapped.isna() & rest.notna()
            if labelled.any():
                keys = rest[labelled].map(code_key)
                found = keys.map(table) if table else pd.Series(None, index=keys.index, dtype=object)
                usable = keys.isin(known) if known is not None else pd.Series(True, index=keys.index)
                mapped = mapped.astype(object)
                mapped[labelled] = found.where(found.notna(), rest[labelled].where(usable))
        return mapped.where(mapped.notna(), u).astype(object)

    return per_unique(text, one, "")


# ------------------------------------------------------------------------------------------------ dates

def parse_dates(values: pd.Series, formats=(), date1904: bool = False) -> tuple[pd.Series, pd.Series]:
    """(dates, bad) for a column of cells, each distinct value parsed once (see ``checker.dates``)."""
    formats = tuple(formats or ())
    return per_unique(values, lambda u: _parse_distinct(u, formats, date1904), (pd.NaT, False))


def _parse_distinct(values: pd.Series, formats: tuple, date1904: bool) -> tuple[pd.Series, pd.Series]:
    try:
        return parse_date_series(values, formats=formats, date1904=date1904)
    except (ValueError, OverflowError):  # a cell the vectorised parser cannot hold: judge the cells one by one
        dates = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
        bad = pd.Series(False, index=values.index, dtype=bool)
        for i, v in values.items():
            try:
                d, b = parse_date_series(pd.Series([v], dtype=object), formats=formats, date1904=date1904)
                dates.at[i], bad.at[i] = d.iloc[0], bool(b.iloc[0])
            except (ValueError, OverflowError):
                bad.at[i] = True
        return dates, bad


# --------------------------------------------------------------------------------------- the converters

def to_date(values: pd.Series, text: pd.Series, cells: Cells, issues: list[DataIssue], *, codes=None,
            formats=(), date1904=False, dated=None, lettered=False, **_) -> pd.Series:
    """datetime64 dates; DATE-NOT-A-DATE for a cell that is not one. ``dated`` is (dates, bad) already parsed
    (an extract parses all of a sheet's date columns together)."""
    if codes:
        dates, bad = parse_dates(translate(text, codes, lettered), formats, date1904)
    elif dated is not None:
        dates, bad = dated
    else:
        dates, bad = parse_dates(values, formats, date1904)
    _report(DATE_NOT_A_DATE, bad, text, cells, issues, "is not a date.")
    return dates


def to_flag(values: pd.Series, text: pd.Series, cells: Cells, issues: list[DataIssue], *, codes=None,
            lettered=False, **_) -> pd.Series:
    """"1"/"0"; FLAG-NOT-A-FLAG for anything else that is not blank."""
    value = translate(text, codes, lettered, valid=FLAG_VALUES)
    flags = per_unique(value, lambda u: u.str.lower().map(FLAG_VALUES).astype(object), None)
    bad = flags.isna() & value.ne("")
    _report(FLAG_NOT_A_FLAG, bad, text, cells, issues,
            "is not a yes/no value (expected 1/0, Y/N, yes/no or true/false).")
    return flags.astype(object).where(flags.notna(), None)


def to_whole_number(values: pd.Series, text: pd.Series, cells: Cells, issues: list[DataIssue], *, codes=None,
                    lettered=False, **_) -> pd.Series:
    """Int64; INT-NOT-A-NUMBER for a cell that is not a whole number."""
    value = translate(text, codes, lettered and bool(codes))
    blank = value.eq("")
    numbers = per_unique(value.where(~blank), lambda u: pd.to_numeric(u, errors="coerce").astype(float), np.nan)
    finite = np.isfinite(numbers.to_numpy(dtype=float, na_value=np.nan))
    bad = (numbers.isna() & ~blank) | (numbers.notna() & (~finite | (numbers.abs() > _LARGEST_WHOLE)))
    bad |= numbers.notna() & ~bad & (numbers != numbers.round())
    _report(INT_NOT_A_NUMBER, bad, text, cells, issues, "is not a whole number.")
    return numbers.where(~bad).round().astype("Int64")


def to_code(values: pd.Series, text: pd.Series, cells: Cells, issues: list[DataIssue], *, codes=None,
            field: Field | None = None, lettered=False, **_) -> pd.Series:
    """The code as the code list spells it ("y" -> "Y"); a value outside the list is kept as given and judged
    by the data checks (CODE-INVALID), which know the list and name the cell."""
    value = translate(text, codes, lettered, valid=field.codes if field is not None and field.codes else None)
    if field is not None and field.codes:
        canonical = {c.lower(): c for c in field.codes}
        value = per_unique(value, lambda u: u.str.lower().map(canonical).fillna(u).astype(object), "")
    return value.astype(object).where(value.ne(""), None)


def to_text(values: pd.Series, text: pd.Series, cells: Cells, issues: list[DataIssue], *, codes=None,
            lettered=False, **_) -> pd.Series:
    """Stripped text, None for blanks (identifiers are kept exactly as given otherwise; a letter label is dropped
    only from a text field the profile translates)."""
    value = translate(text, codes, lettered and bool(codes))
    return value.astype(object).where(value.ne(""), None)


CONVERTERS = {DATE: to_date, FLAG: to_flag, INT: to_whole_number, CODE: to_code, ID: to_text, TEXT: to_text}


def convert(values: pd.Series, field: Field, cells: Cells, issues: list[DataIssue], *, text: pd.Series | None = None,
            codes: dict | None = None, formats=(), date1904: bool = False,
            dated: tuple[pd.Series, pd.Series] | None = None, lettered: bool = False) -> pd.Series:
    """One column of raw cells as its canonical kind; each cell that will not convert is appended to
    ``issues``. ``text`` is the cells' :func:`texts` if the reader already has it; ``codes`` the profile's
    translations for this field; ``lettered`` (LA extracts) drops Annex A letter labels from coded values (see
    :func:`translate`)."""
    text = texts(values) if text is None else text
    return CONVERTERS[field.kind](values, text, cells, issues, codes=codes, formats=formats, date1904=date1904,
                                  dated=dated, field=field, lettered=lettered)


def _report(kind, bad: pd.Series, text: pd.Series, cells: Cells, issues: list[DataIssue], what: str) -> None:
    """One issue per failing cell (the only per-cell loop, and only over cells that fail)."""
    positions = np.flatnonzero(np.asarray(bad, dtype=bool))
    if not len(positions):
        return
    shown = text.to_numpy(dtype=object)
    rows = cells.rows.to_numpy(dtype=object)
    ids = cells.record_ids.to_numpy(dtype=object) if cells.record_ids is not None else None
    record_rows = cells.record_rows.to_numpy(dtype=object) if cells.record_rows is not None else None
    for p in positions.tolist():
        row = _int(rows[p])
        value = str(shown[p])
        issues.append(kind.issue(
            f'{where(cells.file, cells.sheet, row, cells.column, cells.item)}: "{value}" {what}', file=cells.file,
            sheet=cells.sheet, row=row, column=cells.column, value=value, table=cells.table,
            record_id="" if ids is None or _missing(ids[p]) else str(ids[p] or ""),
            record_row=None if record_rows is None else _int(record_rows[p])))


def _missing(v) -> bool:
    return v is None or (not isinstance(v, str) and pd.isna(v))


def _int(v):
    try:
        return None if _missing(v) else int(v)
    except (TypeError, ValueError):
        return None
