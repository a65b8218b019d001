"""The words a rule file may use for a deadline and a condition, each declared once.

A rule's clock says when its deadline falls with one *deadline kind* (``{weeks: 20}``, ``{months: 12}``,
``{fixed: "02-15", year_field: transfer_year}`` ...); its ``when`` and ``exceptions`` say which records it
concerns with *condition operators* (``{field: outcome, in: [A]}``, ``{field: age, lt: 5}``, ``{any: [...]}``).

Each kind and each operator is one declaration below, holding everything the rest of the checker needs to know
about it: how a rule file must write it (checked when the rules load), how it is worked out over a whole column
(the due date through ``checker/calendar.py``, which owns the date arithmetic; the condition as a pandas mask),
the durable_rules form of a condition (the engine of record), the words ``sendcheck explain`` and
``sendcheck rules show`` print, the line ``rules/README.md`` gives it, and a worked example that the tests run
through both engines. Nothing else in the checker branches on a kind or an operator, so a new one (say "the
later of two dates", or an establishment-type test) is one declaration here and nothing more.

Due dates need no durable_rules form: both engines classify the same computed due date (``engine/facts.py``),
which is what keeps them from disagreeing about a date.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import calendar
from ..settings import Settings

# --- shared helpers -----------------------------------------------------------------------------------------


def as_list(value) -> list:
    """A rule-file value that may be one item or a list of them, as a list (None: empty)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def suggest(name, known) -> str:
    """"; did you mean 'x'?" for the closest known name (difflib), or "" when nothing is close."""
    close = difflib.get_close_matches(str(name), sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def field_dates(frame: pd.DataFrame, name: str) -> pd.Series:
    """A field of a subject frame as datetime64[ns] (all missing when the frame lacks it)."""
    if name not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    col = frame[name]
    if not pd.api.types.is_datetime64_any_dtype(col.dtype):
        col = pd.to_datetime(col, errors="coerce")
    return col.astype("datetime64[ns]")


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _positive(value) -> str | None:
    return None if _whole(value) and value > 0 else f"needs a whole number of 1 or more, got {value!r}"


def _nonzero(value) -> str | None:
    return None if _whole(value) and value != 0 else f"needs a whole number other than 0, got {value!r}"


def _name(value) -> str | None:
    return None if isinstance(value, str) and value.strip() else f"needs a field name, got {value!r}"


# --- deadline kinds -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueExample:
    """A worked example of a kind: with this clock start (and record), the last permissible day is ``due``."""

    spec: dict
    start: str | None
    due: str | None
    record: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DeadlineKind:
    """One way a rule file can set a deadline: ``{<name>: <value>, <options>...}``."""

    name: str
    written: str  # how a rule file writes it, for the README
    last_day: str  # the last permissible day, in words, for the README
    check: Callable[[Any], str | None]  # the value -> a problem in words, or None
    due: Callable[[dict, pd.Series, pd.DataFrame, Settings], pd.Series]  # (spec, clock start, frame, settings)
    step: Callable[[dict, Settings], str]  # the arithmetic in words, for explain and rules show
    examples: tuple[DueExample, ...]
    options: dict[str, Callable[[Any], str | None]] = field(default_factory=dict)  # other keys and their checks
    required: tuple[str, ...] = ()  # options a spec of this kind must have
    fields: Callable[[dict], list[str]] = lambda spec: []  # the fields of the subject the spec reads
    standing: bool = False  # a standing duty: "required since" rather than a deadline that passed
    other_reading: str | None = None  # the counting an ambiguous reading of this kind switches to, for notes
    # Whether only an event on or after the clock start can meet the duty ("within 4 weeks of the meeting": a
    # decision dated before the meeting answers an earlier one). Kinds whose stop lawfully comes first ("at least
    # 2 weeks before", "before 15 February" of a September transfer, a due date held in the data) say False.
    stop_follows_start: Callable[[dict], bool] = lambda spec: False


def _weeks_step(spec: dict, settings: Settings) -> str:
    n = int(spec["weeks"])
    if n < 0:
        return f"- {-n} weeks ({-7 * n} days) before"
    days = 7 * n - (1 if settings.day_one == "sector" else 0)
    rule = "day of the event counted as day 1 (day_one=sector)" if settings.day_one == "sector" else \
        "day of the event not counted (day_one=legal)"
    return f"+ {n} weeks = {days} days, {rule}"


def _fixed_check(value) -> str | None:
    try:
        month, day = (int(p) for p in str(value).split("-"))
        dt.date(2024, month, day)
    except ValueError:
        return f"needs a day of the year written \"MM-DD\" (e.g. \"02-15\"), got {value!r}"
    return None


def _fixed_due(spec: dict, start: pd.Series, frame: pd.DataFrame, settings: Settings) -> pd.Series:
    month, day = (int(p) for p in str(spec["fixed"]).split("-"))
    years = frame[spec["year_field"]] if spec["year_field"] in frame.columns else pd.Series(None, index=frame.index)
    return calendar.fixed_date(years, month, day, before=bool(spec.get("before", True)),
                               before_reading=settings.before_fixed_date)


def _fixed_step(spec: dict, settings: Settings) -> str:
    before = "before it" if spec.get("before", True) else "on or before it"
    return (f"fixed date {spec['fixed']} of the year in {spec['year_field']}"
            f" ({before}, reading {settings.before_fixed_date})")


def _flag(value) -> str | None:
    return None if isinstance(value, bool) else f"needs true or false, got {value!r}"


DEADLINE_KINDS: dict[str, DeadlineKind] = {k.name: k for k in (
    DeadlineKind(
        "weeks", "{weeks: N}",
        "start + 7N (the `day_one=sector` setting: start + 7N - 1); negative N = \"at least N weeks before\"",
        check=_nonzero,
        due=lambda spec, start, frame, s: calendar.add_weeks(start, int(spec["weeks"]), day_one=s.day_one),
        step=_weeks_step,
        other_reading="Day-1",
        stop_follows_start=lambda spec: int(spec["weeks"]) > 0,
        examples=(DueExample({"weeks": 20}, "2025-01-06", "2025-05-26"),
                  DueExample({"weeks": 20}, "2025-01-06", "2025-05-25", settings={"day_one": "sector"}),
                  DueExample({"weeks": -2}, "2025-03-17", "2025-03-03")),
    ),
    DeadlineKind(
        "days", "{days: N}", "start + N",
        check=_nonzero,
        due=lambda spec, start, frame, s: calendar.add_days(start, int(spec["days"])),
        step=lambda spec, s: f"+ {spec['days']} days",
        stop_follows_start=lambda spec: int(spec["days"]) > 0,
        examples=(DueExample({"days": 15}, "2025-02-20", "2025-03-07"),),
    ),
    DeadlineKind(
        "days_beginning_with", "{days_beginning_with: N}", "start + N - 1 (the start day is day 1)",
        check=_positive,
        due=lambda spec, start, frame, s: calendar.add_days_beginning_with(start, int(spec["days_beginning_with"])),
        step=lambda spec, s: f"+ {spec['days_beginning_with']} days beginning with that day (it is day 1)",
        stop_follows_start=lambda spec: True,
        examples=(DueExample({"days_beginning_with": 15}, "2025-03-01", "2025-03-15"),),
    ),
    DeadlineKind(
        "working_days", "{working_days: N}",
        "N working days after the start (England and Wales bank holidays from the `holidays` package)",
        check=_positive,
        due=lambda spec, start, frame, s: calendar.add_working_days(start, int(spec["working_days"])),
        step=lambda spec, s: f"+ {spec['working_days']} working days (no weekends or England and Wales bank holidays)",
        stop_follows_start=lambda spec: True,
        examples=(DueExample({"working_days": 3}, "2025-04-17", "2025-04-24"),),  # over Good Friday and Easter Monday
    ),
    DeadlineKind(
        "working_days_beginning_with", "{working_days_beginning_with: N}", "N working days counting the start day",
        check=_positive,
        due=lambda spec, start, frame, s: calendar.add_working_days(
            start, int(spec["working_days_beginning_with"]), beginning_with=True),
        step=lambda spec, s: f"+ {spec['working_days_beginning_with']} working days beginning with that day",
        stop_follows_start=lambda spec: True,
        # over Good Friday, Easter Monday and the early May bank holiday
        examples=(DueExample({"working_days_beginning_with": 15}, "2025-04-14", "2025-05-07"),),
    ),
    DeadlineKind(
        "months", "{months: N}",
        "\"within N months starting with\": the day before the corresponding date (month-end setting for 29 Feb "
        "/ 31st)",
        check=_positive,
        due=lambda spec, start, frame, s: calendar.within_months_starting_with(
            start, int(spec["months"]), month_end=s.month_end),
        step=lambda spec, s: (f"+ {spec['months']} months, ending the day before the anniversary "
                              f"(month_end={s.month_end} where the corresponding date does not exist)"),
        other_reading="strict",
        stop_follows_start=lambda spec: True,
        examples=(DueExample({"months": 12}, "2025-01-31", "2026-01-30"),
                  DueExample({"months": 12}, "2024-02-29", "2025-02-28"),
                  DueExample({"months": 12}, "2024-02-29", "2025-02-27", settings={"month_end": "strict"})),
    ),
    DeadlineKind(
        "months_before", "{months_before: N}",
        "the corresponding date N months before the start (\"at least 5 months before\")",
        check=_positive,
        due=lambda spec, start, frame, s: calendar.months_before(start, int(spec["months_before"])),
        step=lambda spec, s: f"- {spec['months_before']} months (at least that long before)",
        examples=(DueExample({"months_before": 5}, "2025-07-31", "2025-02-28"),),
    ),
    DeadlineKind(
        "fixed", "{fixed: \"02-15\", year_field: transfer_year, before: true}",
        "14 Feb of that year (`before_fixed_date=inclusive`: 15 Feb)",
        check=_fixed_check,
        due=_fixed_due,
        step=_fixed_step,
        options={"year_field": _name, "before": _flag},
        required=("year_field",),
        fields=lambda spec: [spec["year_field"]],
        other_reading="strict",
        examples=(DueExample({"fixed": "02-15", "year_field": "transfer_year", "before": True}, "2026-09-01",
                             "2026-02-14", record={"transfer_year": 2026}),
                  DueExample({"fixed": "02-15", "year_field": "transfer_year", "before": True}, "2026-09-01",
                             "2026-02-15", record={"transfer_year": 2026},
                             settings={"before_fixed_date": "inclusive"}),
                  DueExample({"fixed": "03-31", "year_field": "transfer_year", "before": False}, "2026-09-01",
                             "2026-03-31", record={"transfer_year": 2026}),
                  DueExample({"fixed": "02-15", "year_field": "transfer_year"}, "2026-09-01", None)),
    ),
    DeadlineKind(
        "field", "{field: name}", "a due date held in the data or derived in the view",
        check=_name,
        due=lambda spec, start, frame, s: field_dates(frame, spec["field"]),
        step=lambda spec, s: f"due date recorded in {spec['field']}",
        fields=lambda spec: [spec["field"]],
        examples=(DueExample({"field": "pb_due_date"}, "2025-01-06", "2025-04-30",
                             record={"pb_due_date": "2025-04-30"}),),
    ),
    DeadlineKind(
        "immediately", "{immediately: true}", "the start date itself (condition duties, \"on or before\" duties)",
        check=lambda value: None if value is True else f"can only be true, got {value!r}",
        due=lambda spec, start, frame, s: start.copy(),
        step=lambda spec, s: "immediately (the same day)",
        standing=True,
        examples=(DueExample({"immediately": True}, "2025-01-06", "2025-01-06"),),
    ),
)}


def kind_of(spec: dict) -> DeadlineKind:
    """The kind of a checked deadline spec (exactly one kind key, see ``deadline_problem``)."""
    return next(DEADLINE_KINDS[k] for k in spec if k in DEADLINE_KINDS)


def deadline_problem(spec) -> str | None:
    """What is wrong with one deadline spec as a rule file wrote it, in words; None when it is well formed."""
    if not isinstance(spec, dict):
        return f"must be a mapping such as {{weeks: 20}}, got {spec!r}"
    kinds = [k for k in spec if k in DEADLINE_KINDS]
    if not kinds and spec:
        options = {key for kind in DEADLINE_KINDS.values() for key in kind.options}
        unknown = next((k for k in spec if k not in options), next(iter(spec)))
        return (f"unknown deadline kind {unknown!r}{suggest(unknown, DEADLINE_KINDS)}"
                f" (kinds: {', '.join(DEADLINE_KINDS)})")
    if len(kinds) != 1:
        return f"deadline {spec!r} needs exactly one of {', '.join(DEADLINE_KINDS)}"
    kind = DEADLINE_KINDS[kinds[0]]
    for key in spec:
        if key != kind.name and key not in kind.options:
            allowed = [kind.name, *kind.options]
            return (f"unknown key {key!r} in a {kind.name} deadline{suggest(key, allowed)}"
                    f" (it takes {', '.join(allowed)})")
    problem = kind.check(spec[kind.name])
    if problem:
        return f"{kind.name} {problem}"
    for key in kind.required:
        if key not in spec:
            return f"a {kind.name} deadline needs {key}"
    for key, check in kind.options.items():
        if key in spec and (problem := check(spec[key])):
            return f"{key} {problem}"
    return None


def deadline_fields(specs) -> list[str]:
    """The subject fields one deadline spec (or a list of them) reads, in order."""
    return [name for spec in as_list(specs) for name in kind_of(spec).fields(spec)]


def due_date(spec: dict, start: pd.Series, frame: pd.DataFrame, settings: Settings) -> pd.Series:
    """The last permissible day (window rules: the first) for one deadline spec, over a whole subject frame."""
    return kind_of(spec).due(spec, start, frame, settings)


def deadline_step(spec: dict, settings: Settings) -> str:
    """The deadline arithmetic in words ("+ 20 weeks = 140 days, ..."), for explain and rules show."""
    return kind_of(spec).step(spec, settings)


def is_standing(specs) -> bool:
    """Whether a clock's deadline makes the rule a standing duty (met or unmet since a date, no time limit)."""
    return any(kind_of(spec).standing for spec in as_list(specs))


def stop_follows_start(specs) -> bool:
    """Whether a clock's stop counts only on or after its start: every deadline spec of the clock says so.

    The engine then treats a stop dated before the start as no stop at all (``engine/facts.py``): last year's
    decision does not answer this year's meeting. Declared per kind above, so no rule file has to say it."""
    specs = as_list(specs)
    return bool(specs) and all(kind_of(spec).stop_follows_start(spec) for spec in specs)


def other_counting(specs) -> str:
    """The counting an ambiguous deadline switches to under the other reading, named in at-risk notes."""
    return next((kind_of(s).other_reading for s in as_list(specs) if kind_of(s).other_reading), "strict")


# --- condition operators ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConditionExample:
    """A worked example of an operator: on this record, the condition ``holds`` (or not)."""

    condition: dict
    record: dict
    holds: bool


@dataclass(frozen=True)
class Operator:
    """One test a condition can make: ``{field: f, <name>: <operand>}`` (or, for ``any``, no field)."""

    name: str
    written: str  # how a rule file writes it, for the README
    holds_when: str  # when the condition holds, in words, for the README
    check: Callable[[Any], str | None]  # the operand -> a problem in words, or None
    mask: Callable[[pd.DataFrame, str | None, Any], pd.Series]  # (frame, field, operand) -> rows that meet it
    durable: Callable[[str | None, Any], dict]  # (field, operand) -> durable_rules condition
    durable_negated: Callable[[str | None, Any], dict]  # the same, negated ("no exception applies")
    examples: tuple[ConditionExample, ...]
    words: Callable[[str | None, Any, Any], str] | None = None  # (field, operand, row or None) -> words
    fields: Callable[[str | None, Any], list[str]] = lambda name, operand: [name]
    on_field: bool = True  # the condition names a field (every operator but a combination such as any)
    numeric: bool = False  # the field is compared as a number (durable facts carry it as a float)


def _text(value) -> str:
    return str(value).strip()


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype=object)


