"""Run one rule on one hand-written record, through either evaluator (shared by the rule tests)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from checker.engine.evaluate import findings_for
from checker.settings import Settings


def record_frame(rule, record: dict) -> pd.DataFrame:
    row = {"record_id": "R1", "person_id": "P1", "upn": None, "team": "East", "caseworker": "A. Caseworker",
           "urn": None}
    for name in rule.fields_used():
        row.setdefault(name, None)
    for key, value in record.items():
        row[key] = (pd.Timestamp(value) if isinstance(value, dt.date)
                    else (None if value is None else str(value) if not isinstance(value, int | float) else value))
    frame = pd.DataFrame([row])
    for col in frame.columns:
        if isinstance(row[col], pd.Timestamp) or col.endswith("_date") or col in (rule.clock.get("start"),):
            frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
    return frame


def run_one(rule, record: dict, as_at, settings: dict | None = None, engine: str = "vectorised") -> pd.DataFrame:
    return findings_for(rule, record_frame(rule, record), pd.Timestamp(as_at), Settings(**(settings or {})), engine)


def status_of(rule, record: dict, as_at, settings: dict | None = None, engine: str = "vectorised") -> str:
    found = run_one(rule, record, as_at, settings, engine)
    return "not_applicable" if found.empty else found["status"].iloc[0]
