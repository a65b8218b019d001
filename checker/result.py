"""The outcome of one check run, handed from the engine to the report writers and the history store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

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


@dataclass
class RunResult:
    as_at: dt.date
    findings: pd.DataFrame  # FINDING_COLUMNS, dates as datetime64
    issues: pd.DataFrame  # dataset.ISSUE_COLUMNS
    rules: list  # checker.engine.rules.Rule objects (id, title, family, strength, owed_by, source, action, ...)
    dataset: Dataset
    accounting: pd.DataFrame  # table, rows_read, rows_evaluated, rows_rejected, rejected_by_reason
    settings: dict = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    not_evaluated: dict[str, str] = field(default_factory=dict)  # rule id -> why it was not evaluated
