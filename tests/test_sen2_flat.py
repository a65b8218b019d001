"""The flat SEN2 forms: COLLECT Blade CSV export and the pre-submission workbook."""

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from checker.dataset import ERROR, QUERY, InputError
from checker.readers.profile import load_profile
from checker.readers.sen2_flat import (
    looks_like_sen2_blade,
    looks_like_sen2_workbook,
    read_sen2_blade,
    read_sen2_workbook,
)
from checker.readers.sen2_xml import read_sen2_xml

BLADE = Path(__file__).parent / "data" / "sen2" / "blade"
PREFIX = "Blade-Export_20-01-2024_"


def blade_files():
    return sorted(BLADE.glob("*.csv"))


def issues(ds, issue_id):
    return [i for i in ds.issues if i.issue_id == issue_id]


def test_bundled_profiles_load_with_the_shared_loader():
    for name in ("sen2-blade", "sen2-presubmission"):
        prof = load_profile(name)
        assert len(prof.sheets) == 8
    assert load_profile("sen2-presubmission").sheets[1].columns["rquestsource"] == "request_source"


def test_blade_detection():
    assert looks_like_sen2_blade(blade_files())
    assert not looks_like_sen2_blade([])


def test_blade_renamed_file_detected_by_its_key_column(tmp_path):
    f = tmp_path / "people.csv"
    f.write_text("persontableid,surname\n1,Smith\n")
    assert looks_like_sen2_blade([f])
    g = tmp_path / "caseload.csv"
    g.write_text("Child ID,Surname\n1,Smith\n")
    assert not looks_like_sen2_blade([g])


def test_blade_header_from_sen2_file():
    ds = read_sen2_blade(blade_files())
    assert ds.header["Year"] == "2024" and ds.header["LEA"] == "999" and ds.header["DCO"] == "R"
    assert ds.header["ReferenceDate"] == "2024-01-18"


def test_blade_person_and_request_ids():
    ds = read_sen2_blade(blade_files())
    person = ds.table("person")
    assert list(person["person_id"]) == ["11", "12", "13"]  # the file's own person key
    assert person["birth_date"].iloc[0] == pd.Timestamp("2012-03-04")  # 2012-Mar-04 00:00:00
    assert list(person["_row"]) == [2, 3, 4]
    assert set(person["_file"]) == {PREFIX + "person.csv"}
    request = ds.table("request")
    # request ids are built as for XML: UPN (or ULN, or person id) and the received date
    assert list(request["request_id"]) == ["A123456789012:2022-02-01", "B123456789012:2023-03-01",
                                           "B123456789012:2023-03-01#2", "13:noreceived", "99:2023-06-01"]
    assert list(request["person_id"]) == ["11", "12", "12", "13", "99"]
    assert issues(ds, "SEN2-DUPLICATE-ID")[0].severity == QUERY


def test_blade_request_for_unknown_person_is_queried():
    ds = read_sen2_blade(blade_files())
    [issue] = issues(ds, "SEN2-NO-PERSON")
    assert (issue.file, issue.row, issue.value) == (PREFIX + "requests.csv", 6, "99")


def test_blade_child_modules_resolve_to_requests_through_keys():
    ds = read_sen2_blade(blade_files())
    rid = "A123456789012:2022-02-01"
    assert list(ds.table("assessment")["request_id"]) == [rid, "B123456789012:2023-03-01"]
    assert list(ds.table("named_plan")["request_id"]) == [rid]  # namedplan -> assessment -> request
    assert list(ds.table("plan_detail")["request_id"]) == [rid]  # plandetail -> namedplan -> assessment
    assert list(ds.table("placement")["request_id"]) == [rid, rid]  # placement -> activeplans -> request
    assert list(ds.table("sen_need")["sen_type"]) == ["ASD", "SLCN"]
    assessment = ds.table("assessment").iloc[1]
    assert (assessment["week20"], assessment["assessment_outcome_date"]) == ("1", pd.Timestamp("2023-06-20"))


