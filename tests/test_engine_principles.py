"""The engine principles of issue 15 (deliver point 2, a-f), each true for every rule.

Each test here fails when its principle is broken; the comment above it says how it was broken to prove that.
Realistic shapes come from hand-written SEN2 returns in ``tests/data/sen2/law`` (an XML return and the same
review backlog as COLLECT Blade CSVs), read by the real readers and checked end to end through both engines.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from builders import dataset
from rule_harness import run_one

from checker.engine.evaluate import findings_for
from checker.engine.rules import load_rules
from checker.engine.views import SUBJECTS
from checker.engine.vocabulary import condition_fields
from checker.model import TABLES
from checker.run import check, rules_without_data, supplied_fields
from checker.settings import Settings

LAW = Path(__file__).parent / "data" / "sen2" / "law"
AS_AT = dt.date(2026, 11, 30)
RULES = load_rules()
ENGINES = ("vectorised", "durable")


def _run(paths, engine="vectorised", **kw):
    return check(list(paths), AS_AT, engine=engine, **kw)


def _finding(result, rule_id, record_prefix):
    f = result.findings
    hit = f[(f["rule_id"] == rule_id) & f["record_id"].astype(str).str.startswith(record_prefix)]
    assert len(hit) == 1, f"{rule_id} {record_prefix}: {hit[['record_id', 'status']].to_dict('records')}"
    return hit.iloc[0]


def _issues(result, issue_id):
    return result.issues[result.issues["issue_id"] == issue_id]


# --- a. a data check never hides a possible breach ------------------------------------------------------------
# Broken on purpose: (1) the readers' review row built as before (meeting = ReviewMeeting, decision = LastReview,
# outcome and draft attached): DATE-ORDER rejected the row and the overdue decision vanished; (2) AGE-26-PLUS
# declared as an error again: Birch was rejected and PLAN-CEASE-25 had no finding. Both tests below failed.

@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("source", ["xml", "blade"])
def test_a_review_awaiting_its_decision_reaches_the_rules(source, engine):
    """Audit defect 1: ReviewMeeting 20 Oct 2026 after LastReview 25 Oct 2025, as at 30 Nov 2026: the decision
    was due by 17 Nov 2026 (reg 20(10)) and is overdue; the old cycle's outcome and draft are not attached."""
    paths = [LAW / "backlog-2026.xml"] if source == "xml" else sorted((LAW / "blade").glob("*.csv"))
    result = _run(paths, engine)
    f = _finding(result, "REVIEW-DECISION-4W", "C999000000001")
    assert f["status"] == "overdue" and f["due_date"] == pd.Timestamp("2026-11-17")
    assert int(f["days_late"]) == 13 and pd.isna(f["stopped_date"])
    review = result.dataset.table("review")
    row = review[review["meeting_date"] == pd.Timestamp("2026-10-20")].iloc[0]
    assert pd.isna(row["decision_date"]) and pd.isna(row["outcome"]) and pd.isna(row["amendment_notice_date"])
    assert _issues(result, "DATE-ORDER").empty
    assert not _issues(result, "DATE-ORDER-QUERY").empty  # the query sits beside the finding
    assert not (result.findings["rule_id"] == "REVIEW-AMEND-NOTICE-4W").any()  # no stale amendment notice
    assert _finding(result, "REVIEW-12M", "C999000000001")["due_date"] == pd.Timestamp("2026-10-24")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_plan_live_at_26_is_a_finding_with_a_query_beside_it(engine):
    """Audit defect 3: born 10 May 2000, live plan, as at 30 Nov 2026: the person is evaluated, PLAN-CEASE-25
    reports the breach and AGE-26-PLUS is a query, not a rejection."""
    result = _run([LAW / "backlog-2026.xml"], engine)
    assert _finding(result, "PLAN-CEASE-25", "9999999998")["status"] in ("late", "overdue")
    query = _issues(result, "AGE-26-PLUS")
    assert len(query) == 1 and query.iloc[0]["severity"] == "query" and "s46" in query.iloc[0]["message"]
    assert int(result.accounting["rows_rejected"].sum()) == 0


