"""Each data-quality check on a clean record (no issue) and on a record that breaks it."""

from __future__ import annotations

import copy
import datetime as dt

import pandas as pd
import pytest
from builders import dataset

from checker.dataset import ERROR, QUERY, Dataset
from checker.quality import all_checks, catalogue_markdown, check_dataset, checks_catalogue, upn_check_letter

AS_AT = dt.date(2025, 10, 1)


def valid_upn(body: str = "801200005001") -> str:
    return upn_check_letter(pd.Series([body])).iloc[0] + body


CLEAN = {
    "person": [{"person_id": "P1", "birth_date": "2015-03-01", "upn": valid_upn(), "sex": "M"}],
    "request": [{"request_id": "R1", "person_id": "P1", "received_date": "2024-01-08", "request_outcome": "Y",
                 "request_outcome_date": "2024-02-12", "rya": "0", "request_source": "1"}],
    "assessment": [{"request_id": "R1", "assessment_outcome": "Y", "assessment_outcome_date": "2024-05-20",
                    "week20": "0"}],
    "named_plan": [{"request_id": "R1", "start_date": "2024-05-20"}],
    "plan_detail": [{"request_id": "R1", "placement_rank": "1", "urn": "123456"}],
    "active_plan": [{"request_id": "R1", "review_meeting": "2025-05-01", "last_review": "2025-05-20",
                     "review_outcome": "M"}],
    "placement": [{"request_id": "R1", "placement_rank": "1", "urn": "123456", "entry_date": "2024-09-01"}],
    "sen_need": [{"request_id": "R1", "sen_type": "ASD", "sen_type_rank": "1"}],
    "review": [{"request_id": "R1", "meeting_date": "2025-05-01", "decision_date": "2025-05-20", "outcome": "M"}],
}


build = dataset  # the shared builder, under the name these tests read best with


def run(changes=None, add=None, drop=(), header=None, as_at=AS_AT):
    tables = copy.deepcopy(CLEAN)
    for name in drop:
        tables.pop(name)
    for (name, i), values in (changes or {}).items():
        tables[name][i].update(values)
    for name, rows in (add or {}).items():
        tables.setdefault(name, []).extend(rows)
    ds = build(tables, header)
    return ds, check_dataset(ds, as_at)


def ids(result, table=None):
    return sorted({i.issue_id for i in result.issues if table is None or i.table == table})


def test_clean_record_has_no_issues_and_nothing_rejected():
    _, result = run()
    assert result.issues == []
    assert all(not s.any() for s in result.rejected.values())
    assert set(result.rejected) == set(CLEAN)