def test_blade_orphan_row_is_an_error_and_left_out():
    ds = read_sen2_blade(blade_files())
    [issue] = issues(ds, "SEN2-ORPHAN-ROW")
    assert issue.severity == ERROR and issue.file == PREFIX + "plandetail.csv" and issue.row == 3
    assert list(ds.table("plan_detail")["sen_setting"]) == ["OTH"]


def test_blade_bad_date_names_file_row_and_column():
    ds = read_sen2_blade(blade_files())
    [issue] = issues(ds, "DATE-NOT-A-DATE")
    assert (issue.file, issue.row, issue.column, issue.value) == (PREFIX + "requests.csv", 6,
                                                                  "requestoutcomedate", "31-Jun-2023")
    assert issue.message == (f'{PREFIX}requests.csv, row 6, column "requestoutcomedate" (SEN2 item 2.3): '
                             '"31-Jun-2023" is not a date.')  # item 2.3 in the 2024 return (2.4 from 2025)


def test_blade_review_row_and_placements():
    ds = read_sen2_blade(blade_files())
    review = ds.table("review").iloc[0]
    assert (review["meeting_date"], review["decision_date"], review["outcome"]) == (
        pd.Timestamp("2023-11-20"), pd.Timestamp("2023-12-12"), "A")
    placement = ds.table("placement")
    assert list(placement["res"].fillna("")) == ["B", ""]
    assert list(placement["sen_setting"].fillna("")) == ["", "NEET"]


def test_blade_matches_xml_of_the_same_return():
    """The Blade sample carries the same children as sen2-2024.xml: the same request ids come out."""
    xml = read_sen2_xml(BLADE.parent / "sen2-2024.xml")
    blade = read_sen2_blade(blade_files())
    assert set(xml.table("request")["request_id"]) <= set(blade.table("request")["request_id"])
    cols = ["request_id", "meeting_date", "decision_date", "outcome"]
    assert xml.table("review")[cols].equals(blade.table("review")[cols])


def test_blade_2023_gender_current_and_plan_level_res(tmp_path):
    (tmp_path / "b_person.csv").write_text(
        "persontableid,gendercurrent,upn\n1,1,A1\n2,2,A2\n3,0,A3\n")
    (tmp_path / "b_requests.csv").write_text(
        "requeststableid,persontableid,receiveddate\n10,1,2022-Mar-01 00:00:00\n11,2,2022-Apr-01 00:00:00\n")
    (tmp_path / "b_activeplans.csv").write_text(
        "activeplanstableid,requeststableid,res,wbp\n20,10,A,S\n21,11,B,\n")
    (tmp_path / "b_placementdetail.csv").write_text(
        "placementdetailtableid,activeplanstableid,urn,placementrank,attendancepattern\n30,20,100001,1,FT\n")
    ds = read_sen2_blade(sorted(tmp_path.glob("*.csv")))
    assert list(ds.table("person")["sex"]) == ["M", "F", "U"]
    placement = ds.table("placement").iloc[0]
    assert (placement["res"], placement["wbp"], placement["attendance_pattern"]) == ("A", "S", "FT")
    [orphan_item] = issues(ds, "SEN2-NO-PLACEMENT-FOR-ITEM")
    assert orphan_item.value == "B" and orphan_item.row == 3


def test_blade_unknown_column_queried_once(tmp_path):
    (tmp_path / "x_person.csv").write_text("persontableid,upn,shoe size\n1,A1,9\n2,A2,10\n")
    ds = read_sen2_blade([tmp_path / "x_person.csv"])
    [issue] = issues(ds, "SEN2-UNKNOWN-COLUMN")
    assert issue.column == "shoe size" and issue.severity == QUERY


def test_blade_cp1252_file_read_with_a_query(tmp_path):
    (tmp_path / "x_person.csv").write_bytes("persontableid,surname\n1,Zo\xeb\n".encode("cp1252"))
    ds = read_sen2_blade([tmp_path / "x_person.csv"])
    assert ds.table("person")["surname"].iloc[0] == "Zo\u00eb"
    assert issues(ds, "CSV-ENCODING")


