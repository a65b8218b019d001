"""A council's first real file: the inspection's Annex A list 1 and the Standard Safeguarding Dataset's EHC tables,
checked with no hand-written profile; the profile language they need (derived keys, one column feeding several
fields, constants, translations with Annex A's lettered codes); headings typed with Alt+Enter; first-run help.

Every file here is written by the test, shaped like the real ones (headings as the inspection's template and
data-to-insight's validator and SSD write them); none is copied."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import yaml
from builders import cli, csv_file, workbook

from checker.dataset import InputError
from checker.feeds import _NOT_INPUTS, DERIVED_FROM, derived_fields_declared, rules_by_field
from checker.first_run import first_run_help
from checker.model import data_dictionary_markdown
from checker.readers import choose_profile
from checker.readers.extract import read_extract
from checker.readers.profile import draft_profile, load_profile, parse_profile
from checker.run import check
from checker.writing import write

ROOT = Path(__file__).resolve().parent.parent
AS_AT = dt.date(2026, 10, 31)

LIST_1 = ["Unique ID", "UPN", "ULN", "Date of birth", "Gender", "Ethnicity", "Date initial EHC plan issued",
          "Date updated EHC plan issued", "Date EHC plan\nlast reviewed", "SEN primary need",
          "Main education establishment – URN", "Main education establishment – phase",
          "Subsidiary education establishment – phase (dual registration)", "Elective home education",
          "Suspensions", "Permanent exclusions", "Absence", "Pupil Premium", "Known to children's social care?",
          "Which children's social care team?", "Does the child or young person have a disability?"]
TITLE = [["Anyshire County Council - area SEND inspection"], ["Annex A, list 1: children and young people with an "
                                                              "EHC plan"], ["OFFICIAL-SENSITIVE"], []]


def child(uid, born, initial, *, updated=None, reviewed=None, gender="a) Male", need="k) ASD", urn="100001",
          phase="b) Primary", ehe="b) No"):
    """One row of list 1; dates as the cell would hold them (date cells, or dd/mm/yyyy text)."""
    return [uid, None, None, born, gender, "a) WBRI", initial, updated, reviewed, need, urn, phase, None, ehe, 0, 0,
            4.5, "b) No", "b) No", None, "b) No"]


# As at 31 October 2026. The 12 months "starting with" a date end the day before its anniversary.
CHILDREN = [
    child("R-LATE", dt.date(2014, 5, 1), dt.date(2022, 3, 1), reviewed=dt.date(2025, 10, 31)),  # due 30 Oct 2026
    child("R-LASTDAY", "01/05/2014", "01/03/2022", reviewed="01/11/2025"),  # due 31 Oct 2026: not yet late
    child("P-LATE", dt.date(2013, 2, 3), "31/10/2025"),  # never reviewed: 12 months from the plan, due 30 Oct
    child("P-LASTDAY", dt.date(2013, 2, 3), dt.date(2025, 11, 1), gender="b) Female", need="f) SLCN"),
    child("YP-PAST-25", "31/08/2001", dt.date(2019, 6, 1), reviewed=dt.date(2026, 6, 1), urn=None,
          phase="i) FE college"),  # 25 in school year 2025/26: plan should have ended 31 Aug 2026
    child("YP-25-NEXT", "01/09/2001", dt.date(2019, 6, 1), reviewed=dt.date(2026, 6, 1), urn=None),
    child("Y6-DONE", dt.date(2016, 3, 10), dt.date(2020, 1, 6), updated=dt.date(2026, 10, 1),
          reviewed=dt.date(2026, 9, 20)),  # Year 6: amended plan already issued this school year
    child("Y6-TODO", dt.date(2016, 4, 12), dt.date(2020, 1, 6), updated=dt.date(2025, 10, 1),
          reviewed=dt.date(2026, 9, 20)),  # Year 6: last year's amendment does not count
    child("Y11-TODO", dt.date(2011, 1, 5), dt.date(2018, 2, 2), reviewed=dt.date(2026, 9, 1),
          gender="c) Not known", ehe="a) Yes", urn=None, phase=None),
]


@pytest.fixture()
def annex(tmp_path) -> Path:
    return workbook(tmp_path / "Annex A 2026.xlsx", [LIST_1, *CHILDREN], title="List 1", preamble=TITLE)


def statuses(result, rule: str) -> dict[str, str]:
    f = result.findings
    return dict(zip(f.loc[f["rule_id"] == rule, "record_id"], f.loc[f["rule_id"] == rule, "status"]))


def test_annex_a_list_1_is_checked_with_no_profile(annex):
    assert choose_profile([annex])[0].name == "annex-a-list1"
    result = check([annex], AS_AT)
    assert result.accounting.set_index("table")["rows_rejected"].sum() == 0
    review = statuses(result, "REVIEW-12M")
    assert review["R-LATE"] == "overdue" and review["R-LASTDAY"] == "due_soon"  # from "Date EHC plan last reviewed"
    assert review["P-LATE"] == "overdue" and review["P-LASTDAY"] == "due_soon"  # from the initial plan date
    assert review["Y6-DONE"] == "pending"
    ceased = statuses(result, "PLAN-CEASE-25")
    assert ceased["YP-PAST-25"] == "overdue" and ceased["YP-25-NEXT"] == "pending"
    assert statuses(result, "PHASE-TRANSFER-15FEB") == {"Y6-DONE": "compliant", "Y6-TODO": "pending"}
    assert statuses(result, "PHASE-TRANSFER-31MAR") == {"Y11-TODO": "pending"}
    people = result.dataset.table("person").set_index("person_id")
    assert people.loc["P-LASTDAY", "sex"] == "F" and people.loc["Y11-TODO", "sex"] == "U"
    needs = result.dataset.table("sen_need").set_index("request_id")
    assert needs.loc["P-LASTDAY", "sen_type"] == "SLCN" and needs.loc["P-LASTDAY", "sen_type_rank"] == "1"
    settings = result.dataset.table("plan_detail").set_index("request_id")
    assert settings.loc["Y11-TODO", "sen_setting"] == "EHE" and pd.isna(settings.loc["R-LATE", "sen_setting"])
    # the Alt+Enter heading is named on one line wherever the checker quotes it
    assert result.dataset.source_headers[("Annex A 2026.xlsx", "List 1", "active_plan", "last_review")] == \
        "Date EHC plan last reviewed"


def test_phase_transfer_on_both_sides_of_15_february(tmp_path):
    rows = [LIST_1,
            child("ON-TIME", dt.date(2016, 3, 10), dt.date(2020, 1, 6), updated="14/02/2027"),
            child("A-DAY-LATE", dt.date(2016, 3, 10), dt.date(2020, 1, 6), updated=dt.date(2027, 2, 15)),
            child("NONE-YET", dt.date(2016, 3, 10), dt.date(2020, 1, 6))]
    path = workbook(tmp_path / "list1.xlsx", rows, title="List 1")
    result = check([path], dt.date(2027, 2, 20))
    assert statuses(result, "PHASE-TRANSFER-15FEB") == {"ON-TIME": "compliant", "A-DAY-LATE": "late",
                                                        "NONE-YET": "overdue"}


def test_annex_a_as_csv_and_with_a_list_2_sheet(tmp_path):
    path = csv_file(tmp_path / "annex_a.csv", [LIST_1, *[[cell.strftime("%d/%m/%Y") if isinstance(cell, dt.date)
                                                          else cell for cell in row] for row in CHILDREN]])
    assert statuses(check([path], AS_AT), "REVIEW-12M")["R-LATE"] == "overdue"

    def list_2(wb, ws):
        other = wb.create_sheet("List 2")
        other.append(["Unique ID", "UPN", "Date of birth", "Gender", "SEN primary need"])
        other.append(["S1", None, "01/01/2015", "a) Male", "e) SEMH"])

    book = workbook(tmp_path / "both.xlsx", [LIST_1, *CHILDREN], title="List 1", edit=list_2)
    result = check([book], AS_AT)
    assert "S1" not in set(result.dataset.table("person")["person_id"])  # SEN support is not read as plans
    assert "SHEET-NOT-READ" in set(result.issues["issue_id"])


def test_unknown_and_lettered_codes_are_issues_naming_the_cell(tmp_path):
    rows = [LIST_1, child("A", dt.date(2014, 1, 1), dt.date(2024, 1, 1), gender="  FEMALE ", need="zz) WHAT"),
            child("B", dt.date(2014, 1, 1), dt.date(2024, 1, 1), gender="Not  known", need="k)asd")]
    result = check([workbook(tmp_path / "l1.xlsx", rows, title="List 1")], AS_AT)
    people = result.dataset.table("person").set_index("person_id")
    assert people.loc["A", "sex"] == "F" and people.loc["B", "sex"] == "U"  # case and spaces do not matter
    bad = result.issues[result.issues["issue_id"] == "CODE-INVALID"]
    assert len(bad) == 1
    issue = bad.iloc[0]
    assert (issue["file"], issue["sheet"], int(issue["row"]), issue["value"]) == ("l1.xlsx", "List 1", 2, "zz) WHAT")
    assert issue["column"].startswith("SEN primary need")
    assert result.dataset.table("sen_need").set_index("request_id").loc["B", "sen_type"] == "ASD"


def test_ssd_shaped_extract(tmp_path):
    files = {
        "ssd_person.csv": [["pers_person_id", "pers_sex", "pers_gender", "pers_ethnicity", "pers_dob",
                            "pers_send_flag"],
                           ["P1", "F", "02", "WBRI", "2014-05-01", "Y"], ["P2", "M", "01", "APKN", "2012-09-03", "Y"]],
        "ssd_send.csv": [["send_table_id", "send_person_id", "send_upn", "send_uln", "upn_unknown"],
                         ["S1", "P1", "", "", "UN2"], ["S2", "P2", "", "", "UN2"]],
        "ssd_ehcp_requests.csv": [["ehcr_ehcp_request_id", "ehcr_send_table_id", "ehcr_ehcp_req_date",
                                   "ehcr_ehcp_req_outcome_date", "ehcr_ehcp_req_outcome"],
                                  ["R1", "S1", "2025-01-10", "2025-02-21", "Y"],
                                  ["R2", "S2", "2025-03-01", "2025-04-20", "Y"], ["R3", "S9", "2025-05-01", "", "A"]],
        "ssd_ehcp_assessment.csv": [["ehca_ehcp_assessment_id", "ehca_ehcp_request_id",
                                     "ehca_ehcp_assessment_outcome_date", "ehca_ehcp_assessment_outcome",
                                     "ehca_ehcp_assessment_exceptions"],
                                    ["A1", "R1", "2025-05-30", "Y", "0"], ["A2", "R2", "2025-09-01", "Y", "0"]],
        "ssd_ehcp_named_plan.csv": [["ehcn_named_plan_id", "ehcn_ehcp_asmt_id", "ehcn_named_plan_start_date",
                                     "ehcn_named_plan_cease_date", "ehcn_named_plan_cease_reason"],
                                    ["N1", "A1", "2025-05-30", "", ""], ["N2", "A2", "2025-09-01", "", ""]],
        "ssd_ehcp_active_plans.csv": [["ehcp_active_ehcp_id", "ehcp_ehcp_request_id",
                                       "ehcp_active_ehcp_last_review_date"],
                                      ["AP1", "R1", "2025-11-01"], ["AP2", "R2", ""]],
        "ssd_sen_need.csv": [["senn_table_id", "senn_active_ehcp_id", "senn_active_ehcp_need_type",
                              "senn_active_ehcp_need_rank"],
                             ["SN1", "AP1", "ASD", "1"], ["SN2", "AP1", "SLCN", "2"], ["SN3", "AP7", "SEMH", "1"]],
    }
    paths = [csv_file(tmp_path / name, rows) for name, rows in files.items()]
    assert choose_profile(paths)[0].name == "ssd-ehcp"
    result = check(paths, AS_AT)
    request = result.dataset.table("request").set_index("request_id")
    assert request.loc["R1", "person_id"] == "P1" and request.loc["R2", "person_id"] == "P2"  # via ssd_send
    assert result.dataset.table("named_plan").set_index("request_id").loc["R2", "start_date"] == \
        pd.Timestamp("2025-09-01")  # via the assessment's own id
    assert statuses(result, "REVIEW-12M") == {"R1": "due_soon", "R2": "overdue"}
    assert statuses(result, "EHC-FINAL-20W") == {"R1": "compliant", "R2": "late"}
    lost = result.issues[result.issues["issue_id"] == "KEY-NOT-FOUND"].set_index("file")
    assert lost.loc["ssd_ehcp_requests.csv", "value"] == "S9"
    assert lost.loc["ssd_ehcp_requests.csv", "column"] == "ehcr_send_table_id"
    assert int(lost.loc["ssd_sen_need.csv", "row"]) == 4 and lost.loc["ssd_sen_need.csv", "value"] == "AP7"
    accounting = result.accounting.set_index("table")
    assert "KEY-NOT-FOUND: 1" in accounting.loc["request", "rejected_by_reason"]


def _profile(tmp_path, sheet: dict, name="p.yaml") -> Path:
    doc = {"name": "t", "sheets": [{"match": "*", **sheet}]}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_one_column_feeds_two_fields(tmp_path):
    prof = _profile(tmp_path, {
        "tables": ["person", "request", "assessment", "named_plan"], "required": ["request_id"],
        "columns": {"Child": "person_id", "Ref": "request_id", "Received": "received_date",
                    "Final plan": ["assessment_outcome_date", "named_plan.start_date"]},
        "constants": {"assessment_outcome": "Y"}})
    path = csv_file(tmp_path / "t.csv", [["Child", "Ref", "Received", "Final plan"],
                                         ["C1", "R1", "02/01/2025", "20/05/2025"], ["C2", "R2", "02/01/2025", "TBC"]])
    ds = read_extract([path], load_profile(prof))
    assert ds.table("assessment").set_index("request_id").loc["R1", "assessment_outcome_date"] == \
        pd.Timestamp("2025-05-20")
    assert ds.table("named_plan").set_index("request_id").loc["R1", "start_date"] == pd.Timestamp("2025-05-20")
    bad = [i for i in ds.issues if i.issue_id == "DATE-NOT-A-DATE"]
    assert {i.table for i in bad} == {"assessment", "named_plan"} and {i.row for i in bad} == {3}
    result = check([path], AS_AT, profile=prof)
    assert statuses(result, "REVIEW-12M") == {"R1": "overdue"}  # from the plan date the column gave


def test_derived_keys_constants_and_one_row_per(tmp_path):
    prof = _profile(tmp_path, {
        "tables": ["person", "request", "named_plan", "sen_need"], "one_row_per": "plan",
        "keys": {"request_id": "{person_id}/plan"}, "constants": {"sen_need.sen_type_rank": 1},
        "columns": {"ID": "person_id", "Need": "sen_type", "Made": "start_date"}})
    path = csv_file(tmp_path / "t.csv", [["ID", "Need", "Made"], ["A", "ASD", "01/02/2024"], ["B", "", ""]])
    ds = read_extract([path], load_profile(prof))
    assert list(ds.table("request")["request_id"]) == ["A/plan", "B/plan"]
    assert list(ds.table("named_plan")["request_id"]) == ["A/plan", "B/plan"]  # B is a plan, with no date
    assert list(ds.table("sen_need")["request_id"]) == ["A/plan"]  # a constant is not data
    assert ds.source_headers[("t.csv", "", "request", "request_id")] == "ID"


@pytest.mark.parametrize("sheet, message", [
    ({"constants": {"sen_need.sen_type_rank": 3}}, r"'3' is not a sen_type_rank code; expected one of 1, 2"),
    ({"constants": {"request_id": "X"}}, r"identifies each record"),
    ({"keys": {"received_date": "{person_id}"}}, r"not one of them"),
    ({"keys": {"request_id": "{persn_id}"}}, r"did you mean 'person_id'"),
    ({"keys": {"request_id": "plan"}}, r"names this row's fields in braces"),
    ({"keys": {"request_id": {"from": "nowhere", "column": "X"}}}, r"no sheets entry is named 'nowhere'"),
    ({"name": "x"}, r'"name" and "row_id" go together'),
    ({"one_row_per": "child"}, r'"one_row_per" must be one of person, request, plan'),
    ({"columns": {"ID": "person_id", "Need": ["sen_type", 3]}}, r"or a list of them"),
])
def test_new_profile_keys_are_checked_when_loaded(sheet, message):
    doc = {"name": "t", "sheets": [{"match": "*", "tables": ["person", "request", "sen_need"],
                                    "columns": {"ID": "person_id"}} | sheet]}
    with pytest.raises(InputError, match=message):
        parse_profile(doc)


def test_profile_new_round_trip_with_a_line_break_heading(tmp_path):
    rows = [["Child ID", "Request Ref", "Date request\nreceived", 'Decision "to assess"\r\ndate'],
            ["C1", "R1", "02/01/2025", "10/02/2025"]]
    path = workbook(tmp_path / "tracker.xlsx", rows, title="Requests")
    text = draft_profile(path)
    prof = parse_profile(yaml.safe_load(text))  # loads: the heading is one line, quotes escaped
    assert "Date request received" in prof.sheets[0].columns
    out = tmp_path / "draft.yaml"
    out.write_text(text, encoding="utf-8")
    ds = read_extract([path], load_profile(out))
    request = ds.table("request").iloc[0]
    assert request["received_date"] == pd.Timestamp("2025-01-02")
    assert request["request_outcome_date"] == pd.Timestamp("2025-02-10")
    # a profile that writes the heading with its line break matches it too
    prof2 = _profile(tmp_path, {"tables": ["request"], "columns": {
        "Request Ref": "request_id", "Child ID": "person_id", "Date request\nreceived": "received_date"}})
    assert read_extract([path], load_profile(prof2)).table("request").iloc[0]["received_date"] == \
        pd.Timestamp("2025-01-02")
    result = cli("check", path, "--profile", out, "--as-at", "2026-10-31", "--out", tmp_path / "out",
                 "--report", "none")
    assert result.exit_code in (0, 1), result.output


def test_profile_new_on_an_annex_a_list_drafts_a_profile_that_reads_it(annex, tmp_path):
    text = draft_profile(annex)
    assert "bundled profile annex-a-list1 matches this file" in text
    doc = yaml.safe_load(text)
    sheet = doc["sheets"][0]
    assert sheet["keys"] == {"request_id": "{person_id}"} and sheet["one_row_per"] == "plan"
    assert sheet["constants"]["sen_need.sen_type_rank"] == "1"
    assert sheet["codes"]["person.sex"] == {"male": "M", "female": "F", "not known": "U"}
    assert sheet["columns"]["Date EHC plan last reviewed"] == "active_plan.last_review"
    prof = tmp_path / "draft.yaml"
    prof.write_text(text, encoding="utf-8")
    drafted = statuses(check([annex], AS_AT, profile=prof), "REVIEW-12M")
    assert drafted == statuses(check([annex], AS_AT), "REVIEW-12M")


def test_first_run_help_names_the_reason_and_the_fix(tmp_path):
    rows = [LIST_1] + [child(f"C{i}", dt.date(2014, 1, 1), dt.date(2025, 1, 1), gender=str(1 + i % 2))
                       for i in range(6)]
    path = workbook(tmp_path / "list1.xlsx", rows, title="List 1")
    result = check([path], AS_AT)
    lines = first_run_help(result)
    assert lines[0].startswith('Gender: the values "1" and "2" are not codes this profile knows (6 of 6 person rows)')
    assert '`sex: {"1": M, "2": F}`' in lines[0] and "(the codes are M, F, U)" in lines[0]
    assert any(line.startswith("person: 6 of 6 rows were not evaluated. Main reasons: CODE-INVALID on 6")
               for line in lines)
    assert lines[-1].startswith("Because of that, 6 request, 6 named plan")
    written = write(result, tmp_path / "out", reports=[])
    assert written.notes[: len(lines)] == lines  # what the web app's run page shows
    shown = cli("check", path, "--as-at", "2026-10-31", "--out", tmp_path / "out2", "--report", "none")
    assert "What to fix first:" in shown.output and '`sex: {"1": M, "2": F}`' in shown.output


def test_no_first_run_help_when_most_rows_are_fine(annex):
    assert first_run_help(check([annex], AS_AT)) == []


def test_first_run_help_for_a_code_it_cannot_guess(tmp_path):
    prof = _profile(tmp_path, {"tables": ["person", "request"], "required": ["request_id"],
                               "columns": {"Child": "person_id", "Ref": "request_id", "Decision": "request_outcome"}})
    path = csv_file(tmp_path / "t.csv", [["Child", "Ref", "Decision"], ["C1", "R1", "Agreed"], ["C2", "R2", "Agreed"],
                                         ["C3", "R3", "Refused"]])
    lines = first_run_help(check([path], AS_AT, profile=prof))
    assert lines[0].startswith('Decision: the values "Agreed" and "Refused" are not codes this profile knows')
    assert '`request_outcome: {"Agreed": ?, "Refused": ?}`' in lines[0] and "replace each ? with the code" in lines[0]


def test_data_dictionary_says_which_rules_each_field_feeds():
    assert derived_fields_declared() - _NOT_INPUTS <= set(DERIVED_FROM)  # every derived field is traced
    from checker.engine.rules import load_rules

    feeds = rules_by_field(load_rules())
    assert "PLAN-CEASE-25" in feeds[("person", "birth_date")]
    assert "REVIEW-12M" in feeds[("active_plan", "last_review")] and "REVIEW-12M" in feeds[("named_plan",
                                                                                                "start_date")]
    assert "PHASE-TRANSFER-15FEB" in feeds[("active_plan", "phase_transfer_final_date")]
    assert feeds[("person", "correspondence_with")] == ["YP-RIGHTS-TRANSFER"]
    text = data_dictionary_markdown()
    assert "| `last_review` | date | 5.4b LastReview (2023: 5.4; 2024: 5.6) |" in text
    assert "REVIEW-12M" in text.split("`last_review`")[1]


def test_the_annex_a_fixture_gives_what_the_tracker_gives():
    annex = check([ROOT / "fixtures" / "la" / "annex_a_list1.xlsx"], AS_AT)
    tracker = check([ROOT / "fixtures" / "la" / "tracker_a.csv"], AS_AT)
    assert annex.accounting["rows_rejected"].sum() == 0
    for rule in ("REVIEW-12M", "PLAN-CEASE-25", "REVIEW-U5-6M"):
        a = annex.findings[annex.findings["rule_id"] == rule].set_index("person_id")[["status", "due_date"]]
        t = tracker.findings[tracker.findings["rule_id"] == rule].set_index("person_id")[["status", "due_date"]]
        both = a.index.intersection(t.index)
        assert len(both) > 0.99 * len(a), rule
        # a plan transferred in from another LA is reviewed by the later of 12 months and 3 months from the
        # transfer (reg 15(5)); Annex A List 1 has no transfer date, so only the tracker knows it
        transferred = tracker.dataset.table("active_plan").dropna(subset=["transfer_in_date"])["request_id"]
        both = both[~both.isin(tracker.findings.loc[tracker.findings["record_id"].isin(transferred), "person_id"])]
        assert a.loc[both].equals(t.loc[both]), rule
    counts = annex.findings.groupby(["rule_id", "status"]).size()
    assert counts[("REVIEW-12M", "overdue")] > 100 and counts[("REVIEW-12M", "due_soon")] > 10
    assert counts[("PHASE-TRANSFER-15FEB", "compliant")] > 0 and counts[("PHASE-TRANSFER-31MAR", "pending")] > 0
    assert counts[("PLAN-CEASE-25", "overdue")] > 0
