"""Every deadline kind and condition operator, through its own worked examples and both engines.

The examples live in the declarations (checker/engine/vocabulary.py), beside the code they test, so a new kind
or operator arrives with its proof. Each deadline example is run on both sides of its last day; each condition
example both as an applicability condition and as an exception (which the durable engine compiles negated too).
"""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from rule_harness import record_frame, status_of

from checker.engine import vocabulary
from checker.engine.rules import Rule
from checker.engine.vocabulary import DEADLINE_KINDS, OPERATORS
from checker.settings import Settings

ENGINES = ["vectorised", "durable"]
CHECKER = Path(__file__).resolve().parent.parent / "checker"


def test_every_kind_and_operator_has_worked_examples():
    for kind in DEADLINE_KINDS.values():
        assert kind.examples, f"deadline kind {kind.name} has no worked example"
        assert all(kind.name in ex.spec for ex in kind.examples), f"{kind.name} examples use another kind"
    for op in OPERATORS.values():
        assert {ex.holds for ex in op.examples} == {True, False}, f"operator {op.name} needs examples both ways"
        assert all(op.name in ex.condition for ex in op.examples), f"{op.name} examples use another operator"


def test_every_worked_example_is_itself_a_valid_rule_fragment():
    for kind in DEADLINE_KINDS.values():
        for ex in kind.examples:
            assert vocabulary.deadline_problem(ex.spec) is None, ex
    for op in OPERATORS.values():
        for ex in op.examples:
            assert vocabulary.condition_problem(ex.condition) is None, ex


def _clock_rule(spec: dict) -> Rule:
    return Rule(id="TEST-DEADLINE", title="Test deadline", description="", family="test", strength="must",
                owed_by="local authority", applies_to="request", severity="high", source=("test",), action="",
                clock={"start": "clock_start_date", "deadline": spec, "stop": "stop_date"})


DUE_CASES = [(kind, ex) for kind in DEADLINE_KINDS.values() for ex in kind.examples]
DUE_IDS = [f"{kind.name}: {ex.spec} from {ex.start} {ex.settings or ''}" for kind, ex in DUE_CASES]


@pytest.mark.parametrize("kind,example", DUE_CASES, ids=DUE_IDS)
def test_deadline_kind_gives_the_declared_last_day(kind, example):
    rule = _clock_rule(example.spec)
    frame = record_frame(rule, {"clock_start_date": example.start, **example.record})
    start = vocabulary.field_dates(frame, "clock_start_date")
    due = vocabulary.due_date(example.spec, start, frame, Settings(**example.settings)).iloc[0]
    assert (None if pd.isna(due) else f"{due:%Y-%m-%d}") == example.due


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind,example", DUE_CASES, ids=DUE_IDS)
def test_deadline_kind_on_both_sides_of_the_last_day(kind, example, engine):
    rule = _clock_rule(example.spec)
    record = {"clock_start_date": example.start, **example.record}
    if example.due is None:
        assert status_of(rule, record, "2030-01-01", example.settings, engine) == "insufficient_data"
        return
    due = dt.date.fromisoformat(example.due)
    on_time = {**record, "stop_date": due}
    late = {**record, "stop_date": due + dt.timedelta(days=1)}
    assert status_of(rule, on_time, "2030-01-01", example.settings, engine) == "compliant"
    assert status_of(rule, late, "2030-01-01", example.settings, engine) == "late"


def _condition_rule(when=(), exceptions=()) -> Rule:
    return Rule(id="TEST-CONDITION", title="Test condition", description="", family="test", strength="must",
                owed_by="local authority", applies_to="request", severity="high", source=("test",), action="",
                clock={"start": "clock_start_date", "deadline": {"weeks": 1}, "stop": "stop_date"},
                when=tuple(when), exceptions=tuple(exceptions))


CONDITION_CASES = [(op, ex) for op in OPERATORS.values() for ex in op.examples]
CONDITION_IDS = [f"{op.name}: {ex.condition} on {ex.record}" for op, ex in CONDITION_CASES]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("op,example", CONDITION_CASES, ids=CONDITION_IDS)
def test_operator_decides_applicability(op, example, engine):
    record = {"clock_start_date": "2025-01-06", "stop_date": "2025-01-08", **example.record}
    got = status_of(_condition_rule(when=[example.condition]), record, "2025-06-30", None, engine)
    assert got == ("compliant" if example.holds else "not_applicable")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("op,example", CONDITION_CASES, ids=CONDITION_IDS)
