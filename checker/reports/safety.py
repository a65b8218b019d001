"""Keeping spreadsheet cells inert.

A value typed into a case-management system by anyone (a parent's e-mail, a school's note) ends up in a cell
of a workbook. Excel, LibreOffice and Google Sheets treat text starting with ``=``, ``+``, ``-`` or ``@`` as a
formula, and a leading tab or carriage return can smuggle one past a naive check (OWASP "CSV injection").

The workbook writers therefore never let a text value become a formula cell: the value is stored as a string
cell (so no spreadsheet evaluates it on opening) and, when it looks like a formula, also carries Excel's own
"quote prefix" flag, so that editing the cell later does not turn it into one either. The text itself is kept
exactly as the case record has it: the evidence must match the source system.
"""

from __future__ import annotations

import math

import pandas as pd

# Ascii triggers plus their full-width forms, which some spreadsheet tools normalise.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")

# Characters XML 1.0 cannot carry; openpyxl raises on them and a stray control byte must not stop a run.
_ILLEGAL = {c: None for c in range(32) if c not in (9, 10, 13)} | {0xFFFE: None, 0xFFFF: None}


def is_dangerous(text: str) -> bool:
    """True when a spreadsheet could read this text as the start of a formula."""
    return text.startswith(FORMULA_TRIGGERS)


def cell_text(value) -> str:
    """The text as a cell can carry it: missing values become blank, unstorable control characters go."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value).translate(_ILLEGAL)


_ID_TOKEN = r"[A-Za-z]\d{11}[0-9A-Za-z]|\d{10}"


def identifier_masker(dataset):
    """A function that replaces every UPN or ULN inside an identifier with a stable pseudonymous reference.

    Inspection and governor outputs must carry no UPNs, yet SEN2 returns give no other person key, so record ids
    built from them ("A123...:2025-01-06") would leak one. The reference is a hash of the identifier: the same
    child gets the same reference every month, and findings.csv (kept by the LA) maps it back.
    """
    import hashlib
    import re

    person = dataset.table("person")
    known = set()
    for col in ("upn", "uln"):
        if col in person.columns:
            known.update(str(v).strip().upper() for v in person[col].dropna())
    pattern = re.compile(_ID_TOKEN)

    def ref(token: str) -> str:
        return "ref-" + hashlib.sha256(token.upper().encode()).hexdigest()[:10]

    def mask(series: pd.Series) -> pd.Series:
        if not known:
            return series
        text = series.astype(object).where(series.notna(), None)
        return text.map(lambda v: v if v is None else pattern.sub(
            lambda m: ref(m.group(0)) if m.group(0).upper() in known else m.group(0), str(v)))

    return mask
