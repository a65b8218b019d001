"""The durable_rules engine of record and the vectorised evaluator give identical findings.

On the bundled synthetic LA (thousands of records) and on records generated at random for every rule.
"""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rule_harness import record_frame

from checker.engine.evaluate import evaluate, findings_for
from checker.engine.rules import load_rules
from checker.engine.views import build_views
from checker.engine.vocabulary import as_list, operator_of
from checker.readers import load_inputs
from checker.settings import Settings

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "la" / "sen2_2026.xml"
RULES = load_rules()
AS_AT = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def fixture_views():
    dataset = load_inputs([FIXTURE], None)
    return dataset, build_views(dataset, AS_AT)


def test_engines_agree_on_the_bundled_la(fixture_views):
    dataset, views = fixture_views
    vectorised = evaluate(dataset, RULES, AS_AT, engine="vectorised", views=views)
    durable = evaluate(dataset, RULES, AS_AT, engine="durable", views=views)
    assert len(vectorised) > 1000
    pd.testing.assert_frame_equal(vectorised, durable)


def test_two_runs_in_one_process_share_nothing(fixture_views):
    dataset, views = fixture_views
    first = evaluate(dataset, RULES, AS_AT, engine="durable", views=views)
    second = evaluate(dataset, RULES, AS_AT, engine="durable", views=views)
    pd.testing.assert_frame_equal(first, second)


DATES = st.one_of(st.none(), st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2027, 12, 31)))


def _leaves(conditions):
    for cond in conditions:
        op = operator_of(cond)
        yield from ([(op, cond)] if op.on_field else _leaves(cond[op.name]))


def _value_strategy(rule, name):
    codes = set()
    for op, c in _leaves(rule.when + rule.exceptions):
        if c["field"] == name:
            if op.numeric:
                return st.one_of(st.none(), st.integers(0, 30))
            codes.update(str(v) for v in as_list(c[op.name]) if not isinstance(v, bool))
    if name.endswith("_date") or name in ("review_clock_start",) or name == rule.clock.get("start"):
        return DATES
    return st.one_of(st.none(), st.sampled_from(sorted(codes | {"X", "1", "0"})))


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), as_at=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2027, 12, 31)),
       day_one=st.sampled_from(["legal", "sector"]), month_end=st.sampled_from(["lenient", "strict"]))
def test_engines_agree_on_generated_records(rule, data, as_at, day_one, month_end):
    record = {name: data.draw(_value_strategy(rule, name), label=name) for name in rule.fields_used()}
    frame = record_frame(rule, record)
    chosen = Settings(day_one=day_one, month_end=month_end)
    vectorised = findings_for(rule, frame, pd.Timestamp(as_at), chosen, "vectorised")
    durable = findings_for(rule, frame, pd.Timestamp(as_at), chosen, "durable")
    pd.testing.assert_frame_equal(vectorised.reset_index(drop=True), durable.reset_index(drop=True),
                                  check_dtype=False)