# (description, changes, additions, expected issue id, table, severity)
FAILING = [
    ("required id missing", {("request", 0): {"person_id": None}}, None, "REQUIRED-MISSING", "request", ERROR),
    ("key field missing", None, {"review": [{"request_id": "R1", "decision_date": "2025-05-20"}]},
     "REQUIRED-MISSING", "review", ERROR),
    ("key date missing on the only row", {("placement", 0): {"entry_date": None}},
     {"placement": [{"request_id": "R2", "placement_rank": "1", "urn": "123456", "entry_date": "2024-09-01"}],
      "request": [{"request_id": "R2", "person_id": "P1", "received_date": "2025-01-06", "request_outcome": "A"}]},
     "KEY-PART-MISSING", "placement", QUERY),
    ("rank missing on one of two", None, {"plan_detail": [{"request_id": "R1", "urn": "654321"}]},
     "REQUIRED-MISSING", "plan_detail", ERROR),
    ("rank missing on the only row", {("sen_need", 0): {"sen_type_rank": None}},
     {"sen_need": [{"request_id": "R2", "sen_type": "MLD", "sen_type_rank": "1"}],
      "request": [{"request_id": "R2", "person_id": "P1", "received_date": "2025-01-06", "request_outcome": "A"}]},
     "RANK-MISSING", "sen_need", QUERY),
    ("empty text counts as missing", {("person", 0): {"person_id": ""}}, None, "REQUIRED-MISSING", "person", ERROR),
    ("code not in list", {("sen_need", 0): {"sen_type": "AUT"}}, None, "CODE-INVALID", "sen_need", ERROR),
    ("flag not 1/0", {("assessment", 0): {"week20": "yes"}}, None, "FLAG-INVALID", "assessment", ERROR),
    ("duplicate request", None, {"request": [dict(CLEAN["request"][0])]}, "DUPLICATE-KEY", "request", ERROR),
    ("orphan request", {("request", 0): {"person_id": "P404"}}, None, "ORPHAN", "request", ERROR),
    ("orphan child", None, {"named_plan": [{"request_id": "R404", "start_date": "2024-05-20"}]}, "ORPHAN",
     "named_plan", ERROR),
    ("G1 received date missing", {("request", 0): {"received_date": None}}, None, "RECEIVED-DATE-MISSING",
     "request", ERROR),
    ("G2 decision date missing", {("request", 0): {"request_outcome_date": None}}, None,
     "REQUEST-OUTCOME-DATE-MISSING", "request", ERROR),
    ("G5 outcome date missing", {("assessment", 0): {"assessment_outcome_date": None}}, None,
     "ASSESSMENT-OUTCOME-DATE-MISSING", "assessment", ERROR),
    ("decision before request", {("request", 0): {"request_outcome_date": "2024-01-01"}}, None, "DATE-ORDER",
     "request", ERROR),
    ("plan before request", {("assessment", 0): {"assessment_outcome_date": "2023-12-01"}}, None, "DATE-ORDER",
     "assessment", ERROR),
    ("ceased before start", {("named_plan", 0): {"cease_date": "2024-01-01"}}, None, "DATE-ORDER", "named_plan",
     ERROR),
    ("left before entry", {("placement", 0): {"leaving_date": "2024-08-01"}}, None, "DATE-ORDER", "placement",
     ERROR),
    ("review decision before meeting", {("review", 0): {"decision_date": "2025-04-01"}}, None, "DATE-ORDER",
     "review", ERROR),
    ("born after request", {("person", 0): {"birth_date": "2024-06-01"}}, None, "DATE-ORDER", "request", ERROR),
    ("active plan last review before meeting", {("active_plan", 0): {"last_review": "2025-04-01"}}, None,
     "DATE-ORDER-QUERY", "active_plan", QUERY),
    ("date in the future", {("active_plan", 0): {"review_meeting": "2025-12-01", "last_review": "2025-12-05"}},
     None, "DATE-FUTURE", "active_plan", QUERY),
    ("born after as-at", {("person", 0): {"birth_date": "2026-01-01"}}, None, "AGE-NEGATIVE", "person", ERROR),
    ("aged 26 with a live plan", {("person", 0): {"birth_date": "1999-01-01"}}, None, "AGE-26-PLUS", "person",
     QUERY),
    ("aged 26 when first asked about", {("person", 0): {"birth_date": "1997-12-01"}}, None, "AGE-IMPLAUSIBLE",
     "person", ERROR),
    ("aged 25", {("person", 0): {"birth_date": "2000-01-01"}}, None, "AGE-25", "person", QUERY),
    ("UPN wrong shape", {("person", 0): {"upn": "A12345"}}, None, "UPN-FORMAT", "person", QUERY),
    ("UPN wrong check letter", {("person", 0): {"upn": "Z801200005001"}}, None, "UPN-CHECK-LETTER", "person",
     QUERY),
    ("temporary UPN", {("person", 0): {"upn": valid_upn("80120000501A")}}, None, "UPN-TEMPORARY", "person", QUERY),
    ("ULN wrong check digit", {("person", 0): {"uln": "1234567890"}}, None, "ULN-CHECK-DIGIT", "person", QUERY),
    ("ULN not 10 digits", {("person", 0): {"uln": "12345678"}}, None, "ULN-FORMAT", "person", QUERY),
    ("no UPN, ULN or reason", {("person", 0): {"upn": None}}, None, "IDENTIFIER-MISSING", "person", QUERY),
    ("reason with UPN", {("person", 0): {"upn_unknown": "UN1"}}, None, "UPN-UNKNOWN-WITH-UPN", "person", QUERY),
    ("URN not 6 digits", {("plan_detail", 0): {"urn": "12345"}}, None, "URN-FORMAT", "plan_detail", QUERY),
    ("UKPRN not 8 digits", {("placement", 0): {"urn": None, "ukprn": "1234"}}, None, "UKPRN-FORMAT", "placement",
     QUERY),
    ("no setting", {("placement", 0): {"urn": None}}, None, "SETTING-NOT-ONE", "placement", ERROR),
    ("setting type as well as a URN", {("plan_detail", 0): {"sen_setting": "OTH"}}, None, "SETTING-NOT-ONE",
     "plan_detail", ERROR),
    ("other setting without detail", {("placement", 0): {"urn": None, "sen_setting": "OTH"}}, None,
     "SETTING-OTHER-DETAIL-MISSING", "placement", QUERY),
    ("G2 refused but assessed", {("request", 0): {"request_outcome": "N"}}, None,
     "REQUEST-UNDECIDED-HAS-ASSESSMENT", "assessment", QUERY),
    ("G3 exported but planned", {("request", 0): {"exported": "201"}}, None, "EXPORTED-HAS-LATER-DATA",
     "named_plan", QUERY),
    ("G4 undecided but planned", {("assessment", 0): {"assessment_outcome": "A",
                                                      "assessment_outcome_date": None}}, None,
     "ASSESSMENT-UNDECIDED-HAS-PLAN", "named_plan", QUERY),
    ("need without primary", {("sen_need", 0): {"sen_type_rank": "2"}}, None, "SEN-NEED-NO-PRIMARY", "sen_need",
     QUERY),
    ("no date of birth", {("person", 0): {"birth_date": None}},
     {"person": [{"person_id": "P2", "birth_date": "2014-01-01", "upn_unknown": "UN1"}]}, "BIRTH-DATE-MISSING",
     "person", QUERY),
    ("last review before the plan was made", {("active_plan", 0): {"review_meeting": "2024-01-10",
                                                                   "last_review": "2024-02-01"}}, None,
     "DATE-ORDER-QUERY", "active_plan", QUERY),
    ("plan in force without a type of need", None,
     {"request": [{"request_id": "R2", "person_id": "P1", "received_date": "2024-03-01", "request_outcome": "Y",
                   "request_outcome_date": "2024-04-01"}],
      "named_plan": [{"request_id": "R2", "start_date": "2024-08-01"}]}, "PRIMARY-NEED-MISSING", "named_plan",
     QUERY),
    ("plan in force whose placement has ended", {("placement", 0): {"leaving_date": "2025-07-20"}}, None,
     "PLACEMENT-MISSING", "active_plan", QUERY),
    ("plan in force with no date it was made", {("named_plan", 0): {"start_date": None},
                                                ("assessment", 0): {"assessment_outcome_date": None}}, None,
     "PLAN-DATE-MISSING", "active_plan", QUERY),
]


