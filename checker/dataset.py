"""What a reader hands on: canonical tables plus the data issues found while reading.

Every canonical row carries ``_file``, ``_sheet`` and ``_row`` (the row number a person sees in the
spreadsheet, header = row 1; for XML the element's line number) so that any later message can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .model import TABLES, empty_frame

ERROR = "error"  # the record cannot be evaluated
QUERY = "query"  # worth a look; the record is still evaluated


class UnregisteredIssue(ValueError):
    """An issue id (or severity) that no check declares: a bug in the checker, never in the input."""


@dataclass(frozen=True)
class DataIssue:
    """One problem in the input, located to the cell where possible.

    Its id must be declared in the registry of data checks (``checker.quality.registry.check``) with this
    severity; anything else is refused here, so no code can raise an undocumented id."""

    issue_id: str  # stable identifier of the check, e.g. "DATE-NOT-A-DATE"
    severity: str  # ERROR or QUERY
    message: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    table: str = ""
    record_id: str = ""
    # The canonical row (its ``_row``) the issue belongs to, when that differs from ``row``: an XML element's
    # own line is reported, but its record starts on the container's line. Not written out.
    record_row: int | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        declared = _registry().get(self.issue_id)
        if declared is None or declared.severity != self.severity:
            why = "is not a registered data check" if declared is None else \
                f"is declared as {declared.severity!r}, not {self.severity!r}"
            raise UnregisteredIssue(f"issue id {self.issue_id!r} {why}; declare it with "
                                    "checker.quality.registry.check beside the code that raises it.")

    def location(self) -> str:
        return self.location_text(self.file, self.sheet, self.row, self.column)

    @staticmethod
    def location_text(file: str, sheet: str, row: int | None, column: str) -> str:
        """'file, sheet "S", row 12, column "C"': where an issue is, as every message starts."""
        parts = [file or "input"]
        if sheet:
            parts.append(f'sheet "{sheet}"')
        if row is not None:
            parts.append(f"row {row}")
        if column:
            parts.append(f'column "{column}"')
        return ", ".join(parts)

    def as_dict(self) -> dict:
        return {
            "issue_id": self.issue_id,
            "severity": self.severity,
            "table": self.table,
            "record_id": self.record_id,
            "file": self.file,
            "sheet": self.sheet,
            "row": "" if self.row is None else self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


_REGISTRY: dict | None = None


def _registry() -> dict:
    """The registry of data checks, imported on first use (it imports this module for DataIssue)."""
    global _REGISTRY
    if _REGISTRY is None:
        from .quality.registry import REGISTRY

        _REGISTRY = REGISTRY
    return _REGISTRY


ISSUE_COLUMNS = ["issue_id", "severity", "table", "record_id", "file", "sheet", "row", "column", "value", "message"]


class InputError(Exception):
    """The input cannot be used at all (wrong format, unreadable, no recognisable table). Exit code 2.

    The message is written for the person at the keyboard: file, place and what was expected.
    """


@dataclass
class Dataset:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    issues: list[DataIssue] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    header: dict[str, str] = field(default_factory=dict)  # SEN2 header items (LEA, Year, DMO, ...)
    # Accounting from the extract reader: one dict per sheet/CSV read (file, sheet, header_row, rows_read,
    # blank_rows, duplicate_rows, rows_used), and rows merged per table because one record repeated on a wide sheet.
    read_counts: list[dict] = field(default_factory=list)
    merged_rows: dict[str, int] = field(default_factory=dict)
    # (file, sheet, table, field) -> the header as the council wrote it, for messages from later checks
    source_headers: dict[tuple[str, str, str, str], str] = field(default_factory=dict)
    # (table, field) pairs some input maps: a profile column found in the file, an item of the SEN2 return. A
    # mapped field that is blank on every row this month still means "not done yet", never "not supplied", so
    # a rule is left unevaluated only when no input maps the fields it needs (``run.rules_without_data``).
    mapped: set[tuple[str, str]] = field(default_factory=set)
    # file -> the header of the SEN2 return it is part of (empty when the form carries none), for every file a
    # SEN2 reader read: its collection year decides item numbers and code lists (readers/sen2_years.py)
    sen2_headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        """The named table, empty with all its columns if no input supplied it."""
        frame = self.tables.get(name)
        return empty_frame(name) if frame is None else frame

    def add(self, name: str, frame: pd.DataFrame, *, mapped: bool = True) -> None:
        """Append rows to a table, adding any canonical columns the reader did not have.

        The canonical columns ``frame`` arrives with are recorded as mapped (``mapped=False``: they are not,
        e.g. a table already completed elsewhere, whose blank columns no input holds)."""
        if name not in TABLES:
            raise KeyError(name)
        if mapped:
            self.map_fields(name, [c for c in frame.columns if c in TABLES[name].columns])
        base = empty_frame(name)
        for col in base.columns:
            if col not in frame.columns:
                frame[col] = base[col]
        frame = frame[list(base.columns)]
        if name in self.tables and len(self.tables[name]):
            frame = pd.concat([self.tables[name], frame], ignore_index=True)
        self.tables[name] = frame.reset_index(drop=True)

    def map_fields(self, table: str, names) -> None:
        """Record that an input maps these fields of ``table`` (whether or not any row holds a value)."""
        self.mapped.update((table, n) for n in names)

    def mapped_fields(self) -> set[str]:
        """The canonical field names some input maps, in any table."""
        return {name for _, name in self.mapped}

    def merge(self, other: Dataset) -> None:
        self.mapped |= other.mapped
        for name, frame in other.tables.items():
            self.add(name, frame.copy(), mapped=False)
        self.issues.extend(other.issues)
        self.sources.extend(other.sources)
        for k, v in other.header.items():
            self.header.setdefault(k, v)
        self.read_counts.extend(other.read_counts)
        self.source_headers.update(other.source_headers)
        self.sen2_headers.update(other.sen2_headers)
        for k, v in other.merged_rows.items():
            self.merged_rows[k] = self.merged_rows.get(k, 0) + v

    def row_counts(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.tables.items()}
