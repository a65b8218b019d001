"""Loading the rule files in ``rules/``: the single source of truth for every duty the checker knows.

A rule is data (id, title, strength, who owes it, clock start, deadline, clock stop, exceptions, effective
dates, legal source, action). This module reads and validates the YAML so that a mistake in a rule file is
reported when the rules load, as "reviews.yaml, rule REVIEW-DECISION-4W: clock.start: unknown field
'meeting_dat' for subject review; did you mean 'meeting_date'?", rather than surfacing as a wrong finding. A
field name is checked against the fields the rule's subject view holds (``engine/views.py``): a misspelt one
would otherwise make the rule silently never apply. Deadline kinds and condition operators are checked by
their declarations in ``engine/vocabulary.py``. Adding a rule of an existing shape needs no Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from .. import resources
from ..result import STATUSES
from ..settings import CHOICES, Settings
from . import vocabulary
from .views import SUBJECTS
from .vocabulary import as_list, condition_fields, suggest

STRENGTHS = ("must", "should")
SEVERITIES = ("high", "medium", "low")
REQUIRED_KEYS = ("id", "title", "description", "strength", "owed_by", "applies_to", "clock", "source", "action")
RULE_KEYS = REQUIRED_KEYS + ("when", "exceptions", "uncertain", "effective", "severity", "notes", "examples")
FILE_KEYS = ("family", "title", "rules")
CLOCK_KEYS = ("start", "deadline", "earliest", "stop", "recorded_due", "stop_notes")
EFFECTIVE_KEYS = ("from", "to")
EXAMPLE_KEYS = ("name", "as_at", "record", "expect", "settings")
EXAMPLE_OUTCOMES = STATUSES + ("not_applicable",)


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster, same result


class RuleFileError(Exception):
    """A rule file is malformed; the message names the file, the rule and the key (also kept as attributes)."""

    def __init__(self, message: str, *, file: str = "", rule: str = "", key: str = ""):
        super().__init__(message)
        self.file, self.rule, self.key = file, rule, key


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
    # Records for which the duty is owed only under the other reading of an ambiguous law: under the default
    # reading a breach among them is reported as "at risk" (insufficient_data, with the label in the note).
    uncertain: tuple[dict, ...] = ()
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
        names = (as_list(self.clock.get("start")) + as_list(self.clock.get("stop"))
                 + as_list(self.clock.get("recorded_due")))
        for spec in as_list(self.clock.get("deadline")) + as_list(self.clock.get("earliest")):
            names += vocabulary.deadline_fields(spec)
        for cond in self.when + self.exceptions + self.uncertain:
            names += condition_fields(cond)
        return list(dict.fromkeys(names))

    def when_for(self, settings: Settings) -> tuple[dict, ...]:
        """The applicability conditions under these settings (a condition with ``only_if`` belongs to one
        reading of the law only)."""
        return vocabulary.for_reading(self.when, settings)


class _Where:
    """The place in a rule file a problem is about: file, rule and key, for RuleFileError."""

    def __init__(self, path: Path, rule: str = ""):
        self.file, self.rule = path.name, rule

    def error(self, key: str, problem: str) -> RuleFileError:
        place = f"{self.file}, rule {self.rule}" if self.rule else self.file
        return RuleFileError(f"{place}: {key}: {problem}" if key else f"{place}: {problem}",
                             file=self.file, rule=self.rule, key=key)


def _date(value, where: _Where, key: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise where.error(key, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _check_keys(mapping, allowed, where: _Where, key: str, what: str) -> None:
    if not isinstance(mapping, dict):
        raise where.error(key, f"{what} must be a mapping, got {mapping!r}")
    for name, value in mapping.items():
        if name not in allowed:
            hint = suggest(name, allowed)
            if value is None and " " in str(name):  # {name: late, over a weekend, ...} splits the name in two
                hint += "; a comma inside unquoted text starts a new key: put the text in quotes"
            raise where.error(key, f"unknown key {name!r} in {what}{hint} (keys: {', '.join(allowed)})")


def _check_field(name, subject: str, where: _Where, key: str) -> None:
    """A field name must be one the subject's view holds; otherwise the rule would silently never apply."""
    known = SUBJECTS[subject].fields()
    if not isinstance(name, str):
        raise where.error(key, f"{name!r} is not a field name")
    if name in known:
        return
    hint = suggest(name, known)
    elsewhere = sorted(s for s, subj in SUBJECTS.items() if name in subj.fields())
    if elsewhere:
        hint += f" ({name!r} is a field of {', '.join(elsewhere)}, not of {subject})"
    if not hint:
        hint = "; rules/README.md lists the fields of each subject"
    raise where.error(key, f"unknown field {name!r} for subject {subject}{hint}")


