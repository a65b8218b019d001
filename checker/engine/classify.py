"""Deciding each (record, rule) status from its clock facts, in two interchangeable evaluators.

Exactly one status per applicable pair, in this order of precedence:

1. ``excepted``          a recorded statutory exception applies (the deadline falls away);
2. ``insufficient_data`` the clock start (or, for a fixed-date duty, the year) is missing;
3. ``compliant``         the clock stopped on or before the deadline (window rules: on or after the earliest day);
4. ``late``              it stopped after the deadline (window rules: before the earliest day);
5. ``overdue``           not stopped and the deadline has passed as at the run date;
6. ``due_soon``          not stopped and due within the due-soon window;
7. ``pending``           not stopped and not yet due (window rules: nothing to check yet).

The durable_rules engine is the engine of record: the status rules above are compiled, together with each
rule file's applicability conditions and exceptions, into one durable_rules ruleset per rule, and each record's
facts are posted to it. A record that matches nothing raises MessageNotHandledException and is therefore not
applicable. Posting one message per record cannot reach national scale (about 50,000 messages a second), so
the vectorised evaluator below computes the same statuses with numpy masks; tests prove the two agree.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from durable import engine as durable_engine

from . import vocabulary
from .facts import Facts, day_number
from .rules import Rule
from .vocabulary import condition_fields

STATUS_ORDER = ("excepted", "insufficient_data", "compliant", "late", "overdue", "due_soon", "pending")


# --- vectorised ---------------------------------------------------------------------------------------------

def classify_vectorised(rule: Rule, facts: Facts, as_at, due_soon_days: int) -> pd.Series:
    as_at_day = day_number(pd.Series([pd.Timestamp(as_at)]))[0]
    start = day_number(facts.clock_start)
    due = day_number(facts.due_date)
    stop = day_number(facts.stopped_date)
    excepted = facts.excepted.to_numpy(dtype=bool)
    missing = np.isnan(start) | np.isnan(due)
    stopped = ~np.isnan(stop)
    with np.errstate(invalid="ignore"):
        if rule.is_window:
            ok = stopped & (stop >= due)
            bad = stopped & (stop < due)
            overdue = np.zeros_like(stopped)
            soon = np.zeros_like(stopped)
        else:
            ok = stopped & (stop <= due)
            bad = stopped & (stop > due)
            overdue = ~stopped & (due < as_at_day)
            soon = ~stopped & (due >= as_at_day) & (due <= as_at_day + due_soon_days)
    which = np.select([excepted, missing, ok, bad, overdue, soon], range(6), default=6)
    # Picked from one array of str objects, so every finding with a status shares its string (a numpy text
    # array would make a new str per row: ~250 MB more at national scale).
    return pd.Series(_STATUS_CHOICES[which], index=facts.frame.index, dtype=object)


_STATUS_CHOICES = np.array(["excepted", "insufficient_data", "compliant", "late", "overdue", "due_soon", "pending"],
                           dtype=object)


# --- durable_rules ------------------------------------------------------------------------------------------

def _status_conditions(rule: Rule) -> dict[str, list[dict]]:
    """The durable_rules conditions for each status (before applicability and exceptions are added)."""
    present = lambda f: {"$neq": {f: None}}  # noqa: E731
    absent = lambda f: {f: None}  # noqa: E731
    timely = {"$gte": {"stop": {"$m": "due"}}} if rule.is_window else {"$lte": {"stop": {"$m": "due"}}}
    untimely = {"$lt": {"stop": {"$m": "due"}}} if rule.is_window else {"$gt": {"stop": {"$m": "due"}}}
    known = [present("start"), present("due")]
    out = {
        "insufficient_data": [{"$or": [absent("start"), absent("due")]}],
        "compliant": known + [present("stop"), timely],
        "late": known + [present("stop"), untimely],
    }
    if rule.is_window:
        out["pending"] = known + [absent("stop")]
    else:
        out["overdue"] = known + [absent("stop"), {"$lt": {"due": {"$m": "as_at"}}}]
        out["due_soon"] = known + [absent("stop"), {"$gte": {"due": {"$m": "as_at"}}},
                                   {"$lte": {"due": {"$m": "soon"}}}]
        out["pending"] = known + [absent("stop"), {"$gt": {"due": {"$m": "soon"}}}]
    return out


def durable_definition(rule: Rule, record_status, when_conditions=None) -> dict:
    """One durable_rules ruleset for a rule file entry: applicability AND (exception OR no-exception AND status).

    ``when_conditions`` are the rule's applicability conditions under the run's settings (``Rule.when_for``);
    by default every one of them."""
    when = [vocabulary.durable(c) for c in (rule.when if when_conditions is None else when_conditions)]
    definition = {}
    if rule.exceptions:
        definition["excepted"] = {
            "all": [{"m": {"$and": when + [{"$or": [vocabulary.durable(c) for c in rule.exceptions]}]}}],
            "run": lambda c: record_status(c.m.rid, "excepted"),
        }
    no_exception = [vocabulary.durable_negated(c) for c in rule.exceptions]
    for status, conds in _status_conditions(rule).items():
        definition[status] = {
            "all": [{"m": {"$and": when + no_exception + conds}}],
            "run": (lambda s: (lambda c: record_status(c.m.rid, s)))(status),
        }
    return definition


def fact_value(value, numeric: bool):
    """A cell as a durable_rules fact value: None when missing, float for numeric fields, else stripped text."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if numeric:
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    return str(value).strip()


