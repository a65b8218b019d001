"""The accounting of every row: what was read, what was evaluated, what was rejected and why.

Councils need to be able to say that no record was silently dropped, so the numbers must add up exactly:
rows_read == rows_evaluated + rows_rejected for every table, or this module refuses to produce them.

Reader-level counts (blank rows skipped, exact duplicate rows dropped before the tables were built) are
included when the reader recorded them on the Dataset as ``reader_counts``: ``{table: {what: n}}``, e.g.
``{"request": {"blank rows skipped": 3}}``. Those rows never reached the tables, so they sit beside the
equation rather than inside it.
"""

from __future__ import annotations

import pandas as pd

from .dataset import Dataset
from .model import TABLES

ACCOUNTING_COLUMNS = ["table", "rows_read", "rows_evaluated", "rows_rejected", "rejected_by_reason",
                      "reader_counts"]


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


def _reader_counts(dataset: Dataset, table: str) -> dict[str, int]:
    counts = getattr(dataset, "reader_counts", None) or {}
    per_table = counts.get(table, {}) if isinstance(counts, dict) else {}
    return {str(k): int(v) for k, v in per_table.items() if int(v)} if isinstance(per_table, dict) else {}


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
        extra = _reader_counts(dataset, name)
        rows.append({
            "table": name,
            "rows_read": read,
            "rows_evaluated": evaluated,
            "rows_rejected": n_rejected,
            "rejected_by_reason": "; ".join(f"{k}: {v}" for k, v in by_reason),
            "reader_counts": "; ".join(f"{k}: {v}" for k, v in extra.items()),
        })
    return pd.DataFrame(rows, columns=ACCOUNTING_COLUMNS).astype(
        {"rows_read": "int64", "rows_evaluated": "int64", "rows_rejected": "int64"})


def format_accounting(df: pd.DataFrame) -> str:
    """The accounting for the terminal, one line per table, e.g.

    ``request: 3,412 rows read -> 3,398 evaluated, 14 rejected (REQUIRED-MISSING 9, DUPLICATE-KEY 5)``
    """
    lines = []
    for row in df.itertuples(index=False):
        line = f"{row.table}: {row.rows_read:,} rows read -> {row.rows_evaluated:,} evaluated, " \
               f"{row.rows_rejected:,} rejected"
        if row.rejected_by_reason:
            parts = [p.split(": ") for p in row.rejected_by_reason.split("; ")]
            line += " (" + ", ".join(f"{k} {int(v):,}" for k, v in parts) + ")"
        extra = getattr(row, "reader_counts", "")
        if extra:
            parts = [p.split(": ") for p in extra.split("; ")]
            line += "; before that: " + ", ".join(f"{int(v):,} {k}" for k, v in parts)
        lines.append(line)
    return "\n".join(lines)