def _check_conditions(conditions, subject: str, where: _Where, key: str) -> tuple[dict, ...]:
    if conditions is None:
        return ()
    if not isinstance(conditions, list):
        raise where.error(key, f"must be a list of conditions, got {conditions!r}")
    for cond in conditions:
        problem = vocabulary.condition_problem(cond)
        if problem:
            raise where.error(key, problem)
        for name in condition_fields(cond):
            _check_field(name, subject, where, key)
    return tuple(conditions)


def _check_clock(clock, subject: str, where: _Where) -> dict:
    _check_keys(clock, CLOCK_KEYS, where, "clock", "the clock")
    if "start" not in clock:
        raise where.error("clock", "needs a start field")
    if ("deadline" in clock) == ("earliest" in clock):
        raise where.error("clock", "needs exactly one of deadline or earliest")
    for part in ("start", "stop", "recorded_due"):
        if part in clock and not as_list(clock[part]):
            raise where.error(f"clock.{part}", "needs a field or a list of fields")
        for name in as_list(clock.get(part)):
            _check_field(name, subject, where, f"clock.{part}")
    notes = clock.get("stop_notes")
    if notes is not None:
        if not isinstance(notes, dict) or not notes:
            raise where.error("clock.stop_notes", f"must be a mapping of stop field: note, got {notes!r}")
        for name, text in notes.items():
            if name not in as_list(clock.get("stop")):
                raise where.error("clock.stop_notes", f"{name!r} is not one of the clock's stop fields"
                                                      f"{suggest(name, as_list(clock.get('stop')))}")
            if not isinstance(text, str) or not text.strip():
                raise where.error("clock.stop_notes", f"the note for {name} must be text")
    part = "deadline" if "deadline" in clock else "earliest"
    specs = as_list(clock[part])
    if not specs:
        raise where.error(f"clock.{part}", "needs a deadline such as {weeks: 20}")
    for spec in specs:
        problem = vocabulary.deadline_problem(spec)
        if problem:
            raise where.error(f"clock.{part}", problem)
        for name in vocabulary.deadline_fields(spec):
            _check_field(name, subject, where, f"clock.{part}")
    return dict(clock)


_SETTING_NAMES = tuple(f.name for f in fields(Settings))


def _check_examples(examples, subject: str, where: _Where) -> tuple[dict, ...]:
    """Worked examples are run by the tests: a misspelt record field would make an example test nothing."""
    if examples is None:
        return ()
    if not isinstance(examples, list):
        raise where.error("examples", f"must be a list, got {examples!r}")
    for i, example in enumerate(examples, 1):
        name = example.get("name", i) if isinstance(example, dict) else i
        key = f"examples[{name}]" if isinstance(name, int) else f"examples ({name!r})"
        _check_keys(example, EXAMPLE_KEYS, where, key, "an example")
        if example.get("expect") not in EXAMPLE_OUTCOMES:
            raise where.error(key, f"expect must be one of {', '.join(EXAMPLE_OUTCOMES)}, got "
                                   f"{example.get('expect')!r}{suggest(example.get('expect'), EXAMPLE_OUTCOMES)}")
        _date(example.get("as_at"), where, f"{key}.as_at")
        if not example.get("as_at"):
            raise where.error(key, "needs as_at (the run date of the example)")
        record = example.get("record") or {}
        if not isinstance(record, dict):
            raise where.error(f"{key}.record", f"must be a mapping of field: value, got {record!r}")
        for field_name in record:
            _check_field(field_name, subject, where, f"{key}.record")
        chosen = example.get("settings") or {}
        _check_keys(chosen, _SETTING_NAMES, where, f"{key}.settings", "the settings")
        for setting, value in chosen.items():
            if setting in CHOICES and value not in CHOICES[setting]:
                raise where.error(f"{key}.settings", f"{setting} must be one of {', '.join(CHOICES[setting])}, "
                                                      f"got {value!r}")
    return tuple(examples)


