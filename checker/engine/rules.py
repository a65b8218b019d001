"""Loading the rule files in ``rules/``: the single source of truth for every duty the checker knows.

A rule is data (id, title, strength, who owes it, clock start, deadline, clock stop, exceptions, effective
dates, legal source, action). This module reads and validates the YAML so that a mistake in a rule file is
reported as "rules/reviews.yaml, rule REVIEW-12M: deadline: unknown kind 'weeks_'" rather than surfacing as a
wrong finding. Adding a rule of an existing shape needs no Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import resources

STRENGTHS = ("must", "should")
SEVERITIES = ("high", "medium", "low")
DEADLINE_KINDS = ("weeks", "days", "days_beginning_with", "working_days", "working_days_beginning_with", "months",
                  "months_before", "fixed", "field", "immediately")
CONDITION_OPS = ("in", "not_in", "equals", "not_equals", "present", "lt", "le", "gt", "ge", "any")


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster, same result


class RuleFileError(Exception):
    """A rule file is malformed; the message names the file, the rule and the key."""


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    description: str
    family: str
    strength: str
    owed_by: str
    applies_to: str
    severity: str
    source: tuple[str, ...]
    action: str
    clock: dict
    when: tuple[dict, ...] = ()
    exceptions: tuple[dict, ...] = ()
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    examples: tuple[dict, ...] = ()
    notes: str = ""
    file: str = ""

    @property
    def citation(self) -> str:
        return "; ".join(self.source)

    @property
    def is_window(self) -> bool:
        """A 'not before' rule (e.g. the 15-day representation period) rather than a deadline."""
        return "earliest" in self.clock

    def in_force(self, on: dt.date) -> bool:
        if self.effective_from and on < self.effective_from:
            return False
        if self.effective_to and on > self.effective_to:
            return False
        return True

    def fields_used(self) -> list[str]:
        """Every canonical/view field the rule reads, for explain and for building durable facts."""
        names: list[str] = []

        def add(value):
            if isinstance(value, str):
                names.append(value)
            elif isinstance(value, list | tuple):
                for v in value:
                    add(v)

        add(self.clock.get("start"))
        add(self.clock.get("stop"))
        for spec in _as_list(self.clock.get("deadline")) + _as_list(self.clock.get("earliest")):
            if "field" in spec:
                add(spec["field"])
            if "year_field" in spec:
                add(spec["year_field"])
        for cond in self.when + self.exceptions:
            names.extend(condition_fields(cond))
        seen: list[str] = []
        for n in names:
            if n not in seen:
                seen.append(n)
        return seen


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def condition_fields(cond: dict) -> list[str]:
    if "any" in cond:
        return [f for c in cond["any"] for f in condition_fields(c)]
    return [cond["field"]]


def _date(value, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RuleFileError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _check_condition(cond, where: str) -> None:
    if not isinstance(cond, dict):
        raise RuleFileError(f"{where}: a condition must be a mapping, got {cond!r}")
    if "any" in cond:
        for c in cond["any"]:
            _check_condition(c, where)
        return
    if "field" not in cond:
        raise RuleFileError(f"{where}: condition {cond!r} has no 'field'")
    ops = [k for k in cond if k in CONDITION_OPS]
    if len(ops) != 1:
        raise RuleFileError(f"{where}: condition on {cond['field']!r} needs exactly one of {', '.join(CONDITION_OPS)}")
    unknown = set(cond) - {"field", "label", *CONDITION_OPS}
    if unknown:
        raise RuleFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} in condition on {cond['field']!r}")


def _check_deadline(spec, where: str) -> None:
    for one in _as_list(spec):
        if not isinstance(one, dict):
            raise RuleFileError(f"{where}: deadline must be a mapping such as {{weeks: 20}}, got {one!r}")
        kinds = [k for k in one if k in DEADLINE_KINDS]
        if len(kinds) != 1:
            raise RuleFileError(f"{where}: deadline {one!r} needs exactly one of {', '.join(DEADLINE_KINDS)}")
        if kinds[0] == "fixed" and "year_field" not in one:
            raise RuleFileError(f"{where}: a fixed-date deadline needs year_field (e.g. transfer_year)")


REQUIRED_KEYS = ("id", "title", "description", "strength", "owed_by", "applies_to", "clock", "source", "action")


def _build_rule(raw: dict, family: str, path: Path) -> Rule:
    rid = raw.get("id", "?")
    where = f"{path.name}, rule {rid}"
    missing = [k for k in REQUIRED_KEYS if not raw.get(k)]
    if missing:
        raise RuleFileError(f"{where}: missing {', '.join(missing)}")
    if raw["strength"] not in STRENGTHS:
        raise RuleFileError(f"{where}: strength must be must or should, got {raw['strength']!r}")
    severity = raw.get("severity", "high" if raw["strength"] == "must" else "medium")
    if severity not in SEVERITIES:
        raise RuleFileError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
    clock = raw["clock"]
    if not isinstance(clock, dict) or "start" not in clock:
        raise RuleFileError(f"{where}: clock needs a start field")
    if ("deadline" in clock) == ("earliest" in clock):
        raise RuleFileError(f"{where}: clock needs exactly one of deadline or earliest")
    _check_deadline(clock.get("deadline") or clock.get("earliest"), f"{where}: clock")
    for cond in raw.get("when") or []:
        _check_condition(cond, f"{where}: when")
    for cond in raw.get("exceptions") or []:
        _check_condition(cond, f"{where}: exceptions")
    effective = raw.get("effective") or {}
    source = raw["source"]
    return Rule(
        id=str(rid),
        title=str(raw["title"]).strip(),
        description=" ".join(str(raw["description"]).split()),
        family=family,
        strength=raw["strength"],
        owed_by=str(raw["owed_by"]),
        applies_to=str(raw["applies_to"]),
        severity=severity,
        source=tuple(source if isinstance(source, list) else [source]),
        action=" ".join(str(raw["action"]).split()),
        clock=dict(clock),
        when=tuple(raw.get("when") or ()),
        exceptions=tuple(raw.get("exceptions") or ()),
        effective_from=_date(effective.get("from"), f"{where}: effective.from"),
        effective_to=_date(effective.get("to"), f"{where}: effective.to"),
        examples=tuple(raw.get("examples") or ()),
        notes=" ".join(str(raw.get("notes", "")).split()),
        file=path.name,
    )


def load_rules(directory: Path | None = None) -> list[Rule]:
    """Every rule in every ``*.yaml`` file of the rules folder, in file then document order."""
    folder = resources.rules_folder() if directory is None else Path(directory)
    if not folder.is_dir():
        raise RuleFileError(f"rules folder {directory} not found")
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in resources.yaml_files(folder):
        try:
            doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
        except yaml.YAMLError as exc:
            raise RuleFileError(f"{path.name}: not valid YAML: {exc}") from None
        if not isinstance(doc, dict) or "rules" not in doc or "family" not in doc:
            raise RuleFileError(f"{path.name}: expected a mapping with 'family' and 'rules'")
        for raw in doc["rules"]:
            rule = _build_rule(raw, str(doc["family"]), path)
            if rule.id in seen:
                raise RuleFileError(f"{path.name}: rule id {rule.id} already defined in {seen[rule.id]}")
            seen[rule.id] = path.name
            rules.append(rule)
    return rules
