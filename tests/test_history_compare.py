"""Since last month: new, resolved, still open and newly overdue breaches, matched on finding id."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from test_history_store import finding, make_result

from checker.history import compare, open_store
from checker.history.compare import GONE
from checker.history.since import section_html, since_last_month, write_changes_csv

OCT, NOV, DEC = dt.date(2026, 10, 31), dt.date(2026, 11, 30), dt.date(2026, 12, 31)
MONTH1 = [
    finding("EHC-FINAL-20W", "R1", "overdue", due="2026-09-01", days_late=60),   # stays overdue
    finding("EHC-FINAL-20W", "R2", "overdue", due="2026-10-01", days_late=30),   # issued in time? no: done late
    finding("EHC-FINAL-20W", "R3", "overdue", due="2026-10-20", days_late=11),   # exception recorded
    finding("EHC-FINAL-20W", "R4", "late", due="2026-05-01", stopped="2026-06-01", days_late=31),  # plan ceased
    finding("REVIEW-12M", "P1", "due_soon", due="2026-11-10"),                   # becomes overdue
    finding("REVIEW-12M", "P2", "due_soon", due="2026-11-20"),                   # done in time
    finding("REVIEW-12M", "P3", "pending", due="2027-01-20"),
]
MONTH2 = [
    finding("EHC-FINAL-20W", "R1", "overdue", due="2026-09-01", days_late=90),
    finding("EHC-FINAL-20W", "R2", "late", due="2026-10-01", stopped="2026-11-05", days_late=35),
    finding("EHC-FINAL-20W", "R3", "excepted", due="2026-10-20"),
    finding("REVIEW-12M", "P1", "overdue", due="2026-11-10", days_late=20),
    finding("REVIEW-12M", "P2", "compliant", due="2026-11-20", stopped="2026-11-18"),
    finding("REVIEW-12M", "P3", "pending", due="2027-01-20"),
    finding("EHC-DECISION-6W", "R9", "overdue", due="2026-11-01", days_late=29),  # new request, new breach
]


def ids(frame):
    return frame["finding_id"].tolist()


def test_known_changes_between_two_months():
    changes = compare(make_result(OCT, MONTH1).findings.assign(month="2026-10"), make_result(NOV, MONTH2).findings,
                      as_at=NOV)
    assert changes.previous_month == "2026-10" and changes.current_month == "2026-11"
    assert ids(changes.new_breaches) == ["EHC-DECISION-6W/R9", "REVIEW-12M/P1"]
    assert ids(changes.resolved_breaches) == ["EHC-FINAL-20W/R3", "EHC-FINAL-20W/R4"]
    assert changes.resolved_breaches.set_index("finding_id")["status_now"].to_dict() == {
        "EHC-FINAL-20W/R3": "excepted", "EHC-FINAL-20W/R4": GONE}
    assert ids(changes.still_open) == ["EHC-FINAL-20W/R1", "EHC-FINAL-20W/R2"]
    assert changes.still_open["months_open"].tolist() == [2, 2]
    assert ids(changes.became_overdue) == ["REVIEW-12M/P1"]
    assert changes.counts() == {"new_breaches": 2, "resolved_breaches": 2, "still_open": 2, "became_overdue": 1}


def test_nothing_changes_between_identical_months():
    frame = make_result(OCT, MONTH1).findings
    changes = compare(frame.assign(month="2026-10"), frame, as_at=NOV)
    assert changes.counts() == {"new_breaches": 0, "resolved_breaches": 0, "still_open": 4, "became_overdue": 0}


def test_current_month_is_needed():
    frame = make_result(OCT, MONTH1).findings
    with pytest.raises(ValueError, match="current month"):
        compare(frame, frame)


def test_months_open_counts_the_runs_in_an_unbroken_breach(tmp_path):
    extract = tmp_path / "x.csv"
    extract.write_text("x\n")
    with open_store(tmp_path / "h.sqlite") as store:
        store.record(make_result(OCT, MONTH1), [extract])
        store.record(make_result(NOV, MONTH2), [extract])
        month3 = [finding("EHC-FINAL-20W", "R1", "overdue", due="2026-09-01", days_late=121),
                  finding("EHC-DECISION-6W", "R9", "overdue", due="2026-11-01", days_late=60)]
        ctx = since_last_month(store, make_result(DEC, month3))
        open_for = ctx["changes"].still_open.set_index("finding_id")["months_open"].to_dict()
        assert open_for == {"EHC-FINAL-20W/R1": 3, "EHC-DECISION-6W/R9": 2}
        assert ctx["still_open_by_months"] == [(2, 1), (3, 1)]
        assert ctx["counts"]["resolved_breaches"] == 2  # R2 (late, gone) and P1 (overdue, gone)


def test_section_html_escapes_and_says_when_there_is_nothing_to_compare(tmp_path):
    extract = tmp_path / "x.csv"
    extract.write_text("x\n")
    hostile = [finding("EHC-FINAL-20W", "<script>alert(1)</script>", "overdue", due="2026-11-01", days_late=9,
                       team='"><img src=x>')]
    with open_store(tmp_path / "h.sqlite") as store:
        assert since_last_month(store, make_result(OCT, MONTH1)) is None
        assert "nothing to compare" in section_html(None)
        store.record(make_result(OCT, MONTH1), [extract])
        ctx = since_last_month(store, make_result(NOV, hostile))
    html = str(section_html(ctx))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<img" not in html
    assert "1 new breaches" in html
    write_changes_csv(ctx["changes"], tmp_path / "changes.csv")
    lines = (tmp_path / "changes.csv").read_text().splitlines()
    assert (lines[0].startswith("change,finding_id,rule_id")
            and len(lines) == 1 + ctx["changes"].counts()["new_breaches"] + 4)


LA = Path(__file__).resolve().parent.parent / "fixtures" / "la"


@pytest.mark.skipif(not (LA / "tracker_a.csv").exists() or not (LA / "month2" / "tracker_a.csv").exists(),
                    reason="fixtures/la and fixtures/la/month2 are generated by fixtures/generate.py")
def test_two_fixture_months_give_consistent_counts(tmp_path):
    from checker.run import check

    months = [(LA / "tracker_a.csv", OCT), (LA / "month2" / "tracker_a.csv", NOV)]
    results = [check([path], as_at, profile="la-tracker-a") for path, as_at in months]
    with open_store(tmp_path / "h.sqlite") as store:
        store.record(results[0], [months[0][0]])
        ctx = since_last_month(store, results[1])
        run_id = store.record(results[1], [months[1][0]])
        stored = compare(store.findings(store.previous_run(NOV)["run_id"]), store.findings(run_id))
        runs = store.runs()
    c = ctx["counts"]
    breaches_before, breaches_now = runs[0]["breaches"], runs[1]["breaches"]
    assert c["still_open"] + c["resolved_breaches"] == breaches_before
    assert c["still_open"] + c["new_breaches"] == breaches_now
    assert c["became_overdue"] <= c["new_breaches"]
    assert stored.counts() == c  # fresh findings and stored findings agree
    assert c["new_breaches"] > 0 and c["resolved_breaches"] > 0 and c["still_open"] > 0
