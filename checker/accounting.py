"""The accounting of every row: what was read, what was evaluated, what was rejected and why.

Councils need to be able to say that no record was silently dropped, so the numbers must add up exactly:
rows_read == rows_evaluated + rows_rejected for every table, or this module refuses to produce them.

Reader-level counts sit beside the equation, because those rows never reached the tables: per sheet,
``Dataset.read_counts`` (rows read, blank rows skipped, exact duplicate rows dropped, rows used) and per table
``Dataset.merged_rows`` (rows of one record repeated on a wide sheet, merged into one before checking).
"""

from __future__ import annotations

import pandas as pd

from .dataset import Dataset
from .model import TABLES

ACCOUNTING_COLUMNS = ["table", "rows_read", "rows_evaluated", "rows_rejected", "rejected_by_reason",
                      "rows_merged"]
READING_COLUMNS = ["file", "sheet", "header_row", "rows_read", "blank_rows", "duplicate_rows", "rows_used"]


class AccountingError(RuntimeError):
    """The row counts do not add up: a bug, never the user's data."""


def _reason_counts(reasons: pd.Series | None, rejected: pd.Series) -> list[tuple[str, int]]:
    """(issue_id, rows) for rejected rows, most frequent first, ties alphabetical (deterministic)."""
    if not rejected.any():
        return []
    why = (reasons if reasons is not None else pd.Series(None, index=rejected.index, dtype=object))
    why = why.reindex(rejected.index)[rejected.to_numpy()].fillna("UNSPECIFIED").astype(str)
    counts = why.value_counts()
    return sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))


def account(dataset: Dataset, rejected: dict[str, pd.Series], reasons: dict[str, pd.Series]) -> pd.DataFrame:
    """One row per table that was read (in data-model order), with the counts and the reasons for rejection."""
    names = [n for n in TABLES if n in dataset.tables or n in rejected]
    names += sorted(n for n in set(dataset.tables) | set(rejected) if n not in TABLES)
    rows = []
    for name in names:
        frame = dataset.tables.get(name)
        read = 0 if frame is None else len(frame)
        mask = rejected.get(name)
        if mask is None:
            mask = pd.Series(False, index=frame.index if frame is not None else pd.RangeIndex(0), dtype=bool)
        if len(mask) != read:
            raise AccountingError(f"{name}: {len(mask)} rejection flags for {read} rows read.")
        mask = mask.fillna(False).astype(bool)
        n_rejected = int(mask.sum())
        evaluated = read - n_rejected
        by_reason = _reason_counts(reasons.get(name), mask)
        if sum(n for _, n in by_reason) != n_rejected or evaluated + n_rejected != read or evaluated < 0:
            raise AccountingError(f"{name}: {read} read != {evaluated} evaluated + {n_rejected} rejected.")
        rows.append({
            "table": name,
            "rows_read": read,
            "rows_evaluated": evaluated,
            "rows_rejected": n_rejected,
            "rejected_by_reason": "; ".join(f"{k}: {v}" for k, v in by_reason),
            "rows_merged": int((getattr(dataset, "merged_rows", None) or {}).get(name, 0)),
        })
    return pd.DataFrame(rows, columns=ACCOUNTING_COLUMNS).astype(
        {"rows_read": "int64", "rows_evaluated": "int64", "rows_rejected": "int64", "rows_merged": "int64"})


def reading(dataset: Dataset) -> pd.DataFrame:
    """One row per sheet or CSV file the extract reader read: what happened to its rows before the tables."""
    rows = [{c: rc.get(c) for c in READING_COLUMNS} for rc in getattr(dataset, "read_counts", None) or []]
    return pd.DataFrame(rows, columns=READING_COLUMNS)


def format_reading(dataset: Dataset) -> str:
    """E.g. ``tracker.xlsx, sheet "Requests": 3,420 rows -> 3,412 used (5 blank, 3 exact duplicates)``."""
    lines = []
    for r in reading(dataset).itertuples(index=False):
        where = f'{r.file}, sheet "{r.sheet}"' if r.sheet else str(r.file)
        if r.header_row is None or pd.isna(r.header_row):
            lines.append(f"{where}: no header row or data found; nothing read")
            continue
        dropped = [f"{int(n):,} {what}" for n, what in ((r.blank_rows, "blank"), (r.duplicate_rows,
                                                                                 "exact duplicates")) if n]
        line = f"{where}: {int(r.rows_read or 0):,} rows -> {int(r.rows_used or 0):,} used"
        lines.append(line + (f" ({', '.join(dropped)})" if dropped else ""))
    return "\n".join(lines)


def format_accounting(df: pd.DataFrame, dataset: Dataset | None = None) -> str:
    """The accounting for the terminal, one line per table, e.g.

    ``request: 3,412 rows read -> 3,398 evaluated, 14 rejected (REQUIRED-MISSING 9, DUPLICATE-KEY 5)``

    With ``dataset``, the per-sheet reading lines (blank and duplicate rows skipped) come first.
    """
    lines = [format_reading(dataset)] if dataset is not None and getattr(dataset, "read_counts", None) else []
    for row in df.itertuples(index=False):
        line = f"{row.table}: {row.rows_read:,} rows read -> {row.rows_evaluated:,} evaluated, " \
               f"{row.rows_rejected:,} rejected"
        if row.rejected_by_reason:
            parts = [p.split(": ") for p in row.rejected_by_reason.split("; ")]
            line += " (" + ", ".join(f"{k} {int(v):,}" for k, v in parts) + ")"
        merged = int(getattr(row, "rows_merged", 0) or 0)
        if merged:
            line += f"; {merged:,} repeated rows of the same record merged before checking"
        lines.append(line)
    return "\n".join(lines)