@pytest.mark.parametrize("what,changes,add,issue_id,table,severity", FAILING, ids=[f[0] for f in FAILING])
def test_check_fails_on_bad_row(what, changes, add, issue_id, table, severity):
    _, result = run(changes, add)
    hits = [i for i in result.issues if i.issue_id == issue_id and i.table == table]
    assert hits, f"{issue_id} not raised; got {ids(result)}"
    issue = hits[0]
    assert issue.severity == severity
    assert issue.file == "extract.xlsx" and issue.sheet == table.title() and issue.row is not None
    assert issue.message.startswith(issue.location() + ": ")
    if severity == ERROR:
        assert result.rejected[table].iloc[issue.row - 2]
        assert result.reasons[table].iloc[issue.row - 2] is not None
    else:
        assert not result.rejected[table].any(), "a query must not reject the row"


def test_every_check_in_the_catalogue_is_exercised_or_documented():
    tested = {f[3] for f in FAILING} | {"PARENT-REJECTED", "DATE-INVALID", "ATTENDANCE-PATTERN-MISSING",
                                        "OTHER-CODE-FREQUENT", "UPN-DUPLICATE",
                                        "DUE-DATE-DIFFERS",  # raised after the rules: test_engine_principles.py
                                        "SEN2-CODE-NOT-IN-YEAR"}  # tests/test_sen2_years.py
    assert {c.issue_id for c in all_checks() if c.module.startswith("checker.quality.")} <= tested


def test_message_names_file_sheet_row_and_column():
    _, result = run({("request", 0): {"request_outcome": "y"}})
    (issue,) = [i for i in result.issues if i.issue_id == "CODE-INVALID"]
    assert issue.message == ('extract.xlsx, sheet "Request", row 2, column "request_outcome": "y" is not a valid '
                             'request_outcome code; expected one of Y, N, A, W, H (codes are exact: use "Y").')
    assert issue.record_id == "R1" and issue.value == "y"


