"""What reading a file can report, each by its registered id: sheets, columns and records that are not what the
profile or the SEN2 structure expects."""

from __future__ import annotations

import openpyxl
from builders import workbook

from checker.dataset import ERROR, QUERY
from checker.quality.registry import REGISTRY
from checker.readers.extract import read_extract
from checker.readers.profile import parse_profile
from checker.readers.sen2_flat import read_sen2_workbook
from checker.readers.sen2_xml import read_sen2_xml

PROFILE = parse_profile({"name": "la-test", "sheets": [
    {"match": "Requests*", "tables": ["request", "named_plan"], "required": ["request_id"],
     "columns": {"Child ID": "person_id", "Request Ref": "request_id", "Received": "received_date",
                 "Decision": "request_outcome", "Plan Start": "start_date"}},
    {"match": "Reviews*", "tables": ["review"], "columns": {"Request Ref": "request_id", "Meeting": "meeting_date"}},
]})


def _book(path, rows, formula_cells=()):
    def formulas(wb, ws):
        for cell, formula in formula_cells:
            ws[cell] = formula  # openpyxl saves no result for a formula, as a reporting tool's export may not

    return workbook(path, rows, title="Requests", edit=formulas)


def _ids(ds, issue_id):
    found = [i for i in ds.issues if i.issue_id == issue_id]
    assert all(i.severity == REGISTRY[issue_id].severity for i in found)
    return found


HEADER = ["Child ID", "Request Ref", "Received", "Decision", "Plan Start"]


def test_formula_without_saved_result_and_unmatched_profile_sheet(tmp_path):
    src = _book(tmp_path / "t.xlsx", [HEADER, ["C1", "R1", "2025-01-06", "Y", None]], [("E2", "=C2+140")])
    ds = read_extract([src], PROFILE)
    (formula,) = _ids(ds, "FORMULA-NO-RESULT")
    assert (formula.severity, formula.sheet, formula.row, formula.value) == (QUERY, "Requests", 2, "=C2+140")
    (missing,) = _ids(ds, "PROFILE-SHEET-MISSING")
    assert missing.message == 'profile la-test: no input sheet or file matched "Reviews*", so nothing was read ' \
                              "for review from it."


def test_values_without_a_header_are_reported_not_read(tmp_path):
    src = _book(tmp_path / "t.xlsx", [HEADER, ["C1", "R1", "2025-01-06", "Y", None, None, "stray"]])
    (stray,) = _ids(read_extract([src], PROFILE), "COLUMN-NO-HEADER")
    assert (stray.row, stray.message) == (2, 't.xlsx, sheet "Requests": 1 column(s) have values but no header '
                                             "(first at row 2); those values are not read.")


def test_a_record_repeated_with_different_values_is_queried_and_the_first_kept(tmp_path):
    src = _book(tmp_path / "t.xlsx", [HEADER, ["C1", "R1", "2025-01-06", "Y", "2025-05-26"],
                                      ["C1", "R1", "2025-01-06", "N", "2025-05-26"]])
    ds = read_extract([src], PROFILE)
    (conflict,) = _ids(ds, "RECORD-CONFLICT")
    assert (conflict.table, conflict.record_id, conflict.row) == ("request", "R1", 2)
    assert ds.table("request")["request_outcome"].tolist() == ["Y"]


def test_a_second_assessment_in_one_request_is_queried_and_both_read(tmp_path):
    path = tmp_path / "r.xml"
    path.write_text("""<?xml version="1.0"?>
<Message><Header><CollectionDetails><Collection>SEN2</Collection><Year>2025</Year></CollectionDetails></Header>
<Persons><Person><UPN>A123456789012</UPN>
<Requests><ReceivedDate>2024-01-08</ReceivedDate>
<Assessment><AssessmentOutcome>Y</AssessmentOutcome></Assessment>
<Assessment><AssessmentOutcome>N</AssessmentOutcome></Assessment>
</Requests></Person></Persons></Message>
""", encoding="utf-8")
    ds = read_sen2_xml(path)
    (repeat,) = _ids(ds, "SEN2-REPEATED-ELEMENT")
    assert (repeat.row, repeat.column) == (6, "Assessment")
    assert len(ds.table("assessment")) == 2


def test_a_workbook_sheet_that_is_no_module_is_queried_and_ignored(tmp_path):
    wb = openpyxl.Workbook()
    sheets = {"Person": [["persontableid", "upn"], [1, "A123456789012"]],
              "Requests": [["persontableid", "requeststableid", "receiveddate"], [1, 11, "2024-01-08"]],
              "Assessments": [["requeststableid", "assessmentoutcome"], [11, "Y"]],
              "Named Plan": [["requeststableid", "startdate"], [11, "2024-05-27"]],
              "Notes": [["written by the data team"]]}
    for i, (name, rows) in enumerate(sheets.items()):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = name
        for r in rows:
            ws.append(r)
    wb.save(tmp_path / "presub.xlsx")
    ds = read_sen2_workbook(tmp_path / "presub.xlsx")
    (notes,) = _ids(ds, "SEN2-UNKNOWN-SHEET")
    assert notes.sheet == "Notes" and notes.severity == QUERY
    assert not [i for i in ds.issues if i.severity == ERROR]
