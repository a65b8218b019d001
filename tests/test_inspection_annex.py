"""The inspection pack's Annex A "data checks" column reads the run's data issues by id; it recomputes nothing."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from checker.dataset import ISSUE_COLUMNS
from checker.reports.inspection import annex_a_checks, annex_a_ids, check_counts, primary_needs

PLANS = pd.DataFrame({"request_id": ["R1", "R2", "R3"], "person_id": ["P1", "P2", "P3"]})


def issue(issue_id, table, record_id, row=2, severity="query"):
    values = dict.fromkeys(ISSUE_COLUMNS, "")
    values.update(issue_id=issue_id, severity=severity, table=table, record_id=record_id, row=row)
    return values


def result(issues, overdue=()):
    findings = pd.DataFrame({"rule_id": ["REVIEW-12M"] * 3, "record_id": ["R1", "R2", "R3"],
                             "status": ["overdue" if r in overdue else "pending" for r in ("R1", "R2", "R3")]})
    return SimpleNamespace(issues=pd.DataFrame(issues, columns=ISSUE_COLUMNS), findings=findings)


def test_each_child_gets_the_words_of_the_checks_that_flagged_their_person_or_request():
    run = result([issue("IDENTIFIER-MISSING", "person", "P1"),
                  issue("SEN-NEED-NO-PRIMARY", "sen_need", "R2 / 2"),  # record id: request, then rank
                  issue("DATE-FUTURE", "placement", "R3 / 1 / 2027-01-01"),
                  issue("ULN-CHECK-DIGIT", "person", "P2"),  # not an Annex A check
                  issue("UPN-DUPLICATE", "person", "P9")],  # not on the list
                 overdue=("R1",))
    assert annex_a_checks(PLANS, run).tolist() == ["No UPN or ULN; No review in the last 12 months",
                                                   "No primary need", "Date after the as-at date"]


def test_a_check_raised_once_for_a_whole_table_flags_every_child():
    run = result([issue("PLACEMENT-MISSING", "placement", "", row=""), issue("AGE-25", "person", "P2")])
    assert annex_a_checks(PLANS, run).tolist() == ["No establishment recorded",
                                                   "Aged 25: plan should be ending; No establishment recorded",
                                                   "No establishment recorded"]


def test_no_issues_no_checks_and_counts_name_the_ids():
    assert annex_a_checks(PLANS, result([])).tolist() == ["", "", ""]
    plans = PLANS.assign(data_checks=["No primary need", "No primary need; No UPN or ULN", ""])
    assert check_counts(plans) == [
        {"check": "No primary need", "ids": "SEN-NEED-NO-PRIMARY, PRIMARY-NEED-MISSING", "count": 2},
        {"check": "No UPN or ULN", "ids": "IDENTIFIER-MISSING", "count": 1}]
    assert annex_a_ids()["No review in the last 12 months"] == "REVIEW-12M overdue"


def test_primary_need_is_rank_1_or_the_only_unranked_need():
    need = pd.DataFrame({"request_id": ["R1", "R1", "R2", "R3", "R3"], "sen_type": ["ASD", "MLD", "SLD", "HI", "VI"],
                         "sen_type_rank": ["2", "1", None, None, None]})
    assert primary_needs(need)[["request_id", "sen_type"]].values.tolist() == [["R1", "MLD"], ["R2", "SLD"]]
