"""The outcome of one check run, handed from the engine to the report writers and the history store, and the
figures it is summed up by."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .dataset import Dataset

# One row per applicable (record, rule) pair. The first fifteen columns are the public findings file;
# the rest carry what reports need (family, strength, title, severity, school URN for governors).
FINDING_COLUMNS = [
    "rule_id", "table", "record_id", "person_id", "upn", "status", "clock_start", "due_date", "stopped_date",
    "days_late", "exception", "team", "caseworker", "source", "message",
    "family", "strength", "severity", "title", "urn", "note",
]

STATUSES = ("compliant", "late", "overdue", "due_soon", "pending", "excepted", "insufficient_data")
BREACH_STATUSES = ("late", "overdue")
FINDING_DATES = ("clock_start", "due_date", "stopped_date")


def empty_findings() -> pd.DataFrame:
    """No findings, with the column types findings always have (dates as datetime64, days late as whole
    numbers), so that a report reading ``.dt`` of a date column works on a run with nothing to report."""
    return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c in FINDING_DATES else
                                      "Int64" if c == "days_late" else object) for c in FINDING_COLUMNS})


@dataclass
class RunResult:
    as_at: dt.date
    findings: pd.DataFrame  # FINDING_COLUMNS, dates as datetime64
    issues: pd.DataFrame  # dataset.ISSUE_COLUMNS
    rules: list  # checker.engine.rules.Rule objects (id, title, family, strength, owed_by, source, action, ...)
    dataset: Dataset
    accounting: pd.DataFrame  # table, rows_read, rows_evaluated, rows_rejected, rejected_by_reason
    settings: dict = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)  # the input files' names, as reports show them
    not_evaluated: dict[str, str] = field(default_factory=dict)  # rule id -> why it was not evaluated
    input_paths: list[Path] = field(default_factory=list)  # the files themselves (the history fingerprints them)
    notices: list = field(default_factory=list)  # checker.notices.Notice: what to know before reading the figures
    as_at_source: str = "given"  # or "SEN2 ReferenceDate (<file>)" when the date came from the return

    def __post_init__(self):
        # A run with no findings (no rows, every row rejected, no rule applied) still writes every report: an
        # untyped empty frame would break the first report that reads a date column.
        if self.findings is None or not len(self.findings):
            self.findings = empty_findings()


def counts(result: RunResult) -> dict:
    """The figures a run is summed up by, wherever it is summed up: the terminal after ``sendcheck check``, the
    web app's run page. Counted here once, so they always agree.

    Breaches are findings that are late or overdue; ``must_breaches`` are those of statutory duties,
    ``should_breaches`` departures from statutory guidance. Every value is a plain int (the web app keeps them
    as JSON)."""
    f, issues = result.findings, result.issues
    status, strength = _column(f, "status"), _column(f, "strength")
    breach, must = status.isin(BREACH_STATUSES), strength.eq("must")
    by_status = status.value_counts()
    severity = issue_counts(issues)
    return {
        "checks": len(f),
        "records": int(_column(f, "record_id").nunique()),
        "breaches": int(breach.sum()),
        "must_breaches": int((must & breach).sum()),
        "overdue_now": int((must & status.eq("overdue")).sum()),
        "should_breaches": int((strength.eq("should") & breach).sum()),
        "due_soon": int(status.eq("due_soon").sum()),
        "by_status": {s: int(by_status.get(s, 0)) for s in STATUSES},
        "data_issues": len(issues),
        "errors": severity["error"],
        "queries": severity["query"],
        "not_evaluated": len(result.not_evaluated),
    }


def issue_counts(issues: pd.DataFrame) -> dict[str, int]:
    """Data issues by severity: ``error`` (the record was not evaluated) and ``query`` (it was)."""
    severity = _column(issues, "severity")
    return {"error": int(severity.eq("error").sum()), "query": int(severity.eq("query").sum())}


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column, or an empty one when the frame has no rows or columns at all."""
    return frame[name] if name in frame.columns else pd.Series(dtype=object)