def test_a_error_level_checks_are_the_audited_ones():
    """The error-level data checks were each audited for the danger of hiding a breach (the report lists the
    findings). A new error-level check must be audited too: add it here once it has been."""
    from checker.quality import all_checks

    audited = {"DATE-NOT-A-DATE", "FLAG-NOT-A-FLAG", "INT-NOT-A-NUMBER", "CSV-EXTRA-CELLS", "SEN2-ORPHAN-ROW",
               "REQUIRED-MISSING", "DUPLICATE-KEY", "ORPHAN", "CODE-INVALID", "FLAG-INVALID",
               "RECEIVED-DATE-MISSING", "REQUEST-OUTCOME-DATE-MISSING", "ASSESSMENT-OUTCOME-DATE-MISSING",
               "SETTING-NOT-ONE", "DATE-INVALID", "DATE-ORDER", "AGE-NEGATIVE", "AGE-IMPLAUSIBLE",
               "PARENT-REJECTED",
               # like ORPHAN: a row whose key cannot be derived cannot be tied to the request its clocks run from
               "KEY-NOT-FOUND"}
    errors = {c.issue_id for c in all_checks() if c.severity == "error"}
    assert errors == audited, f"audit these for hidden breaches: {sorted(errors - audited)}"
    assert "AGE-26-PLUS" not in errors


# --- b. a stop dated before the clock start does not stop the clock -------------------------------------------
# Broken on purpose: DeadlineKind "weeks" declared stop_follows_start=lambda spec: False (and, separately, the
# check in facts.stop_dates removed): every forward rule's early-stop case came back "compliant" and this failed.

def _compliant_examples():
    for rule in RULES:
        if not rule.clock.get("stop") or rule.is_window:
            continue
        for ex in rule.examples:
            if ex["expect"] == "compliant" and not ex.get("settings"):
                yield pytest.param(rule, ex, id=f"{rule.id}: {ex['name']}")
                break


def _stop_fields(rule):
    stop = rule.clock["stop"]
    return [stop] if isinstance(stop, str) else list(stop)


def _forward(rule) -> bool:
    """Whether the law's words are "within N (weeks, days, months, working days) of" the clock start: written
    out here, independently of the vocabulary's declarations, so that a wrong declaration fails this test."""
    specs = rule.clock["deadline"] if isinstance(rule.clock["deadline"], list) else [rule.clock["deadline"]]
    forward = ("days_beginning_with", "working_days", "working_days_beginning_with", "months")
    return all(any(k in spec for k in forward) or spec.get("weeks", 0) > 0 or spec.get("days", 0) > 0
               for spec in specs)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("rule,example", list(_compliant_examples()))
def test_b_a_stop_before_the_start_does_not_stop_a_forward_clock(rule, example, engine):
    record = dict(example["record"])
    start = run_one(rule, record, example["as_at"], engine=engine)["clock_start"].iloc[0]
    for name in _stop_fields(rule):
        record[name] = (start - pd.Timedelta(days=1)).date() if pd.notna(start) else None
    found = run_one(rule, record, example["as_at"], engine=engine)
    status = found["status"].iloc[0]
    if _forward(rule):
        assert status in ("overdue", "due_soon", "pending"), f"{rule.id}: an earlier cycle's date gave {status}"
        assert pd.isna(found["stopped_date"].iloc[0]) and "before the clock start" in found["note"].iloc[0]
    else:  # "at least 2 weeks before", "before 15 February", a derived due date: the stop lawfully comes first
        assert "before the clock start" not in found["note"].iloc[0]


def test_b_declared_once_per_kind():
    """The principle lives in the deadline vocabulary: forward kinds say so, "before" kinds do not."""
    from checker.engine.vocabulary import stop_follows_start

    assert stop_follows_start({"weeks": 4}) and stop_follows_start([{"months": 12}])
    assert stop_follows_start({"working_days": 3}) and stop_follows_start({"days": 30})
    assert not stop_follows_start({"weeks": -2}) and not stop_follows_start({"months_before": 5})
    assert not stop_follows_start({"immediately": True})
    assert not stop_follows_start({"fixed": "02-15", "year_field": "transfer_year"})
    assert not stop_follows_start([{"field": "transfer_review_due"}, {"months": 12}])