def _scalar(value) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _values_check(value) -> str | None:
    if not isinstance(value, list) or not value:
        return f"needs a list of values such as [A, B], got {value!r}"
    bad = [v for v in value if not _scalar(v)]
    return f"values must be text or numbers (quote \"yes\"/\"no\"), got {bad[0]!r}" if bad else None


def _value_check(value) -> str | None:
    return None if _scalar(value) else f"needs one text or number value (quote \"yes\"/\"no\"), got {value!r}"


def _number_check(value) -> str | None:
    return None if isinstance(value, int | float) and not isinstance(value, bool) else \
        f"needs a number, got {value!r}"


def _members(operand) -> list:
    return operand if isinstance(operand, list) else [operand]


def _member_mask(frame: pd.DataFrame, name: str, operand) -> pd.Series:
    """Rows whose value is one of ``operand`` (a missing value is in no list)."""
    wanted = [_text(v) for v in _members(operand)]
    col = _column(frame, name)
    # decided once per distinct value, not once per row (a national view has millions of rows, few codes)
    codes, uniques = pd.factorize(col.to_numpy(dtype=object), use_na_sentinel=True)
    member = np.array([_text(u) in wanted for u in uniques] + [False], dtype=bool)
    return pd.Series(member[codes], index=frame.index)


