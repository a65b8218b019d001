"""Subject views: the joins and derived dates that rules rely on."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from checker.dataset import Dataset
from checker.engine.evaluate import evaluate
from checker.engine.rules import load_rules
from checker.engine.views import SUBJECTS, build_views
from checker.readers import load_inputs

REVIEW_12M = [r for r in load_rules() if r.id == "REVIEW-12M"]


def _plan_dataset(review_rows: list[dict], last_review=None) -> Dataset:
    ds = Dataset()
    ds.add("person", pd.DataFrame([{"person_id": "P1", "_file": "t.xlsx", "_sheet": "Caseload", "_row": 2}]))
    ds.add("request", pd.DataFrame([{"request_id": "R1", "person_id": "P1", "_file": "t.xlsx", "_sheet": "Caseload",
                                     "_row": 2}]))
    ds.add("named_plan", pd.DataFrame([{"request_id": "R1", "start_date": pd.Timestamp("2024-01-10"),
                                        "_file": "t.xlsx", "_sheet": "Caseload", "_row": 2}]))
    if last_review is not None:
        ds.add("active_plan", pd.DataFrame([{"request_id": "R1", "last_review": pd.Timestamp(last_review),
                                             "_file": "t.xlsx", "_sheet": "Caseload", "_row": 2}]))
    if review_rows:
        frame = pd.DataFrame(review_rows)
        for col in ("meeting_date", "decision_date"):
            frame[col] = pd.to_datetime(frame[col])
        ds.add("review", frame.assign(_file="t.xlsx", _sheet="Reviews", _row=range(2, 2 + len(frame))))
    return ds


def _review_12m(ds, as_at):
    found = evaluate(ds, REVIEW_12M, as_at)
    return found.iloc[0][["status", "clock_start", "due_date"]].tolist()


def test_review_history_restarts_the_12_month_clock():
    ds = _plan_dataset([{"request_id": "R1", "meeting_date": "2025-05-01", "decision_date": "2025-06-01"}])
    status, start, due = _review_12m(ds, dt.date(2026, 1, 1))
    assert (status, start, due) == ("pending", pd.Timestamp("2025-06-01"), pd.Timestamp("2026-05-31"))


def test_without_any_review_the_clock_runs_from_the_plan():
    status, start, _ = _review_12m(_plan_dataset([]), dt.date(2026, 1, 1))
    assert (status, start) == ("overdue", pd.Timestamp("2024-01-10"))


def test_a_meeting_without_a_decision_has_not_concluded_the_review():
    ds = _plan_dataset([{"request_id": "R1", "meeting_date": "2025-01-05", "decision_date": None}])
    status, start, _ = _review_12m(ds, dt.date(2026, 1, 1))
    assert (status, start) == ("overdue", pd.Timestamp("2024-01-10"))


def test_sen2_last_review_and_history_take_the_later():
    ds = _plan_dataset([{"request_id": "R1", "meeting_date": "2024-11-01", "decision_date": "2024-11-20"}],
                       last_review="2025-03-03")
    assert build_views(ds, dt.date(2026, 1, 1))["plan"]["review_clock_start"].iloc[0] == pd.Timestamp("2025-03-03")


BUNDLED = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.mark.parametrize("inputs", [[], ["la/sen2_2026.xml"], ["la/tracker_a.xlsx"], ["la/tracker_b.xlsx"],
                                    ["small/tracker_small.csv"]], ids=lambda i: i[0] if i else "no input")
def test_each_view_holds_exactly_the_fields_it_declares(inputs):
    """Rule files are checked against SUBJECTS when they load: the declaration must match what is built, or a
    rule could name a field no view has (it would never apply) or be refused a field that exists."""
    if not inputs:
        ds = Dataset()
    elif inputs[0].startswith("small/"):
        ds = load_inputs([BUNDLED / inputs[0]], "la-tracker-a")
    else:
        ds = load_inputs([BUNDLED / i for i in inputs], None)
    views = build_views(ds, dt.date(2026, 10, 31))
    assert sorted(views) == sorted(SUBJECTS)
    for name, frame in views.items():
        declared = SUBJECTS[name].fields()
        assert set(frame.columns) == declared, (
            f"view {name}: built but not declared {sorted(set(frame.columns) - declared)}, "
            f"declared but not built {sorted(declared - set(frame.columns))}")