# --- c. "not evaluated" only when no input maps the fields ----------------------------------------------------
# Broken on purpose: supplied_fields() put back to "columns holding at least one value": the blank-but-mapped
# column made AMEND-FINAL-8W "not evaluated" and both tests failed.

REVIEWED = {
    "person": [{"person_id": "P1", "birth_date": "2012-03-01"}],
    "request": [{"request_id": "R1", "person_id": "P1", "received_date": "2020-01-06", "request_outcome": "Y",
                 "request_outcome_date": "2020-02-10"}],
    "assessment": [{"request_id": "R1", "assessment_outcome": "Y", "assessment_outcome_date": "2020-05-18"}],
    "named_plan": [{"request_id": "R1", "start_date": "2020-05-18"}],
}


def _review(**extra):
    return {"request_id": "R1", "meeting_date": "2026-06-01", "decision_date": "2026-06-15", "outcome": "A",
            "amendment_notice_date": "2026-06-20", **extra}


def test_c_a_mapped_column_blank_this_month_is_evaluated_as_not_done_yet():
    ds = dataset({**REVIEWED, "review": [_review(final_amended_date=None)]})
    assert ("review", "final_amended_date") in ds.mapped
    result = check([], AS_AT, dataset=ds)
    assert "AMEND-FINAL-8W" not in result.not_evaluated
    assert _finding(result, "AMEND-FINAL-8W", "R1")["status"] == "overdue"  # due 15 Aug 2026


def test_c_an_unmapped_field_is_not_evaluated():
    result = check([], AS_AT, dataset=dataset({**REVIEWED, "review": [_review()]}))
    assert "no input has final_amended_date" in result.not_evaluated["AMEND-FINAL-8W"]
    assert not (result.findings["rule_id"] == "AMEND-FINAL-8W").any()


def test_c_profile_columns_and_sen2_items_are_recorded_as_mapped(tmp_path):
    from checker.readers import load_inputs

    csv = tmp_path / "reviews.csv"
    csv.write_text("Plan Ref,Meeting,Final Amended Plan\r\nR1,01/06/2026,\r\n", encoding="utf-8")
    profile = tmp_path / "p.yaml"
    profile.write_text('name: p\ndate_formats: ["%d/%m/%Y"]\nsheets:\n  - match: "*reviews*"\n    tables: [review]\n'
                       '    required: [request_id]\n    columns:\n      "Plan Ref": request_id\n'
                       '      "Meeting": meeting_date\n      "Final Amended Plan": final_amended_date\n',
                       encoding="utf-8")
    ds = load_inputs([csv], profile)
    assert ("review", "final_amended_date") in ds.mapped and ds.table("review")["final_amended_date"].isna().all()
    assert "final_amended_date" in supplied_fields(ds)
    sen2 = load_inputs([LAW / "backlog-2026.xml"])
    assert {"phase_transfer_final_date", "decision_date", "cease_date"} <= supplied_fields(sen2)
    assert "final_amended_date" not in supplied_fields(sen2)  # no SEN2 item holds it
    assert "AMEND-FINAL-8W" in rules_without_data(RULES, supplied_fields(sen2))


# --- d. the statutory deadline is always computed from the law ------------------------------------------------
# Broken on purpose: PHASE-TRANSFER-15FEB's deadline put back to [{field: phase_transfer_due_date}, {fixed: ...}]:
# the field-deadline test and the recorded-date test failed.