def _durable_member(name: str, operand) -> dict:
    parts = [{name: _text(v)} for v in _members(operand)]
    return parts[0] if len(parts) == 1 else {"$or": parts}


def _durable_not_member(name: str, operand) -> dict:
    # a missing value is "not in" the list (an outcome not yet recorded is still open)
    return {"$or": [{name: None}, {"$and": [{"$neq": {name: _text(v)}} for v in _members(operand)]}]}


def _compare(name: str, ufunc, durable_op: str, inverse_op: str, words: str, bound: int,
             cases: tuple[tuple[Any, bool], ...]) -> Operator:
    """A numeric comparison: holds only where the value is a number (a missing or non-numeric value never does)."""
    def compare(frame, field_name, operand):
        num = pd.to_numeric(_column(frame, field_name), errors="coerce")
        hit = ufunc(num.to_numpy(dtype=float, na_value=np.nan), float(operand))
        return pd.Series(hit, index=frame.index) & num.notna()

    return Operator(
        name, f"{{field: f, {name}: N}}", f"the value is a number {words} N (a missing value never is)",
        check=_number_check, mask=compare, numeric=True,
        durable=lambda f, n: {"$and": [{"$neq": {f: None}}, {durable_op: {f: float(n)}}]},
        durable_negated=lambda f, n: {"$or": [{f: None}, {inverse_op: {f: float(n)}}]},
        examples=tuple(ConditionExample({"field": "age", name: bound}, {"age": value}, holds)
                       for value, holds in cases),
    )