def test_duplicate_keeps_first_rejects_copy_and_names_first_row():
    _, result = run(add={"request": [dict(CLEAN["request"][0])]})
    assert result.rejected["request"].tolist() == [False, True]
    (issue,) = [i for i in result.issues if i.issue_id == "DUPLICATE-KEY"]
    assert issue.row == 3 and "repeats row 2" in issue.message


def test_composite_key_duplicates():
    extra = {"request_id": "R1", "placement_rank": "2", "urn": "654321", "entry_date": "2024-09-01"}
    _, ok = run(add={"placement": [extra]})
    assert "DUPLICATE-KEY" not in ids(ok)
    _, dup = run(add={"placement": [dict(extra, placement_rank="1")]})
    assert dup.rejected["placement"].tolist() == [False, True]


def test_rejected_request_rejects_its_children_but_not_others():
    second = {"request_id": "R2", "person_id": "P1", "received_date": "2024-03-01", "request_outcome": "A"}
    _, result = run({("request", 0): {"received_date": None}}, add={"request": [second],
                                                                   "assessment": [{"request_id": "R2"}]})
    assert result.reasons["request"].tolist() == ["RECEIVED-DATE-MISSING", None]
    assert result.reasons["assessment"].tolist() == ["PARENT-REJECTED", None]
    for name in ("named_plan", "plan_detail", "active_plan", "placement", "sen_need", "review"):
        assert result.reasons[name].tolist() == ["PARENT-REJECTED"], name


def test_rejected_person_rejects_their_requests():
    _, result = run({("person", 0): {"birth_date": "1990-01-01"}})
    assert result.reasons["person"].tolist() == ["AGE-IMPLAUSIBLE"]
    assert result.reasons["request"].tolist() == ["PARENT-REJECTED"]
    assert result.rejected["review"].all()


def test_kept_first_copy_keeps_children_alive():
    _, result = run(add={"request": [dict(CLEAN["request"][0])]})
    assert not result.rejected["assessment"].any()


def test_orphans_not_checked_when_parent_table_not_supplied():
    _, result = run(drop=["person"])
    assert "ORPHAN" not in ids(result)
    _, result = run(drop=["request"])
    assert "ORPHAN" not in ids(result)


def test_historical_request_may_leave_received_date_blank():
    _, result = run({("request", 0): {"request_outcome": "H", "received_date": None,
                                       "request_outcome_date": None}})
    assert "RECEIVED-DATE-MISSING" not in ids(result)
    assert "REQUEST-OUTCOME-DATE-MISSING" not in ids(result)


def test_undecided_assessment_needs_no_date():
    _, result = run({("assessment", 0): {"assessment_outcome": "A", "assessment_outcome_date": None}},
                    drop=["named_plan", "plan_detail", "active_plan", "placement", "sen_need", "review"])
    assert ids(result) == []


def test_age_judged_at_cease_date_when_every_plan_has_ceased():
    born = {("person", 0): {"birth_date": "1999-03-01"}}  # 26 on the as-at date, 25 when the plan ceased
    _, open_plan = run(born)
    assert "AGE-26-PLUS" in ids(open_plan)
    _, ceased = run({**born, ("named_plan", 0): {"cease_date": "2024-07-31", "cease_reason": "1"}})
    assert "AGE-26-PLUS" not in ids(ceased) and "AGE-25" in ids(ceased)


def test_age_boundaries_on_birthday():
    _, day_before = run({("person", 0): {"birth_date": "1999-10-02"}})
    assert "AGE-25" in ids(day_before) and "AGE-26-PLUS" not in ids(day_before)
    _, birthday = run({("person", 0): {"birth_date": "1999-10-01"}})
    assert "AGE-26-PLUS" in ids(birthday)


# Principle 2a of issue 15: a data check never hides a possible breach. A plan live at 26 or over, or one that
# ran past the 26th birthday before it ceased, is the breach (CFA s46, reg 46): the person is queried, not
# rejected, and reaches the rules. Breaking it (AGE-26-PLUS back to an error, or rejecting on age alone) fails here.