def _build_rule(raw: dict, family: str, path: Path) -> Rule:
    if not isinstance(raw, dict):
        raise _Where(path).error("rules", f"each rule must be a mapping, got {raw!r}")
    rid = raw.get("id", "?")
    where = _Where(path, str(rid))
    _check_keys(raw, RULE_KEYS, where, "", "a rule")
    missing = [k for k in REQUIRED_KEYS if not raw.get(k)]
    if missing:
        raise where.error("", f"missing {', '.join(missing)}")
    if raw["strength"] not in STRENGTHS:
        raise where.error("strength", f"must be must or should, got {raw['strength']!r}")
    severity = raw.get("severity", "high" if raw["strength"] == "must" else "medium")
    if severity not in SEVERITIES:
        raise where.error("severity", f"must be one of {', '.join(SEVERITIES)}")
    subject = str(raw["applies_to"])
    if subject not in SUBJECTS:
        raise where.error("applies_to", f"unknown subject {subject!r}{suggest(subject, SUBJECTS)}"
                                        f" (subjects: {', '.join(SUBJECTS)})")
    clock = _check_clock(raw["clock"], subject, where)
    when = _check_conditions(raw.get("when"), subject, where, "when")
    exceptions = _check_conditions(raw.get("exceptions"), subject, where, "exceptions")
    uncertain = _check_conditions(raw.get("uncertain"), subject, where, "uncertain")
    for cond in uncertain:
        if not cond.get("label"):
            raise where.error("uncertain", "each condition needs a label saying why the duty may not be owed")
    for cond in exceptions:
        if "only_if" in cond:
            raise where.error("exceptions", "only_if belongs in when or uncertain; an exception is a recorded fact")
    effective = raw.get("effective") or {}
    _check_keys(effective, EFFECTIVE_KEYS, where, "effective", "effective")
    source = raw["source"]
    return Rule(
        id=str(rid),
        title=str(raw["title"]).strip(),
        description=" ".join(str(raw["description"]).split()),
        family=family,
        strength=raw["strength"],
        owed_by=str(raw["owed_by"]),
        applies_to=subject,
        severity=severity,
        source=tuple(source if isinstance(source, list) else [source]),
        action=" ".join(str(raw["action"]).split()),
        clock=clock,
        when=when,
        exceptions=exceptions,
        uncertain=uncertain,
        effective_from=_date(effective.get("from"), where, "effective.from"),
        effective_to=_date(effective.get("to"), where, "effective.to"),
        examples=_check_examples(raw.get("examples"), subject, where),
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
            raise RuleFileError(f"{path.name}: not valid YAML: {exc}", file=path.name) from None
        if not isinstance(doc, dict) or "rules" not in doc or "family" not in doc:
            raise RuleFileError(f"{path.name}: expected a mapping with 'family' and 'rules'", file=path.name)
        _check_keys(doc, FILE_KEYS, _Where(path), "", "the file")
        if not isinstance(doc["rules"], list):
            raise _Where(path).error("rules", "must be a list of rules")
        for raw in doc["rules"]:
            rule = _build_rule(raw, str(doc["family"]), path)
            if rule.id in seen:
                raise RuleFileError(f"{path.name}: rule id {rule.id} already defined in {seen[rule.id]}",
                                    file=path.name, rule=rule.id, key="id")
            seen[rule.id] = path.name
            rules.append(rule)
    return rules


def readme_with_generated_sections(text: str) -> str:
    """rules/README.md's text with its generated sections (the rule language from ``engine/vocabulary.py``, the
    subjects from ``engine/views.py``) replaced by what the declarations say now, so the README cannot drift."""
    from .views import SUBJECTS_END, SUBJECTS_START, subjects_markdown

    for start, end, body in ((vocabulary.README_START, vocabulary.README_END, vocabulary.rule_language_markdown()),
                             (SUBJECTS_START, SUBJECTS_END, subjects_markdown())):
        if start not in text or end not in text:
            raise ValueError(f"rules/README.md has lost its marker {start if start not in text else end}")
        head, rest = text.split(start, 1)
        text = head + body + rest.split(end, 1)[1]
    return text


def update_rules_readme(path: str | Path) -> None:
    """Rewrite the generated sections of a checkout's rules/README.md (run from the checkout after changing a
    kind, an operator or a view: ``update_rules_readme("rules/README.md")``)."""
    path = Path(path)
    path.write_text(readme_with_generated_sections(path.read_text(encoding="utf-8")), encoding="utf-8")