def _any_check(value) -> str | None:
    if not isinstance(value, list) or not value:
        return f"needs a list of conditions, got {value!r}"
    for cond in value:
        if problem := condition_problem(cond):
            return problem
    return None


def _any_mask(frame: pd.DataFrame, name, operand) -> pd.Series:
    out = pd.Series(False, index=frame.index)
    for cond in operand:
        out |= mask(cond, frame)
    return out


def _all_mask(frame: pd.DataFrame, name, operand) -> pd.Series:
    return all_of(operand, frame)


OPERATORS: dict[str, Operator] = {o.name: o for o in (
    Operator(
        "in", "{field: f, in: [A, B]}", "the value is one of the list (a missing value is in no list)",
        check=_values_check, mask=_member_mask, durable=_durable_member, durable_negated=_durable_not_member,
        examples=(ConditionExample({"field": "outcome", "in": ["Y", "A"]}, {"outcome": "A"}, True),
                  ConditionExample({"field": "outcome", "in": ["Y", "A"]}, {"outcome": "N"}, False),
                  ConditionExample({"field": "outcome", "in": ["Y", "A"]}, {"outcome": None}, False)),
    ),
    Operator(
        "not_in", "{field: f, not_in: [A, B]}", "the value is missing or not one of the list",
        check=_values_check, mask=lambda frame, f, v: ~_member_mask(frame, f, v),
        durable=_durable_not_member, durable_negated=_durable_member,
        examples=(ConditionExample({"field": "outcome", "not_in": ["W", "H"]}, {"outcome": "Y"}, True),
                  ConditionExample({"field": "outcome", "not_in": ["W", "H"]}, {"outcome": "W"}, False),
                  ConditionExample({"field": "outcome", "not_in": ["W", "H"]}, {"outcome": None}, True)),
    ),
    Operator(
        "equals", "{field: f, equals: A}", "the value is A (compared as text; a missing value equals nothing)",
        check=_value_check, mask=_member_mask, durable=_durable_member, durable_negated=_durable_not_member,
        examples=(ConditionExample({"field": "week20", "equals": "1"}, {"week20": "1"}, True),
                  ConditionExample({"field": "week20", "equals": "1"}, {"week20": "0"}, False),
                  ConditionExample({"field": "week20", "equals": 1}, {"week20": "1"}, True),
                  ConditionExample({"field": "week20", "equals": "1"}, {"week20": None}, False)),
    ),
    Operator(
        "not_equals", "{field: f, not_equals: A}", "the value is missing or not A",
        check=_value_check, mask=lambda frame, f, v: ~_member_mask(frame, f, v),
        durable=_durable_not_member, durable_negated=_durable_member,
        examples=(ConditionExample({"field": "reassessment", "not_equals": "1"}, {"reassessment": "0"}, True),
                  ConditionExample({"field": "reassessment", "not_equals": "1"}, {"reassessment": "1"}, False),
                  ConditionExample({"field": "reassessment", "not_equals": "1"}, {"reassessment": None}, True)),
    ),
    Operator(
        "present", "{field: f, present: true}", "the field has a value (`present: false`: it is blank)",
        check=_flag,
        mask=lambda frame, f, v: _column(frame, f).notna() if v else ~_column(frame, f).notna(),
        durable=lambda f, v: {"$neq": {f: None}} if v else {f: None},
        durable_negated=lambda f, v: {f: None} if v else {"$neq": {f: None}},
        examples=(ConditionExample({"field": "draft_date", "present": True}, {"draft_date": "2025-01-06"}, True),
                  ConditionExample({"field": "draft_date", "present": True}, {"draft_date": None}, False),
                  ConditionExample({"field": "draft_date", "present": False}, {"draft_date": None}, True),
                  ConditionExample({"field": "draft_date", "present": False}, {"draft_date": "2025-01-06"}, False)),
    ),
    _compare("lt", np.less, "$lt", "$gte", "below", 5, ((4, True), (5, False), (None, False))),
    _compare("le", np.less_equal, "$lte", "$gt", "at most", 5, ((5, True), (6, False), (None, False))),
    _compare("gt", np.greater, "$gt", "$lte", "above", 9, ((10, True), (9, False), (None, False))),
    _compare("ge", np.greater_equal, "$gte", "$lt", "at least", 9, ((9, True), (8, False), (None, False))),
    Operator(
        "any", "{any: [conditions]}", "at least one of the conditions holds",
        check=_any_check, mask=_any_mask, on_field=False,
        durable=lambda f, conds: {"$or": [durable(c) for c in conds]},
        durable_negated=lambda f, conds: {"$and": [durable_negated(c) for c in conds]},
        words=lambda f, conds, row: " or ".join(condition_words(c, row) for c in conds),
        fields=lambda f, conds: [name for c in conds for name in condition_fields(c)],
        examples=(ConditionExample({"any": [{"field": "dmo", "equals": "R"}, {"field": "dco", "equals": "R"}]},
                                   {"dmo": "Y", "dco": "R"}, True),
                  ConditionExample({"any": [{"field": "dmo", "equals": "R"}, {"field": "dco", "equals": "R"}]},
                                   {"dmo": "Y", "dco": None}, False)),
    ),
    Operator(
        "every", "{every: [conditions]}", "every one of the conditions holds (an exception that needs two facts)",
        check=_any_check, mask=_all_mask, on_field=False,
        durable=lambda f, conds: {"$and": [durable(c) for c in conds]},
        durable_negated=lambda f, conds: {"$or": [durable_negated(c) for c in conds]},
        words=lambda f, conds, row: " and ".join(condition_words(c, row) for c in conds),
        fields=lambda f, conds: [name for c in conds for name in condition_fields(c)],
        examples=(ConditionExample({"every": [{"field": "exported", "present": True},
                                            {"field": "request_outcome_date", "present": False}]},
                                   {"exported": "301", "request_outcome_date": None}, True),
                  ConditionExample({"every": [{"field": "exported", "present": True},
                                            {"field": "request_outcome_date", "present": False}]},
                                   {"exported": "301", "request_outcome_date": "2025-02-17"}, False)),
    ),
)}