def test_live_plan_at_26_is_a_query_and_the_record_is_kept():
    _, result = run({("person", 0): {"birth_date": "1999-01-01"}})  # 26 on 1 Jan 2025, live plan on 1 Oct 2025
    hit = [i for i in result.issues if i.issue_id == "AGE-26-PLUS"]
    assert hit and hit[0].severity == QUERY
    assert "live plan" in hit[0].message and "s46" in hit[0].message
    assert not any(s.any() for s in result.rejected.values())


def test_plan_ceased_after_the_26th_birthday_is_kept_and_queried():
    ran_on = {("person", 0): {"birth_date": "1999-03-01"},  # 26 on 1 Mar 2025; plan ceased 20 Jun 2025
              ("named_plan", 0): {"cease_date": "2025-06-20", "cease_reason": "1"}}
    _, result = run(ran_on)
    hit = [i for i in result.issues if i.issue_id == "AGE-26-PLUS"]
    assert hit and "ceased" in hit[0].message
    assert not any(s.any() for s in result.rejected.values())


def test_thirty_with_a_live_plan_is_still_evaluated():
    """An age alone is never implausible enough to hide a plan kept years past the limit: asked about at 23,
    30 at the run with the plan still live, the person is queried and kept."""
    _, kept = run({("person", 0): {"birth_date": "1995-02-01"}, ("request", 0): {"received_date": "2018-01-08"}})
    assert "AGE-26-PLUS" in ids(kept) and "AGE-IMPLAUSIBLE" not in ids(kept)
    assert not kept.rejected["person"].any() and not kept.rejected["named_plan"].any()


def test_request_received_at_26_contradicts_the_date_of_birth():
    _, at_26 = run({("person", 0): {"birth_date": "1998-01-08"}})  # 26 on the day the request was received
    assert "AGE-IMPLAUSIBLE" in ids(at_26) and at_26.rejected["person"].all()
    _, day_before = run({("person", 0): {"birth_date": "1998-01-09"}})  # 25 that day: the request can stand
    assert "AGE-IMPLAUSIBLE" not in ids(day_before) and not day_before.rejected["person"].any()
    assert "AGE-26-PLUS" in ids(day_before)


def test_no_plan_judged_at_the_latest_request():
    only_asked = {("person", 0): {"birth_date": "1999-03-01"}, ("request", 0): {"request_outcome": "N"}}
    _, result = run(only_asked, drop=["assessment", "named_plan", "plan_detail", "active_plan", "placement",
                                      "sen_need", "review"])
    assert "AGE-26-PLUS" not in ids(result) and "AGE-IMPLAUSIBLE" not in ids(result)
    assert not result.rejected["request"].any()


def test_duplicate_upn_across_people():
    other = {"person_id": "P2", "birth_date": "2014-01-01", "upn": valid_upn()}
    _, result = run(add={"person": [other]})
    dup = [i for i in result.issues if i.issue_id == "UPN-DUPLICATE"]
    assert [i.record_id for i in dup] == ["P1", "P2"] and not result.rejected["person"].any()


def test_attendance_pattern_only_for_2023_and_compulsory_school_age():
    _, other_year = run(header={"Year": "2025"})
    assert "ATTENDANCE-PATTERN-MISSING" not in ids(other_year)
    _, y2023 = run(header={"Year": "2023"}, as_at=dt.date(2023, 1, 19))
    assert "ATTENDANCE-PATTERN-MISSING" in ids(y2023)
    _, filled = run({("placement", 0): {"attendance_pattern": "FT"}}, header={"Year": "2023"},
                    as_at=dt.date(2023, 1, 19))
    assert "ATTENDANCE-PATTERN-MISSING" not in ids(filled)


def test_frequent_other_codes_raise_one_table_query():
    people = [{"person_id": f"P{i}", "birth_date": "2015-01-01", "upn_unknown": "UN1"} for i in range(2, 32)]
    requests = [{"request_id": f"R{i}", "person_id": f"P{i}", "received_date": "2025-01-06",
                 "request_outcome": "A", "request_source": "5" if i < 10 else "1"} for i in range(2, 32)]
    _, result = run(add={"person": people, "request": requests})
    (issue,) = [i for i in result.issues if i.issue_id == "OTHER-CODE-FREQUENT"]
    assert issue.table == "request" and issue.row is None and "8 of 31 rows" in issue.message
    assert not result.rejected["request"].any()