def test_blade_bad_inputs(tmp_path):
    (tmp_path / "x_person.csv").write_text("")
    with pytest.raises(InputError, match="x_person.csv is empty"):
        read_sen2_blade([tmp_path / "x_person.csv"])
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="notes.csv is not a SEN2 Blade export"):
        read_sen2_blade([tmp_path / "notes.csv"])


# -- pre-submission workbook ------------------------------------------------------------------------------------

def write_workbook(path: Path, title_rows: int = 0) -> Path:
    wb = openpyxl.Workbook()
    sheets = {
        "Person": [["persontableid", "surname", "personbirthdate", "sex", "upn", "uniquelearnernumber"],
                   [101, "Green", dt.datetime(2014, 7, 7), "F", "C123456789012", None],
                   [102, "White", dt.datetime(2016, 2, 29), "M", None, 1234567890]],
        "Requests": [["persontableid", "requeststableid", "receiveddate", "rquestsource", "rya",
                      "requestoutcomedate", "requestoutcome"],
                     [101, 201, dt.datetime(2024, 1, 8), 2, 0, dt.datetime(2024, 2, 19), "Y"],
                     [102, 202, "31/02/2024", 1, "maybe", None, "A"]],
        "Assessments": [["persontableid", "requeststableid", "assessmentoutcome", "assessmentoutcomedate", "week20"],
                        [101, 201, "Y", 45439, 0]],  # an Excel serial date (2024-05-27)
        "Named Plan": [["persontableid", "requeststableid", "startdate", "planwbp", "pb", "dp"],
                       [101, 201, dt.datetime(2024, 5, 27), "S", 1, "E"]],
        "Plan Detail": [["persontableid", "requeststableid", "urn", "ukprn", "placementrank"],
                        [101, 201, None, 10001234, 1]],
        "Active Plan": [["persontableid", "requeststableid", "transferla", "reviewmeeting", "reviewoutcome",
                         "reviewdraft", "phasetransferduedate", "lastreview"],
                        [101, 201, 888, dt.datetime(2024, 11, 4), "A", dt.datetime(2024, 11, 25),
                         dt.datetime(2025, 2, 15), dt.datetime(2024, 11, 25)]],
        "Placement Detail": [["persontableid", "requeststableid", "urn", "placementrank", "entrydate",
                              "senunitindicator"],
                             [101, 201, 100001.0, 1, dt.datetime(2024, 9, 2), 1]],
        "SEN Need": [["persontableid", "requeststableid", "sentype", "sentyperank"], [101, 201, "MLD", 1]],
    }
    first = True
    for name, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet(name)
        ws.title = name
        first = False
        for _ in range(title_rows):
            ws.append(["SEN2 pre-submission check"])
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def test_workbook_detection():
    assert looks_like_sen2_workbook(["Person", "Requests", "Assessments", "Named Plan", "Plan Detail",
                                     "Active Plan", "Placement Detail", "SEN Need"])
    assert not looks_like_sen2_workbook(["Requests", "Reviews", "Notes"])


def test_workbook_reads_every_module(tmp_path):
    ds = read_sen2_workbook(write_workbook(tmp_path / "presub.xlsx"))
    assert ds.sources == ["presub.xlsx"]
    person = ds.table("person")
    assert list(person["person_id"]) == ["101", "102"]  # numeric cells lose their .0
    assert list(person["uln"].fillna("")) == ["", "1234567890"]
    assert person["birth_date"].iloc[1] == pd.Timestamp("2016-02-29")
    assert list(person["_sheet"]) == ["Person", "Person"] and list(person["_row"]) == [2, 3]
    request = ds.table("request")
    assert request["request_id"].iloc[0] == "C123456789012:2024-01-08"
    assert request["request_id"].iloc[1] == "1234567890:31/02/2024"  # ULN when no UPN; bad date kept as text
    assert list(request["request_source"]) == ["2", "1"]  # the misspelt rquestsource column
    assessment = ds.table("assessment").iloc[0]
    assert assessment["assessment_outcome_date"] == pd.Timestamp("2024-05-27")
    assert ds.table("named_plan")["dp"].iloc[0] == "E"
    assert ds.table("plan_detail")["ukprn"].iloc[0] == "10001234"
    placement = ds.table("placement").iloc[0]
    assert (placement["urn"], placement["placement_rank"], placement["sen_unit"]) == ("100001", "1", "1")
    active = ds.table("active_plan").iloc[0]
    assert active["transfer_la"] == "888" and active["phase_transfer_due_date"] == pd.Timestamp("2025-02-15")
    review = ds.table("review").iloc[0]
    assert (review["meeting_date"], review["amendment_notice_date"]) == (pd.Timestamp("2024-11-04"),
                                                                         pd.Timestamp("2024-11-25"))
    assert list(ds.table("sen_need")["sen_type"]) == ["MLD"]