CONDITION_KEYS = ("field", "label", "only_if")  # the keys of a condition besides its operator


def _only_if_problem(value) -> str | None:
    """``only_if: {setting: value}``: the condition holds only under that reading of an ambiguous law."""
    from ..settings import CHOICES

    if not isinstance(value, dict) or not value:
        return f"only_if needs a mapping of setting: value, got {value!r}"
    for name, chosen in value.items():
        if name not in CHOICES:
            return f"only_if names unknown setting {name!r}{suggest(name, CHOICES)} (settings: {', '.join(CHOICES)})"
        if chosen not in CHOICES[name]:
            return f"only_if: setting {name} must be one of {', '.join(CHOICES[name])}, got {chosen!r}"
    return None


def in_reading(cond: dict, settings: Settings) -> bool:
    """Whether a condition is part of the rule under these settings (``only_if`` names the reading it belongs to)."""
    return all(getattr(settings, name) == value for name, value in (cond.get("only_if") or {}).items())


def for_reading(conditions, settings: Settings) -> tuple[dict, ...]:
    """The conditions of a rule that hold under these settings: the rest belong to another reading of the law."""
    return tuple(c for c in conditions if in_reading(c, settings))


def operator_of(cond: dict) -> Operator:
    """The operator of a checked condition (exactly one operator key, see ``condition_problem``)."""
    return next(OPERATORS[k] for k in cond if k in OPERATORS)