def test_date_column_left_as_text_is_parsed_or_reported():
    ds = build(copy.deepcopy(CLEAN))
    ds.tables["request"]["received_date"] = pd.Series(["31/02/2024"], dtype=object)
    result = check_dataset(ds, AS_AT)
    assert result.reasons["request"].tolist() == ["DATE-INVALID"]


def test_dataset_is_not_changed():
    ds, _ = run({("request", 0): {"request_outcome": "y"}})
    before = {n: f.copy() for n, f in ds.tables.items()}
    check_dataset(ds, AS_AT)
    for name, frame in ds.tables.items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_deterministic_issue_order():
    changes = {("request", 0): {"request_outcome": "y"}, ("person", 0): {"upn": "bad"}}
    _, a = run(changes)
    _, b = run(changes)
    assert [i.as_dict() for i in a.issues] == [i.as_dict() for i in b.issues]


def test_source_header_named_in_column_when_known():
    ds, _ = run()
    ds.tables["request"].loc[0, "request_outcome"] = "Q"
    ds.source_headers = {("extract.xlsx", "Request", "request_outcome"): "Decision to assess"}
    (issue,) = [i for i in check_dataset(ds, AS_AT).issues if i.issue_id == "CODE-INVALID"]
    assert issue.column == "Decision to assess (request_outcome)"


def test_empty_dataset():
    result = check_dataset(Dataset(), AS_AT)
    assert result.issues == [] and result.rejected == {}


def test_catalogue_lists_every_check_with_source():
    cat = checks_catalogue()
    assert [c["issue_id"] for c in cat] == [c.issue_id for c in all_checks()]
    assert len({c["issue_id"] for c in cat}) == len(cat)
    assert all(c["severity"] in (ERROR, QUERY) and c["description"] and c["source"] and c["action"] for c in cat)
    text = catalogue_markdown()
    assert all(f"`{c['issue_id']}`" in text for c in cat)


def test_no_rank_column_at_all_is_one_table_query_and_taken_as_primary():
    _, result = run({("sen_need", 0): {"sen_type_rank": None}, ("plan_detail", 0): {"placement_rank": None}})
    ranks = [i for i in result.issues if i.issue_id == "RANK-MISSING"]
    assert sorted(i.table for i in ranks) == ["plan_detail", "sen_need"] and all(i.row is None for i in ranks)
    assert "SEN-NEED-NO-PRIMARY" not in ids(result)
    assert not any(s.any() for s in result.rejected.values())


def test_reader_error_rejects_its_row_without_a_second_issue():
    from checker.dataset import DataIssue

    ds, _ = run()
    ds.tables["request"].loc[0, "received_date"] = pd.NaT
    ds.issues.append(DataIssue("DATE-NOT-A-DATE", ERROR, "...", "extract.xlsx", "Request", 2, "Date Received",
                               "31/02/2024", "request", "R1"))
    result = check_dataset(ds, AS_AT)
    assert result.reasons["request"].tolist() == ["DATE-NOT-A-DATE"]
    assert "RECEIVED-DATE-MISSING" not in ids(result)
    assert result.reasons["assessment"].tolist() == ["PARENT-REJECTED"]


def test_cascade_is_explained_once_on_the_parent_row():
    _, result = run({("request", 0): {"received_date": None}})
    notes = [i for i in result.issues if i.issue_id == "PARENT-REJECTED"]
    assert len(notes) == 1 and notes[0].table == "request" and notes[0].row == 2
    assert notes[0].message.endswith(
        'request "R1" is rejected (RECEIVED-DATE-MISSING), so its assessment, named plan, plan detail, active '
        "plan, placement, sen need, review are not evaluated either.")


def test_sen2_2023_review_without_meeting_date_is_kept():
    _, result = run({("review", 0): {"meeting_date": None}})
    (note,) = [i for i in result.issues if i.issue_id == "KEY-PART-MISSING"]
    assert note.row is None and "meeting_date is not given" in note.message
    assert not result.rejected["review"].any()


def test_table_missing_columns_and_provenance_does_not_crash():
    ds = Dataset()
    ds.tables["request"] = pd.DataFrame({"request_id": ["R1", "R1"], "person_id": ["P1", None]})
    result = check_dataset(ds, AS_AT)
    assert result.reasons["request"].tolist() == [None, "REQUIRED-MISSING"]
    issue = next(i for i in result.issues if i.issue_id == "REQUIRED-MISSING")
    assert issue.row is None and issue.message.startswith('input, column "person_id": ')
