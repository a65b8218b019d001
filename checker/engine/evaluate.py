"""Rule files + subject frames -> findings: one row per applicable (record, rule) pair."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from ..result import FINDING_COLUMNS
from ..settings import Settings
from . import facts as clock
from .classify import classify_durable, classify_vectorised
from .rules import Rule
from .views import build_views

ENGINES = ("vectorised", "durable")


def _fmt(d) -> str:
    return "" if pd.isna(d) else pd.Timestamp(d).strftime("%d %b %Y")


def _days(n) -> str:
    return f"{int(n)} day" + ("" if abs(int(n)) == 1 else "s")


def _message(rule: Rule, status: str, start, due, stop, days_late, label, as_at) -> str:
    if status == "excepted":
        return f"{rule.title}: exception recorded ({label}); the time limit does not apply, act as soon as practicable."
    if status == "insufficient_data":
        what = "clock start date" if pd.isna(start) else "deadline (a date it depends on)"
        return f"{rule.title}: cannot be checked because the {what} is missing."
    if rule.is_window:
        if status == "compliant":
            return f"{rule.title}: done {_fmt(stop)}, not before {_fmt(due)}."
        if status == "late":
            return f"{rule.title}: done {_fmt(stop)}, {_days(days_late)} before the period ended ({_fmt(due)} was the earliest day)."
        return f"{rule.title}: not done yet; not before {_fmt(due)}."
    if status == "compliant":
        return f"{rule.title}: done {_fmt(stop)}, on time (deadline {_fmt(due)})."
    if status == "late":
        return f"{rule.title}: done {_fmt(stop)}, {_days(days_late)} after the deadline of {_fmt(due)}."
    if status == "overdue":
        return f"{rule.title}: not done; the deadline of {_fmt(due)} passed {_days(days_late)} ago."
    if status == "due_soon":
        left = (pd.Timestamp(due) - pd.Timestamp(as_at)).days
        return f"{rule.title}: not done; due {_fmt(due)} ({_days(left)} left)."
    return f"{rule.title}: not yet due (deadline {_fmt(due)})."


def _note(rule: Rule, status: str, due, alt, stop, as_at, settings: Settings) -> str:
    """Flag a finding that the other reading of an ambiguous counting rule would score differently."""
    if status not in ("compliant", "due_soon", "pending") or pd.isna(alt) or pd.isna(due) or alt == due or rule.is_window:
        return ""
    when = stop if not pd.isna(stop) else pd.Timestamp(as_at)
    if alt < when <= due:
        return ("on time under the current reading, late under the other "
                f"({'Day-1' if 'weeks' in str(rule.clock.get('deadline')) else 'strict'} counting: last day {_fmt(alt)})")
    return ""


def findings_for(rule: Rule, frame: pd.DataFrame, as_at, settings: Settings, engine: str = "vectorised") -> pd.DataFrame:
    """Findings of one rule over one subject frame."""
    as_at = pd.Timestamp(as_at)
    if engine == "durable":
        if not rule.in_force(as_at.date()):
            return pd.DataFrame(columns=FINDING_COLUMNS)
        unconditional = Rule(**{**rule.__dict__, "when": ()})
        facts_all = clock.compute(unconditional, frame, as_at, settings)
        status = classify_durable(rule, frame, facts_all, as_at, settings.due_soon_days)
        keep = status.notna()
        facts = clock.Facts(frame[keep], facts_all.clock_start[keep], facts_all.due_date[keep], facts_all.alt_due[keep],
                            facts_all.stopped_date[keep], facts_all.excepted[keep], facts_all.exception[keep])
        status = status[keep]
    else:
        facts = clock.compute(rule, frame, as_at, settings)
        status = classify_vectorised(rule, facts, as_at, settings.due_soon_days)
    rows = facts.frame
    n = len(rows)
    if n == 0:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    start, due, stop = facts.clock_start, facts.due_date, facts.stopped_date
    late_days = ((due - stop) if rule.is_window else (stop - due)).dt.days
    overdue_days = (as_at - due).dt.days
    days_late = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    days_late = days_late.mask(status == "late", late_days).mask(status == "overdue", overdue_days).astype("Int64")
    out = pd.DataFrame({
        "rule_id": rule.id,
        "table": rule.applies_to,
        "record_id": rows["record_id"].astype(str).to_numpy(),
        "person_id": _col(rows, "person_id"),
        "upn": _col(rows, "upn"),
        "status": status.to_numpy(),
        "clock_start": start.to_numpy(),
        "due_date": due.to_numpy(),
        "stopped_date": stop.to_numpy(),
        "days_late": days_late.to_numpy(),
        "exception": facts.exception.where(status == "excepted").to_numpy(),
        "team": _col(rows, "team"),
        "caseworker": _col(rows, "caseworker"),
        "source": rule.citation,
        "family": rule.family,
        "strength": rule.strength,
        "severity": rule.severity,
        "title": rule.title,
        "urn": _col(rows, "urn"),
    })
    out["message"] = [
        _message(rule, s, a, d, p, dl, lab, as_at)
        for s, a, d, p, dl, lab in zip(out["status"], out["clock_start"], out["due_date"], out["stopped_date"],
                                       out["days_late"], out["exception"])
    ]
    out["note"] = [
        _note(rule, s, d, alt, p, as_at, settings)
        for s, d, alt, p in zip(out["status"], out["due_date"], facts.alt_due.to_numpy(), out["stopped_date"])
    ]
    return out[FINDING_COLUMNS]


def _col(rows: pd.DataFrame, name: str) -> np.ndarray:
    if name not in rows.columns:
        return np.full(len(rows), None, dtype=object)
    return rows[name].astype(object).where(rows[name].notna(), None).to_numpy()


def evaluate(dataset, rules: list[Rule], as_at, settings: Settings | None = None, *, engine: str = "vectorised",
             progress: Callable[[str], None] | None = None, views: dict | None = None) -> pd.DataFrame:
    """Every rule over its subject view; sorted so the same input and date give byte-identical findings."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}")
    settings = settings or Settings()
    views = views if views is not None else build_views(dataset, as_at)
    parts = []
    for i, rule in enumerate(rules, 1):
        if rule.applies_to not in views:
            raise ValueError(f"rule {rule.id} applies to unknown subject {rule.applies_to!r}")
        parts.append(findings_for(rule, views[rule.applies_to], as_at, settings, engine))
        if progress:
            progress(f"rules evaluated: {i}/{len(rules)} ({rule.id})")
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    findings = pd.concat(parts, ignore_index=True)
    findings["days_late"] = findings["days_late"].astype("Int64")
    for col in ("clock_start", "due_date", "stopped_date"):
        findings[col] = pd.to_datetime(findings[col]).astype("datetime64[ns]")
    return findings.sort_values(["rule_id", "record_id"], kind="stable").reset_index(drop=True)