def condition_problem(cond) -> str | None:
    """What is wrong with one condition as a rule file wrote it, in words; None when it is well formed."""
    if not isinstance(cond, dict):
        return f"a condition must be a mapping, got {cond!r}"
    ops = [k for k in cond if k in OPERATORS]
    unknown = [k for k in cond if k not in OPERATORS and k not in CONDITION_KEYS]
    on = f" on {cond['field']!r}" if "field" in cond else ""
    if unknown:
        kind = "operator" if not ops else "key"
        return (f"unknown {kind} {unknown[0]!r} in condition{on}{suggest(unknown[0], [*OPERATORS, *CONDITION_KEYS])}"
                f" (operators: {', '.join(OPERATORS)})")
    if len(ops) != 1:
        return f"condition{on} needs exactly one of {', '.join(OPERATORS)}"
    op = OPERATORS[ops[0]]
    if op.on_field and "field" not in cond:
        return f"condition {cond!r} has no 'field'"
    if not op.on_field and "field" in cond:
        return f"an {op.name} condition takes no 'field' (put it in each condition of the list)"
    if "field" in cond and (problem := _name(cond["field"])):
        return f"condition {problem}"
    if "label" in cond and not isinstance(cond["label"], str):
        return f"condition{on}: label must be text, got {cond['label']!r}"
    if "only_if" in cond and (problem := _only_if_problem(cond["only_if"])):
        return f"condition{on}: {problem}"
    if problem := op.check(cond[op.name]):
        return f"{op.name}{on} {problem}" if op.on_field else problem
    return None


