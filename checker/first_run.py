"""First-run help: when most of a file is rejected, say why in a few lines and what to change.

A council's first run on a new file often fails wholesale for one reason: a gender column coded 1 and 2, a date
column the profile reads as something else, a sheet whose rows all miss their key. ``data_issues.csv`` then holds
thousands of rows saying the same thing. :func:`first_run_help` reads the run's accounting and data issues and
returns the main reasons and the fix, in plain words that name no folder and no command-line option, so the
terminal (``sendcheck check``) and the web app's run page show the same text (via ``checker.writing.Written``).
"""

from __future__ import annotations

import re

import pandas as pd

from .model import TABLES
from .quality.registry import load_all
from .result import RunResult

MOST = 0.5  # "most rows": more than half
UNKNOWN_CODE_IDS = ("CODE-INVALID", "FLAG-NOT-A-FLAG", "FLAG-INVALID")
FOLLOWS_PARENT = "PARENT-REJECTED"
SHOWN_VALUES = 3
SHOWN_REASONS = 3

# Local values whose code is not in doubt, offered in the translation a message suggests (anything else is left
# for the person to fill in). Sex: the 2023 SEN2 GenderCurrent numbers and the usual words.
LIKELY_CODES = {
    "sex": {"1": "M", "2": "F", "0": "U", "9": "U", "male": "M", "female": "F", "boy": "M", "girl": "F",
            "not known": "U", "unknown": "U", "not specified": "U"},
}


def first_run_help(result: RunResult) -> list[str]:
    """The main reasons most rows of a table were rejected, or most values of a coded column were unknown, each
    with its fix; empty when neither happened."""
    issues = result.issues if isinstance(result.issues, pd.DataFrame) else pd.DataFrame()
    accounting = result.accounting if isinstance(result.accounting, pd.DataFrame) else pd.DataFrame()
    read = _rows_read(accounting)
    lines = _unknown_codes(issues, read)
    explained = {_field_of(str(c)) for c in _coded(issues)["column"]} if len(issues) else set()
    lines += _rejected_tables(accounting, explained)
    return lines


def _rows_read(accounting: pd.DataFrame) -> dict[str, int]:
    if accounting.empty or "table" not in accounting:
        return {}
    return {str(t): int(n) for t, n in zip(accounting["table"], accounting["rows_read"])}


def _coded(issues: pd.DataFrame) -> pd.DataFrame:
    if issues.empty or "issue_id" not in issues:
        return pd.DataFrame(columns=["table", "column", "value", "row", "file", "sheet"])
    return issues[issues["issue_id"].isin(UNKNOWN_CODE_IDS)]


def _field_of(column: str) -> str:
    """The canonical field in a column label: "Gender (sex)" -> "sex"; "sex" -> "sex"."""
    m = re.search(r"\(([a-z0-9_]+)\)$", column)
    return m.group(1) if m else column


def _header_of(column: str) -> str:
    """The header as the council wrote it: "Gender (sex)" -> "Gender"."""
    m = re.match(r"^(.*) \(([a-z0-9_]+)\)$", column)
    return m.group(1) if m else column


def _unknown_codes(issues: pd.DataFrame, read: dict[str, int]) -> list[str]:
    """One line per coded column whose values are mostly not codes the profile knows."""
    coded = _coded(issues)
    lines = []
    for (table, column), group in coded.groupby(["table", "column"], sort=True):
        rows = len(group.drop_duplicates(["file", "sheet", "row"]))
        total = read.get(str(table), 0)
        if not total or rows / total <= MOST:
            continue
        field = _field_of(str(column))
        counts = group["value"].astype(str).value_counts()
        values = sorted(counts.index, key=lambda v: (-counts[v], v))
        shown = " and ".join(", ".join(f'"{v}"' for v in values[:SHOWN_VALUES]).rsplit(", ", 1))
        more = f" (and {len(values) - SHOWN_VALUES:,} more)" if len(values) > SHOWN_VALUES else ""
        lines.append(f"{_header_of(str(column))}: the values {shown}{more} are not codes this profile knows "
                     f"({rows:,} of {total:,} {table} rows). {_translation_hint(str(table), field, values)}")
    return lines


def _translation_hint(table: str, field: str, values: list[str]) -> str:
    fld = TABLES[table].field(field) if table in TABLES and field in TABLES[table].columns else None
    allowed = list(fld.codes) if fld is not None and fld.codes else (["1", "0"] if fld is not None and
                                                                    fld.kind == "flag" else [])
    likely = LIKELY_CODES.get(field, {})
    pairs = []
    for v in values[:SHOWN_VALUES]:
        code = likely.get(" ".join(v.lower().split()))
        pairs.append(f'"{v}": {code if code else "?"}')
    example = f"{field}: {{{', '.join(pairs)}}}"
    listed = f" (the codes are {', '.join(allowed)})" if allowed else ""
    ask = "; replace each ? with the code it means" if any(p.endswith("?") for p in pairs) else ""
    return f"Add a translation under codes in the profile, like `{example}`{listed}{ask}."


def _rejected_tables(accounting: pd.DataFrame, explained: set[str]) -> list[str]:
    """One line per table most of whose rows were rejected, with its main reasons and their fixes; tables
    rejected only because their person or request was are named in one closing sentence."""
    if accounting.empty or "rows_rejected" not in accounting:
        return []
    lines, follow = [], []
    for row in accounting.itertuples(index=False):
        read, rejected = int(row.rows_read), int(row.rows_rejected)
        if not read or rejected / read <= MOST:
            continue
        reasons = [(k, int(v)) for k, v in (p.rsplit(": ", 1) for p in str(row.rejected_by_reason or "").split("; ")
                                            if ": " in p and p.rsplit(": ", 1)[1].isdigit())]
        own = [(k, n) for k, n in reasons if k != FOLLOWS_PARENT]
        if not own:
            follow.append(f"{rejected:,} {str(row.table).replace('_', ' ')}")
            continue
        parts = []
        for issue_id, n in own[:SHOWN_REASONS]:
            check = load_all().get(issue_id)
            if issue_id in UNKNOWN_CODE_IDS and explained:
                parts.append(f"{issue_id} on {n:,} (the codes above)")
            else:
                parts.append(f"{issue_id} on {n:,}" + (f" ({check.action.rstrip('.')})" if check else ""))
        lines.append(f"{row.table}: {rejected:,} of {read:,} rows were not evaluated. Main reasons: "
                     + "; ".join(parts) + ". Each row is in data_issues.csv.")
    if follow and lines:
        lines.append("Because of that, " + ", ".join(follow) + " rows hanging off them were not evaluated either.")
    elif follow:
        lines.append(", ".join(follow) + " rows were not evaluated because the person or request they belong to "
                     "was rejected (see data_issues.csv).")
    return lines