class _IsolatedHost(durable_engine.Host):
    """A durable_rules host private to one run: no shared global rulesets, no background polling threads."""

    def _run(self):  # the base class starts timer threads for queued/timed events, which rules here never use
        pass


_ids = itertools.count()


def classify_durable(rule: Rule, frame: pd.DataFrame, facts_all: Facts, as_at, due_soon_days: int,
                     when_conditions=None) -> pd.Series:
    """Statuses from the durable_rules engine, for every row of ``frame`` (NaN where the rule does not apply).

    ``facts_all`` must have been computed with the rule's applicability switched off (all rows), so that
    applicability is decided here, by the engine, from ``when_conditions`` (default: all of the rule's).
    """
    when = tuple(rule.when if when_conditions is None else when_conditions)
    statuses: dict[int, str] = {}

    def record_status(rid, status):
        statuses[int(rid)] = status

    name = f"{rule.id}#{next(_ids)}"
    host = _IsolatedHost({name: durable_definition(rule, record_status, when)})
    as_at_day = float(day_number(pd.Series([pd.Timestamp(as_at)]))[0])
    start = day_number(facts_all.clock_start)
    due = day_number(facts_all.due_date)
    stop = day_number(facts_all.stopped_date)
    fields = sorted({f for c in when + rule.exceptions for f in condition_fields(c)})
    numeric = vocabulary.numeric_fields(when + rule.exceptions)
    columns = {f: (frame[f].tolist() if f in frame.columns else [None] * len(frame)) for f in fields}
    for pos in range(len(frame)):
        fact = {
            "sid": "run", "rid": pos,
            "start": None if np.isnan(start[pos]) else float(start[pos]),
            "due": None if np.isnan(due[pos]) else float(due[pos]),
            "stop": None if np.isnan(stop[pos]) else float(stop[pos]),
            "as_at": as_at_day, "soon": as_at_day + due_soon_days,
        }
        for f in fields:
            fact[f] = fact_value(columns[f][pos], f in numeric)
        try:
            host.post(name, fact)
        except durable_engine.MessageNotHandledException:
            pass  # no rule matched: the duty does not apply to this record
    out = pd.Series(None, index=frame.index, dtype=object)
    for pos, status in statuses.items():
        out.iloc[pos] = status
    return out