def test_d_no_deadline_is_a_date_the_council_recorded():
    """A `field` deadline may only name a date the checker derives from the law (views.py), never a canonical
    field an input holds; a recorded due date goes in `recorded_due`, shown beside the statutory one."""
    from checker.engine.vocabulary import as_list

    canonical = {f.name for t in TABLES.values() for f in t.fields}
    for rule in RULES:
        for spec in as_list(rule.clock.get("deadline")) + as_list(rule.clock.get("earliest")):
            if "field" in spec:
                subject = SUBJECTS[rule.applies_to]
                derived = set(subject.derived) | (set(SUBJECTS[subject.extends].derived) if subject.extends else set())
                assert spec["field"] in derived and spec["field"] not in canonical, (rule.id, spec)


@pytest.mark.parametrize("engine", ENGINES)
def test_d_a_recorded_due_date_is_shown_beside_and_a_difference_is_a_query(engine):
    result = _run([LAW / "backlog-2026.xml"], engine)
    dune = _finding(result, "PHASE-TRANSFER-15FEB", "V999000000004")  # recorded 15 Feb 2027: agrees
    assert dune["due_date"] == pd.Timestamp("2027-02-14") and "15 Feb 2027 agrees" in dune["note"]
    elm = _finding(result, "PHASE-TRANSFER-15FEB", "J999000000005")  # recorded 15 Feb 2026: an earlier transfer
    assert elm["due_date"] == pd.Timestamp("2027-02-14") and elm["status"] == "pending"
    assert "15 Feb 2026 differs" in elm["note"]
    query = _issues(result, "DUE-DATE-DIFFERS")
    assert query["record_id"].tolist() == [elm["record_id"]] and (query["severity"] == "query").all()
    assert query.iloc[0]["row"] != "" and query.iloc[0]["file"] == "backlog-2026.xml"


def test_d_a_recorded_15_february_does_not_make_15_february_on_time():
    rule = next(r for r in RULES if r.id == "PHASE-TRANSFER-15FEB")
    record = {"transfer_kind": "primary_to_secondary", "transfer_year": 2026, "transfer_date": "2026-09-01",
              "phase_transfer_due_date": "2026-02-15", "phase_transfer_final_date": "2026-02-15"}
    for engine in ENGINES:
        found = run_one(rule, record, "2026-06-30", engine=engine)
        assert found["status"].iloc[0] == "late" and found["due_date"].iloc[0] == pd.Timestamp("2026-02-14")
        assert "agrees with the statutory date" in found["note"].iloc[0]  # "before 15 February" as recorded


# --- e. an event dated after the as-at date is not counted as done --------------------------------------------
# Broken on purpose: the "dates > as_at" test dropped from facts.stop_dates: the future-dated stops counted as
# done and this failed for every rule with a stop.

def _examples_with_a_stop():
    for rule in RULES:
        # A rule whose applicability reads its own stop (the no-plan notice is both what triggers
        # TRIB-ORDER-NOPLAN-10W and what stops it) is checked below, not here.
        reads_stop = {f for c in rule.when for f in condition_fields(c)} & set(_stop_fields(rule) if
                                                                               rule.clock.get("stop") else [])
        if rule.clock.get("stop") and not reads_stop:
            ex = next((e for e in rule.examples
                       if e["expect"] in ("compliant", "late") and not e.get("settings")), None)
            if ex:
                yield pytest.param(rule, ex, id=f"{rule.id}: {ex['name']}")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("rule,example", list(_examples_with_a_stop()))
def test_e_a_future_dated_stop_is_judged_as_if_blank(rule, example, engine):
    as_at = pd.Timestamp(example["as_at"])
    blank = {**example["record"], **{name: None for name in _stop_fields(rule)}}
    future = {**example["record"], **{name: (as_at + pd.Timedelta(days=1)).date() for name in _stop_fields(rule)}}
    want = run_one(rule, blank, as_at, engine=engine)
    got = run_one(rule, future, as_at, engine=engine)
    assert got["status"].tolist() == want["status"].tolist()
    if got["status"].iloc[0] != "excepted":
        assert "after the as-at date" in got["note"].iloc[0] and pd.isna(got["stopped_date"].iloc[0])


