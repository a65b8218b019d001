"""Shared test builders: the inputs and results tests need, made one way.

Use these instead of a helper per test file:

- ``workbook(path, rows, ...)`` / ``csv_file(path, rows, ...)``: files shaped like a council's exports;
- ``dataset(tables, ...)``: canonical tables as a reader hands them over (dates parsed, provenance columns);
- ``findings_frame(rows)`` / ``run_result(as_at, findings, ...)``: what the engine hands to reports and history;
- ``cli(*args)``: the ``sendcheck`` command as a person runs it (no traceback swallowed);
- ``rule_status`` / ``rule_findings``: one rule on one hand-written record (re-exported from ``rule_harness``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from pathlib import Path

import openpyxl
import pandas as pd
from click.testing import CliRunner
from rule_harness import run_one as rule_findings  # noqa: F401  (re-exported)
from rule_harness import status_of as rule_status  # noqa: F401  (re-exported)

from checker.dataset import Dataset
from checker.model import DATE, TABLES
from checker.result import FINDING_COLUMNS, RunResult


def workbook(path: Path, rows: Iterable[Iterable], *, title: str = "Requests", preamble: Iterable = (),
             edit: Callable | None = None) -> Path:
    """An .xlsx with one sheet: optional title rows above the header, then ``rows`` (header first).
    ``edit(wb, ws)`` may merge, hide, add formulas or sheets before saving."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in preamble:
        ws.append(list(row))
    for row in rows:
        ws.append(list(row))
    if edit:
        edit(wb, ws)
    wb.save(path)
    return path


def csv_file(path: Path, rows: Iterable[Iterable], *, encoding: str = "utf-8", bom: bytes = b"",
             line_end: str = "\r\n") -> Path:
    """A CSV as Excel saves one (CRLF by default), in the given encoding, with an optional byte-order mark."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=line_end).writerows(rows)
    path.write_bytes(bom + buffer.getvalue().encode(encoding))
    return path


def dataset(tables: dict[str, list[dict]], header: dict | None = None, *, file: str = "extract.xlsx") -> Dataset:
    """A Dataset as a reader would hand it over: canonical columns, dates as datetime64, provenance (file, sheet
    named after the table, spreadsheet row numbers from 2)."""
    ds = Dataset(header=header or {})
    for name, rows in tables.items():
        frame = pd.DataFrame(rows)
        for f in TABLES[name].fields:
            if f.kind == DATE and f.name in frame:
                frame[f.name] = pd.to_datetime(frame[f.name], format="ISO8601")
        frame["_file"] = file
        frame["_sheet"] = name.title()
        frame["_row"] = range(2, len(frame) + 2)
        ds.add(name, frame)
    return ds


def findings_frame(rows: list[dict]) -> pd.DataFrame:
    """Findings with the engine's types: FINDING_COLUMNS, datetime64 dates, nullable whole days late."""
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    for col in ("clock_start", "due_date", "stopped_date"):
        frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
    frame["days_late"] = pd.array(frame["days_late"].tolist(), dtype="Int64")
    return frame


def run_result(as_at: dt.date, findings: list[dict] | pd.DataFrame, *, inputs=("extract.csv",),
               settings: dict | None = None, dataset: Dataset | None = None) -> RunResult:
    """A RunResult as the engine hands it to the reports and the history store."""
    frame = findings if isinstance(findings, pd.DataFrame) else findings_frame(findings)
    return RunResult(as_at=as_at, findings=frame, issues=pd.DataFrame(), rules=[], dataset=dataset,
                     accounting=pd.DataFrame(), settings=settings or {"due_soon_days": 28}, inputs=list(inputs))


def cli(*args, catch_exceptions: bool = False):
    """Run ``sendcheck`` with these arguments (paths may be Path objects) and return click's result."""
    from checker.cli import main

    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=catch_exceptions)