def test_operator_decides_an_exception(op, example, engine):
    record = {"clock_start_date": "2025-01-06", "stop_date": "2025-01-08", **example.record}
    got = status_of(_condition_rule(exceptions=[example.condition]), record, "2025-06-30", None, engine)
    assert got == ("excepted" if example.holds else "compliant")


@pytest.mark.parametrize("op,example", CONDITION_CASES, ids=CONDITION_IDS)
def test_operator_mask_matches_its_example(op, example):
    frame = record_frame(_condition_rule(when=[example.condition]), example.record)
    assert bool(vocabulary.mask(example.condition, frame).iloc[0]) is example.holds


def test_an_exception_without_a_label_is_named_by_its_fields():
    assert vocabulary.exception_label({"field": "week20", "equals": "1"}) == "week20 recorded"
    either = {"any": [{"field": "dmo", "equals": "R"}, {"field": "dco", "equals": "R"}]}
    assert vocabulary.exception_label(either) == "dmo or dco recorded"


@pytest.mark.parametrize("spec,expected", [
    ({"week": 20}, "unknown deadline kind 'week'; did you mean 'weeks'?"),
    ({"weeks": 20, "days": 3}, "needs exactly one of"),
    ({"weeks": 0}, "weeks needs a whole number other than 0"),
    ({"months": "12"}, "months needs a whole number of 1 or more"),
    ({"immediately": False}, "immediately can only be true"),
    ({"fixed": "02-30", "year_field": "transfer_year"}, "fixed needs a day of the year"),
    ({"fixed": "02-15"}, "a fixed deadline needs year_field"),
    ({"fixed": "02-15", "year_field": "transfer_year", "befor": True}, "unknown key 'befor' in a fixed deadline; "
                                                                        "did you mean 'before'?"),
    ({"weeks": 2, "before": True}, "unknown key 'before' in a weeks deadline"),
    ({"fixed": "02-15", "year_field": "transfer_year", "before": "yes"}, "before needs true or false"),
])
def test_deadline_problems_are_named(spec, expected):
    assert expected in vocabulary.deadline_problem(spec)


@pytest.mark.parametrize("cond,expected", [
    ({"field": "outcome", "inn": ["A"]}, "unknown operator 'inn' in condition on 'outcome'; did you mean 'in'?"),
    ({"field": "outcome", "in": ["A"], "lable": "x"}, "unknown key 'lable' in condition on 'outcome'; "
                                                      "did you mean 'label'?"),
    ({"field": "outcome", "in": ["A"], "equals": "A"}, "needs exactly one of"),
    ({"in": ["A"]}, "has no 'field'"),
    ({"field": "outcome", "in": "A"}, "in on 'outcome' needs a list of values"),
    ({"field": "week20", "equals": True}, "quote \"yes\"/\"no\""),
    ({"field": "age", "lt": "five"}, "lt on 'age' needs a number"),
    ({"field": "draft_date", "present": "yes"}, "present on 'draft_date' needs true or false"),
    ({"any": [{"field": "dmo", "equal": "R"}]}, "did you mean 'equals'?"),
    ({"field": "dmo", "any": [{"field": "dmo", "equals": "R"}]}, "an any condition takes no 'field'"),
])
def test_condition_problems_are_named(cond, expected):
    assert expected in vocabulary.condition_problem(cond)


KIND_AND_OPERATOR_NAMES = sorted((set(DEADLINE_KINDS) | set(OPERATORS)) - {"field", "in", "any", "days"})


def test_no_other_module_branches_on_a_kind_or_an_operator():
    """The vocabulary is the one place that names them: an if-chain elsewhere in the engine (or the CLI's
    words for a rule) would drift from it. ("field", "in", "any" and "days" are too common to search for.)"""
    offenders = []
    for path in sorted([*(CHECKER / "engine").glob("*.py"), CHECKER / "cli.py"]):
        if path.name == "vocabulary.py":
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(CHECKER)}: {name}" for name in KIND_AND_OPERATOR_NAMES
                      if f'"{name}"' in text or f"'{name}'" in text]
    assert not offenders, offenders
