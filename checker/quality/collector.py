"""The collector every data check reports to, and what a check run hands on (:class:`QualityResult`).

A check finds its failing rows over whole columns and hands them to :meth:`Run.flag` with a message per row;
the collector locates each one (file, sheet, row, the column as the council wrote it), rejects the row if the
check is an error, and keeps the first error as the row's reason. Python loops only over failing rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..dataset import ERROR, DataIssue, Dataset
from ..model import CODE, FLAG, TABLES, empty_frame
from .registry import Check, check_order
from .vectors import blank, first_positions, fmt, take


@dataclass
class QualityResult:
    """New issues plus, per table, which rows are rejected and why (the first error found for the row)."""

    issues: list[DataIssue] = field(default_factory=list)
    rejected: dict[str, pd.Series] = field(default_factory=dict)
    reasons: dict[str, pd.Series] = field(default_factory=dict)

    def rejected_count(self) -> int:
        return int(sum(int(s.sum()) for s in self.rejected.values()))


_ORDER: dict[str, int] = {}


def _order(issue_id: str) -> int:
    """Where a check comes in the registry (several issues on one row are listed in this order)."""
    if issue_id not in _ORDER:
        _ORDER.clear()
        _ORDER.update(check_order())
    return _ORDER[issue_id]


class Run:
    """One check run over a dataset: the tables, each column's blanks and codes (computed once), and every issue
    and rejection the checks report.

    Checks report (check, table, failing rows, column, message per row) through :meth:`flag`, or
    :meth:`table_issue` for one issue about a whole table."""

    def __init__(self, dataset: Dataset, as_at: dt.date):
        self.dataset = dataset
        self.as_at = pd.Timestamp(as_at)
        self.frames = {name: _complete(name, frame) for name, frame in dataset.tables.items() if name in TABLES}
        self.issues: list[tuple[int, int, int, DataIssue]] = []  # (table order, row position, check order, issue)
        self.errors = {name: np.zeros(len(f), dtype=bool) for name, f in self.frames.items()}
        self.reasons = {name: np.full(len(f), None, dtype=object) for name, f in self.frames.items()}
        self.table_order = {name: i for i, name in enumerate(TABLES)}
        self.headers = getattr(dataset, "source_headers", None) or {}
        self.sen2_years = _sen2_years(dataset)
        self._blank: dict[tuple[str, str], np.ndarray] = {}
        self._factor: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._links: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._index: dict[tuple[str, str], tuple[pd.Index, np.ndarray]] = {}
        self.reader_rejected = {name: np.zeros(len(f), dtype=bool) for name, f in self.frames.items()}

    def sole_row(self, table: str) -> np.ndarray:
        """True where the row is the only one in ``table`` for its request_id."""
        codes, uniques = self.factor(table, "request_id")
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        return (codes >= 0) & (counts[np.maximum(codes, 0)] == 1) if len(uniques) else codes < -1

    def blank(self, table: str, col: str) -> np.ndarray:
        """blank() of a canonical column, computed once per run (several checks ask for the same column)."""
        key = (table, col)
        if key not in self._blank:
            kind = TABLES[table].field(col).kind
            self._blank[key] = self.factor(table, col)[0] < 0 if kind in (CODE, FLAG) else \
                blank(self.frames[table][col])
        return self._blank[key]

    def factor(self, table: str, col: str) -> tuple[np.ndarray, np.ndarray]:
        """(codes, uniques) of a text column, cached; blank cells get code -1. Hashing strings is the costly
        step on 720,000 rows, so each column is hashed once and every later check works on the integer codes."""
        key = (table, col)
        if key not in self._factor:
            codes, uniques = pd.factorize(self.frames[table][col], use_na_sentinel=True)
            uniques = np.asarray(uniques, dtype=object)
            empty = np.flatnonzero(uniques == "")
            if len(empty):
                codes = np.where(codes == empty[0], -1, codes)
            self._factor[key] = (np.asarray(codes, dtype=np.int64), uniques)
        return self._factor[key]

    def link(self, table: str, col: str, parent: str, parent_col: str) -> tuple[np.ndarray, np.ndarray]:
        """For each row of ``table``: the code of its ``col`` value among ``parent.parent_col`` codes (-1 if blank
        or the parent has no such key) and the position of the first parent row with that key (-1 if none)."""
        key = (table, col, parent, parent_col)
        if key not in self._links:
            p_codes, p_uniques = self.factor(parent, parent_col)
            if (parent, parent_col) not in self._index:
                self._index[(parent, parent_col)] = (pd.Index(p_uniques, dtype=object),
                                                     first_positions(p_codes, len(p_uniques)))
            index, first = self._index[(parent, parent_col)]
            if (table, col) == (parent, parent_col):
                code = p_codes
            else:
                code = index.get_indexer(self.frames[table][col].to_numpy(dtype=object)).astype(np.int64)
                code[self.blank(table, col)] = -1
            pos = np.where(code >= 0, first[np.maximum(code, 0)] if len(first) else -1, -1)
            self._links[key] = (code, pos)
        return self._links[key]

    def lookup(self, table: str, parent: str, col: str) -> pd.Series:
        """``parent.col`` for each row of ``table`` via request_id (or person_id for request -> person)."""
        link_col = "person_id" if (table, parent) == ("request", "person") else "request_id"
        _, pos = self.link(table, link_col, parent, link_col)
        return take(self.frames[parent][col], pos, self.frames[table].index)

    def present(self, name: str) -> bool:
        return name in self.frames and len(self.frames[name]) > 0

    def column_label(self, file: str, sheet: str, table: str, fieldname: str) -> str:
        header = self.headers.get((file, sheet, table, fieldname)) or self.headers.get((file, sheet, fieldname))
        return f"{header} ({fieldname})" if header and header != fieldname else fieldname

    def item_note(self, file: str, table: str, fieldname: str) -> str:
        """' (SEN2 item 5.5e)' for a SEN2 item of a return whose collection year is known, else ""."""
        if file not in self.sen2_years:
            return ""
        from ..readers.sen2_years import item

        number = item(table, fieldname, self.sen2_years[file])
        return f" (SEN2 item {number})" if number else ""

    def flag(self, check: Check, table: str, mask, column: str, message, value=None, reject: bool = True):
        """Record one issue of ``check`` per True row of ``mask``; an error also rejects the row (unless
        ``reject`` is False: the issue explains a rejection made elsewhere).

        ``message`` is a callable taking (position, value) and returning the text after the location; ``value``
        is an optional Series whose failing cells are quoted in the issue.
        """
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        issue_id, severity = check.issue_id, check.severity
        frame = self.frames[table]
        pos = np.flatnonzero(mask)
        if severity == ERROR and reject:
            self.errors[table][pos] = True
            reasons = self.reasons[table]
            unset = pos[pd.isna(reasons[pos])]
            reasons[unset] = issue_id
        n = len(pos)
        files = _texts(frame["_file"].to_numpy()[pos]) if "_file" in frame else [""] * n
        sheets = _texts(frame["_sheet"].to_numpy()[pos]) if "_sheet" in frame else [""] * n
        rows = _row_numbers(frame["_row"].to_numpy()[pos]) if "_row" in frame else [None] * n
        values = value.to_numpy()[pos] if value is not None else [None] * n
        keys = self.record_ids(table, pos)
        t_order, c_order = self.table_order[table], _order(issue_id)
        labels: dict[tuple[str, str], tuple[str, str]] = {}
        append = self.issues.append
        for p, f, sh, row, v, key in zip(pos.tolist(), files, sheets, rows, values, keys):
            col, note = labels.get((f, sh)) or ("", None)
            if note is None:
                col = self.column_label(f, sh, table, column) if column else ""
                note = self.item_note(f, table, column) if column else ""
                labels[(f, sh)] = (col, note)
            # The same text as DataIssue.location(), built inline: this loop runs once per failing row.
            where = f or "input"
            if sh:
                where += f', sheet "{sh}"'
            if row is not None:
                where += f", row {row}"
            if col:
                where += f', column "{col}"{note}'
            append((t_order, p, c_order, DataIssue(issue_id, severity, f"{where}: {message(p, v)}", f, sh, row,
                                                   col, fmt(v), table, key)))

    def record_ids(self, table: str, pos: np.ndarray) -> list[str]:
        frame = self.frames[table]
        keys = [k for k in TABLES[table].key if k in frame]
        if len(keys) == 1 and not pd.api.types.is_datetime64_any_dtype(frame[keys[0]].dtype):
            return _texts(frame[keys[0]].to_numpy()[pos])
        parts = [frame[k].to_numpy()[pos] for k in keys]
        return [" / ".join(fmt(v) for v in vals) for vals in zip(*parts)] if parts else [""] * len(pos)

    def table_issue(self, check: Check, table: str, text: str, column: str = "", value: str = ""):
        """One issue about a whole table (no row), e.g. a column the input does not have at all."""
        self.issues.append((self.table_order[table], -1, _order(check.issue_id),
                            check.issue(f"{table} table: {text}", column=column, value=value, table=table)))

    def row_ref(self, table: str, positions: np.ndarray) -> np.ndarray:
        """'row 12' style references (with file and sheet when they differ) for messages about another row."""
        frame = self.frames[table]
        rows = frame["_row"].to_numpy()[positions] if "_row" in frame else [None] * len(positions)
        return np.array([f"row {fmt(r)}" if fmt(r) else "an earlier row" for r in rows], dtype=object)

    def result(self) -> QualityResult:
        self.issues.sort(key=lambda t: (t[0], t[1], t[2]))
        rejected = {n: pd.Series(self.errors[n], index=f.index, name="rejected") for n, f in self.frames.items()}
        reasons = {n: pd.Series(self.reasons[n], index=f.index, name="reason", dtype=object)
                   for n, f in self.frames.items()}
        return QualityResult([i for *_, i in self.issues], rejected, reasons)


def _texts(values: np.ndarray) -> list[str]:
    """Provenance text cells as str ("" for missing)."""
    return ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in values.tolist()]


def _row_numbers(values: np.ndarray) -> list[int | None]:
    """Provenance row numbers as int (None if missing or not a number)."""
    out = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
    return [None if pd.isna(v) else int(v) for v in out.tolist()]


def _sen2_years(dataset: Dataset) -> dict[str, int]:
    """file -> collection year, for the files of SEN2 returns whose year is known."""
    from ..readers.sen2_years import collection_year

    years = {file: collection_year(header) for file, header in (getattr(dataset, "sen2_headers", None) or {}).items()}
    return {file: year for file, year in years.items() if year is not None}


def _complete(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The table with every canonical and provenance column (a copy only if some were missing)."""
    missing = [c for c in TABLES[name].columns if c not in frame.columns]
    missing_prov = [c for c in ("_file", "_sheet", "_row") if c not in frame.columns]
    if not missing and not missing_prov:
        return frame
    frame = frame.copy()
    base = empty_frame(name)
    for c in missing:
        frame[c] = pd.Series([pd.NaT] * len(frame) if base[c].dtype.kind == "M" else [None] * len(frame),
                             index=frame.index, dtype=base[c].dtype)
    for c in missing_prov:
        frame[c] = None if c == "_row" else ""
    return frame