def condition_fields(cond: dict) -> list[str]:
    """The subject fields a condition reads."""
    op = operator_of(cond)
    return op.fields(cond.get("field"), cond[op.name])


def mask(cond: dict, frame: pd.DataFrame) -> pd.Series:
    """Boolean Series: the rows of ``frame`` meeting the condition."""
    op = operator_of(cond)
    return op.mask(frame, cond.get("field"), cond[op.name])


def all_of(conditions, frame: pd.DataFrame) -> pd.Series:
    out = pd.Series(True, index=frame.index)
    for cond in conditions:
        out &= mask(cond, frame)
    return out


def durable(cond: dict) -> dict:
    """The condition in durable_rules' JSON syntax (facts carry None for missing values)."""
    op = operator_of(cond)
    return op.durable(cond.get("field"), cond[op.name])


def durable_negated(cond: dict) -> dict:
    """The logical negation, in durable_rules' syntax (used for "no exception applies")."""
    op = operator_of(cond)
    return op.durable_negated(cond.get("field"), cond[op.name])


def numeric_fields(conditions) -> set[str]:
    """Fields that some condition compares as a number (durable facts carry them as floats)."""
    out: set[str] = set()
    for cond in conditions:
        op = operator_of(cond)
        if op.numeric:
            out.add(cond["field"])
        elif not op.on_field:
            out |= numeric_fields(cond[op.name])
    return out


