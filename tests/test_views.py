"""Subject views: the joins and derived dates that rules rely on."""

import datetime as dt

import pandas as pd

from checker.dataset import Dataset
from checker.engine.evaluate import evaluate
from checker.engine.rules import load_rules
from checker.engine.views import build_views

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
