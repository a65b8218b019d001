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