def condition_words(cond: dict, row=None) -> str:
    """The condition in words ("outcome in ['A']"); given a record, with the value it holds there."""
    op = operator_of(cond)
    operand = cond[op.name]
    reading = "".join(f" [only under {k}={v}]" for k, v in (cond.get("only_if") or {}).items())
    if op.words:
        return op.words(cond.get("field"), operand, row) + reading
    name = cond["field"]
    phrase = f"{op.name.replace('_', ' ')} {operand}"
    if row is None:
        return f"{name} {phrase}{reading}"
    value = row.get(name)
    shown = "(blank)" if value is None or pd.isna(value) else str(value)
    return f"{name} = {shown} ({phrase}){reading}"


def exception_label(cond: dict) -> str:
    """How a finding names the exception a condition records: its label, else the fields it reads."""
    return cond.get("label") or f"{' or '.join(dict.fromkeys(condition_fields(cond)))} recorded"


# --- documentation ------------------------------------------------------------------------------------------

README_START = "<!-- rule language: generated from checker/engine/vocabulary.py -->"
README_END = "<!-- end of generated rule language -->"


def _example_words(ex: DueExample) -> str:
    settings = "".join(f", `{k}={v}`" for k, v in ex.settings.items())
    given = "".join(f", {k} {v}" for k, v in ex.record.items())
    due = ex.due if ex.due else "none (a date it needs is missing)"
    return f"start {ex.start}{given}{settings}: {due}"


def _stop_before_start_words(kind: DeadlineKind) -> str:
    """How a stop dated before the clock start counts under a kind, for the README."""
    spec = kind.examples[0].spec
    if kind.stop_follows_start(spec):
        return "does not count (the clock runs on)"
    if kind.name in ("weeks", "days"):  # both signs are allowed; a negative N is an "at least N before" duty
        return "does not count; with a negative N it is the lawful case"
    return "counts (the stop lawfully comes first)"


def rule_language_markdown() -> str:
    """The "Deadline vocabulary" and "Condition vocabulary" sections of rules/README.md, from the declarations."""
    lines = [README_START, "", "### Deadline vocabulary", "",
             "Deadline kinds and condition operators are declared in `checker/engine/vocabulary.py`, which this "
             "section is generated from: a new one is one declaration there, with worked examples the tests run "
             "through both engines. A rule file using an unknown kind, operator or key is refused when the rules "
             "load.", "",
             "| spec | last permissible day | worked example | a stop dated before the start |", "|---|---|---|---|"]
    for kind in DEADLINE_KINDS.values():
        before = _stop_before_start_words(kind)
        lines.append(f"| `{kind.written}` | {kind.last_day} | {_example_words(kind.examples[0])} | {before} |")
    lines += ["", "Two things hold for every rule, whatever its kind, and are done once by the engine "
              "(`checker/engine/facts.py`), never by a rule file: a stop date **earlier than the clock start** does "
              "not stop a clock whose kind says \"does not count\" above (last year's decision does not answer this "
              "year's meeting), and a stop date **after the as-at date** is not counted as done as at that date (the "
              "finding is judged as if it were blank; the DATE-FUTURE data query stays beside it). A stop set aside "
              "either way is named in the finding's note. Window rules (`earliest`) keep a stop before the start: "
              "it is the earliest stop of all (\"too early\")."]
    lines += ["", "### Condition vocabulary", "", "| condition | holds when |", "|---|---|"]
    for op in OPERATORS.values():
        lines.append(f"| `{op.written}` | {op.holds_when} |")
    lines += ["", "Values are compared as text (`equals: 1` and `equals: \"1\"` are the same test). An optional "
              "`label` names an exception in findings. An optional `only_if: {setting: value}` makes a condition "
              "part of the rule only under that reading of an ambiguous law (`checker/settings.py`), so both "
              "readings are one rule, tested both ways.", "", README_END]
    return "\n".join(lines)
