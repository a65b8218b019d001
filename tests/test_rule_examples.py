"""Every example written beside a rule in rules/*.yaml, through both evaluators.

The examples are the rule's own tests (last on-time day, first late day, exceptions, missing dates, month ends,
leap days, bank holidays), kept next to the law they test; this file only runs them.
"""

import pytest
from rule_harness import status_of

from checker.engine.rules import load_rules

RULES = load_rules()
CASES = [(rule, ex) for rule in RULES for ex in rule.examples]


def test_every_rule_has_examples_on_both_sides():
    for rule in RULES:
        expected = {ex["expect"] for ex in rule.examples}
        assert rule.examples, f"{rule.id} has no examples"
        if rule.clock.get("stop"):
            assert {"compliant", "late"} <= expected, f"{rule.id} needs an on-time and a late example"
        else:
            assert {"overdue"} <= expected and expected & {"due_soon", "pending"}, f"{rule.id} needs both sides"


@pytest.mark.parametrize("engine", ["vectorised", "durable"])
@pytest.mark.parametrize("rule,example", CASES, ids=[f"{r.id}: {e['name']}" for r, e in CASES])
def test_rule_example(rule, example, engine):
    got = status_of(rule, example.get("record") or {}, example["as_at"], example.get("settings"), engine)
    assert got == example["expect"]