@pytest.mark.parametrize("engine", ENGINES)
def test_e_a_future_notice_that_also_triggers_the_duty_is_not_done(engine):
    rule = next(r for r in RULES if r.id == "TRIB-ORDER-NOPLAN-10W")
    record = {"order_type": "assess", "order_date": "2025-03-03", "no_plan_notice_date": "2026-01-01"}
    found = run_one(rule, record, "2025-12-31", engine=engine).iloc[0]
    assert found["status"] == "overdue" and "not counted as done" in found["note"]


def test_e_the_date_future_query_stays_beside_it():
    ds = dataset({**REVIEWED, "review": [_review(decision_date="2026-12-04", outcome=None,
                                                 amendment_notice_date=None, meeting_date="2026-11-10")]})
    result = check([], AS_AT, dataset=ds)
    f = _finding(result, "REVIEW-DECISION-4W", "R1")
    assert f["status"] == "due_soon" and "not counted as done" in f["note"]  # due 8 Dec 2026
    assert not _issues(result, "DATE-FUTURE").empty


# --- f. responsibility: a child who moved away; a plan that moved in -------------------------------------------
# Broken on purpose: the Exported exception removed from EHC-DECISION-6W, and REVIEW-12M's deadline put back to
# {months: 12}: Cedar came back overdue and the transferred plan overdue from 2 April.

@pytest.mark.parametrize("engine", ENGINES)
def test_f_a_child_who_moved_before_the_decision_is_not_counted_against_the_old_la(engine):
    result = _run([LAW / "backlog-2026.xml"], engine)
    cedar = _finding(result, "EHC-DECISION-6W", "F999000000003")
    assert cedar["status"] == "excepted" and "Exported" in cedar["exception"]


@pytest.mark.parametrize("engine", ENGINES)
def test_f_a_plan_transferred_in_is_due_by_the_later_of_12_and_3_months(engine):
    """Reg 15(5), the audit's fixture record: last review 2 Apr 2025, transfer 11 Feb 2026: due 10 May 2026."""
    ds = dataset({**REVIEWED, "named_plan": [{"request_id": "R1", "start_date": "2020-05-18"}],
                  "active_plan": [{"request_id": "R1", "last_review": "2025-04-02", "transfer_la": "888",
                                   "transfer_in_date": "2026-02-11"}]})
    rule = next(r for r in RULES if r.id == "REVIEW-12M")
    from checker.engine.views import build_views

    for as_at, status in (("2026-04-02", "pending"), ("2026-05-10", "due_soon"), ("2026-05-11", "overdue")):
        plan = build_views(ds, pd.Timestamp(as_at))["plan"]
        found = findings_for(rule, plan, pd.Timestamp(as_at), Settings(), engine)
        assert found["status"].tolist() == [status] and found["due_date"].iloc[0] == pd.Timestamp("2026-05-10")


# --- phase transfer: the Year 11 reading is a setting, tested both ways ---------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
def test_year11_destination_unknown_is_at_risk_by_default_and_a_breach_under_every_year11(engine):
    rule = next(r for r in RULES if r.id == "PHASE-TRANSFER-31MAR")
    record = {"transfer_kind": "secondary_to_post16", "transfer_year": 2026, "transfer_date": "2026-09-01"}
    lenient = run_one(rule, record, "2026-06-30", engine=engine).iloc[0]
    assert lenient["status"] == "insufficient_data" and pd.isna(lenient["days_late"])
    assert lenient["note"].startswith("at risk, not counted as a breach") and "overdue since 31 Mar 2026" in \
        lenient["note"]
    strict = run_one(rule, record, "2026-06-30", {"year11_transfer": "every_year11"}, engine).iloc[0]
    assert strict["status"] == "overdue" and "counted as owed under year11_transfer=every_year11" in strict["note"]
    school = {**record, "post16_destination": "school"}
    assert run_one(rule, school, "2026-06-30", engine=engine).empty
    assert run_one(rule, school, "2026-06-30", {"year11_transfer": "every_year11"}, engine)["status"].tolist() == \
        ["overdue"]