def test_workbook_bad_cells_name_sheet_row_column(tmp_path):
    ds = read_sen2_workbook(write_workbook(tmp_path / "presub.xlsx"))
    [date] = issues(ds, "DATE-NOT-A-DATE")
    assert (date.file, date.sheet, date.row, date.column, date.value) == ("presub.xlsx", "Requests", 3,
                                                                         "receiveddate", "31/02/2024")
    assert date.message == 'presub.xlsx, sheet "Requests", row 3, column "receiveddate": "31/02/2024" is not a date.'
    [flag] = issues(ds, "FLAG-NOT-A-FLAG")
    assert (flag.sheet, flag.row, flag.column) == ("Requests", 3, "rya")


def test_workbook_header_below_title_rows(tmp_path):
    ds = read_sen2_workbook(write_workbook(tmp_path / "presub.xlsx", title_rows=2))
    assert list(ds.table("person")["_row"]) == [4, 5]
    assert len(ds.table("request")) == 2


def test_workbook_openpyxl_fallback(tmp_path, monkeypatch):
    import python_calamine

    class Broken:
        @staticmethod
        def from_path(path):
            raise RuntimeError("calamine unavailable")

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Broken)
    ds = read_sen2_workbook(write_workbook(tmp_path / "presub.xlsx"))
    assert list(ds.table("person")["person_id"]) == ["101", "102"]
    assert ds.table("person")["birth_date"].iloc[0] == pd.Timestamp("2014-07-07")


def test_workbook_not_readable(tmp_path):
    f = tmp_path / "fake.xlsx"
    f.write_text("not a workbook")
    with pytest.raises(InputError, match="fake.xlsx cannot be read as an Excel workbook"):
        read_sen2_workbook(f)


def test_workbook_without_module_sheets(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["hello"])
    wb.save(tmp_path / "notes.xlsx")
    with pytest.raises(InputError, match="no SEN2 module sheets"):
        read_sen2_workbook(tmp_path / "notes.xlsx")


def test_blade_row_with_extra_cells_is_reported_not_dropped(tmp_path):
    (tmp_path / "x_person.csv").write_text("persontableid,upn\n1,A1\n2,A2,stray\n")
    ds = read_sen2_blade([tmp_path / "x_person.csv"])
    assert list(ds.table("person")["person_id"]) == ["1", "2"]
    [issue] = issues(ds, "CSV-EXTRA-CELLS")
    assert issue.row == 3 and issue.severity == ERROR and "stray" in issue.value


def test_number_too_big_for_a_date_is_a_bad_date(tmp_path):
    (tmp_path / "x_person.csv").write_text("persontableid,personbirthdate\n1,202206\n2,2012-Mar-04 00:00:00\n")
    ds = read_sen2_blade([tmp_path / "x_person.csv"])
    [issue] = issues(ds, "DATE-NOT-A-DATE")
    assert (issue.row, issue.value) == (2, "202206")
    assert ds.table("person")["birth_date"].iloc[1] == pd.Timestamp("2012-03-04")


def test_blade_rows_numbered_as_seen_with_blank_lines(tmp_path):
    (tmp_path / "x_person.csv").write_text("\npersontableid,upn\n1,A1\n\n2,A2\n")
    person = read_sen2_blade([tmp_path / "x_person.csv"]).table("person")
    assert list(person["_row"]) == [3, 5]
