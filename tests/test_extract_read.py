"""Reading LA extracts: every row accounted for, every bad cell named, nothing evaluated, nothing dropped silently."""

import datetime as dt

import openpyxl
import pytest
import yaml
from builders import workbook

from checker.dataset import InputError
from checker.readers import format_inspection, inspect_file, load_inputs
from checker.readers.extract import read_extract
from checker.readers.profile import parse_profile

PROFILE = parse_profile({
    "name": "la-test",
    "sheets": [{
        "match": "Requests*",
        "tables": ["person", "request", "assessment", "named_plan"],
        "required": ["request_id", "received_date"],
        "columns": {"Child ID": "person_id", "Request Ref": "request_id", "Date Request Received": "received_date",
                    "20 Week Exception?": "week20", "Decision": "request_outcome", "Surname": "surname",
                    "NC Year": "nc_year", "Plan Start": "start_date"},
        "codes": {"week20": {"yes": "1", "no": "0"}, "request_outcome": {"agreed to assess": "Y", "refused": "N"}},
        "ignore": ["Notes"],
    }],
})
HEADERS = ["Child ID", "Request Ref", "Date Request Received", "20 Week Exception?", "Decision", "Surname", "NC Year",
           "Plan Start", "Notes"]


def _book(path, rows, headers=HEADERS, title="Requests", preamble=()):
    return workbook(path, [headers, *rows], title=title, preamble=preamble)


def _issues(ds, issue_id):
    return [i for i in ds.issues if i.issue_id == issue_id]


def test_dates_of_every_kind(tmp_path):
    src = _book(tmp_path / "tracker.xlsx", [
        ["P1", "R1", "03/04/2025", "", "", "", "", ""],            # UK order: 3 April
        ["P2", "R2", 45678, "", "", "", "", ""],                     # Excel serial
        ["P3", "R3", dt.datetime(2025, 1, 6, 14, 30), "", "", "", "", ""],  # datetime cell
        ["P4", "R4", "2025-02-01", "", "", "", "", ""],
        ["P5", "R5", None, "", "", "", "", ""],                      # blank stays missing, no issue
        ["P6", "R6", "31/02/2025", "", "", "", "", ""],
    ])
    ds = read_extract([src], PROFILE)
    got = ds.table("request").set_index("request_id")["received_date"]
    assert got["R1"] == dt.datetime(2025, 4, 3)
    assert got["R2"] == dt.datetime(2025, 1, 21)
    assert got["R3"] == dt.datetime(2025, 1, 6)
    assert got["R4"] == dt.datetime(2025, 2, 1)
    assert got.isna()["R5"] and got.isna()["R6"]
    [bad] = _issues(ds, "DATE-NOT-A-DATE")
    assert bad.severity == "error" and bad.row == 7 and bad.record_id == "R6"
    assert bad.message == 'tracker.xlsx, sheet "Requests", row 7, column "Date Request Received": "31/02/2025" is ' \
                          "not a date."


def test_blanks_stray_spaces_codes_flags_and_ints(tmp_path):
    src = _book(tmp_path / "t.xlsx", [
        ["  P1 ", " R1", "01/01/2025", " Yes ", "Agreed to assess", " Smith  ", 7, ""],
        [None] * 8,
        ["P2", "R2", "01/01/2025", "perhaps", "refused", "", "Year 7", ""],
        ["P3", "R3", "01/01/2025", "no", "w", "", -1.0, ""],
    ], preamble=[["EHC tracker export"], []])
    ds = read_extract([src], PROFILE)
    req = ds.table("request")
    assert req["request_id"].tolist() == ["R1", "R2", "R3"]
    assert req["person_id"].tolist() == ["P1", "P2", "P3"]
    assert req["request_outcome"].tolist() == ["Y", "N", "W"]  # unknown codes kept; case folded to the code list
    assert req["_row"].tolist() == [4, 6, 7]
    assert ds.table("assessment").set_index("request_id")["week20"].to_dict() == {"R1": "1", "R3": "0"}
    assert ds.table("person")["surname"].tolist()[0] == "Smith"
    assert ds.table("person")["nc_year"].tolist()[::2] == [7, -1]
    assert [i.value for i in _issues(ds, "FLAG-NOT-A-FLAG")] == ["perhaps"]
    assert [i.value for i in _issues(ds, "INT-NOT-A-NUMBER")] == ["Year 7"]
    [counts] = ds.read_counts
    assert counts == {"file": "t.xlsx", "sheet": "Requests", "header_row": 3, "rows_read": 4, "blank_rows": 1,
                      "duplicate_rows": 0, "rows_used": 3}


def test_duplicated_rows_reported_with_both_row_numbers(tmp_path):
    row = ["P1", "R1", "01/01/2025", "", "", "", "", ""]
    src = _book(tmp_path / "t.xlsx", [row, ["P2", "R2", "02/01/2025", "", "", "", "", ""], row])
    ds = read_extract([src], PROFILE)
    [dup] = _issues(ds, "DUPLICATE-ROW")
    assert dup.row == 4 and "exact copy of row 2" in dup.message and dup.severity == "query"
    assert ds.table("request")["request_id"].tolist() == ["R1", "R2"]
    assert ds.read_counts[0]["duplicate_rows"] == 1


def test_person_repeated_across_requests_is_merged_or_queried(tmp_path):
    src = _book(tmp_path / "t.xlsx", [
        ["P1", "R1", "01/01/2025", "", "", "Smith", "", ""],
        ["P1", "R2", "01/06/2025", "", "", "Smith", "", ""],
        ["P2", "R3", "01/01/2025", "", "", "Jones", "", ""],
        ["P2", "R4", "01/02/2025", "", "", "Jonas", "", ""],
    ])
    ds = read_extract([src], PROFILE)
    person = ds.table("person")
    assert person["person_id"].tolist() == ["P1", "P2"]
    assert person["surname"].tolist() == ["Smith", "Jones"]
    assert person["_row"].tolist() == [2, 4]
    [conflict] = _issues(ds, "PERSON-CONFLICT")
    assert conflict.record_id == "P2" and 'surname "Jones" vs "Jonas"' in conflict.message
    assert "row 4" in conflict.message and "row 5" in conflict.message
    assert len(ds.table("request")) == 4
    assert ds.merged_rows["person"] == 2


def test_secondary_tables_get_rows_only_with_content(tmp_path):
    src = _book(tmp_path / "t.xlsx", [
        ["P1", "R1", "01/01/2025", "", "", "", "", "01/05/2025"],
        ["P2", "R2", "01/01/2025", "", "", "", "", ""],
    ])
    ds = read_extract([src], PROFILE)
    assert ds.table("named_plan")["request_id"].tolist() == ["R1"]
    assert ds.table("assessment").empty


def test_wrong_columns_list_near_matches(tmp_path):
    headers = ["Child ID", "Request Ref", "Date Recieved", "Notes"]
    src = _book(tmp_path / "t.xlsx", [["P1", "R1", "01/01/2025", ""]], headers=headers)
    with pytest.raises(InputError) as exc:
        read_extract([src], PROFILE)
    msg = str(exc.value)
    assert msg.startswith('t.xlsx, sheet "Requests", row 1: no column for received_date')
    assert '"Date Request Received"' in msg and 'nearest headers found: "Date Recieved"' in msg


def test_duplicate_headers_are_refused(tmp_path):
    headers = ["Child ID", "Request Ref", "Date Request Received", "child id"]
    src = _book(tmp_path / "t.xlsx", [["P1", "R1", "01/01/2025", "P1"]], headers=headers)
    with pytest.raises(InputError, match=r'same header appears more than once \("Child ID" and "child id"\)'):
        read_extract([src], PROFILE)


def test_empty_sheet_alone_is_an_error_else_a_query(tmp_path):
    empty = _book(tmp_path / "empty.xlsx", [])
    with pytest.raises(InputError, match="no data rows found"):
        read_extract([empty], PROFILE)
    full = _book(tmp_path / "full.xlsx", [["P1", "R1", "01/01/2025", "", "", "", "", ""]])
    ds = read_extract([empty, full], PROFILE)
    assert [i.file for i in _issues(ds, "SHEET-EMPTY")] == ["empty.xlsx"]
    assert len(ds.table("request")) == 1


def test_formulas_kept_as_text_in_csv_and_xlsx(tmp_path):
    csv_path = tmp_path / "requests.csv"
    csv_path.write_text("Child ID,Request Ref,Date Request Received,Surname\n"
                        'P1,R1,01/01/2025,"=HYPERLINK(""http://x"",""y"")"\nP2,R2,02/01/2025,+44 123\n'
                        "P3,R3,03/01/2025,@SUM(A1)\nP4,R4,04/01/2025,-cmd\n", encoding="utf-8")
    ds = read_extract([csv_path], PROFILE)
    assert ds.table("person")["surname"].tolist() == ['=HYPERLINK("http://x","y")', "+44 123", "@SUM(A1)", "-cmd"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Requests"
    ws.append(["Child ID", "Request Ref", "Date Request Received", "Surname"])
    ws.append(["P1", "R1", "01/01/2025", "=1+1"])
    ws["D2"].data_type = "s"  # stored as a string, as a tracker's free text would be
    wb.save(tmp_path / "f.xlsx")
    ds = read_extract([tmp_path / "f.xlsx"], PROFILE)
    assert ds.table("person")["surname"].tolist() == ["=1+1"]


def test_windows_1252_csv_with_bom_is_read_with_a_query(tmp_path):
    p = tmp_path / "requests.csv"
    body = "Child ID,Request Ref,Date Request Received,Surname\r\nP1,R1,01/01/2025,Zoë Brontë £\r\n"
    p.write_bytes(b"\xef\xbb\xbf" + body.encode("cp1252"))
    ds = read_extract([p], PROFILE)
    assert ds.table("person")["surname"].tolist() == ["Zoë Brontë £"]
    assert ds.table("request")["_row"].tolist() == [2]
    [enc] = _issues(ds, "CSV-ENCODING")
    assert enc.severity == "query" and "Windows-1252" in enc.message


def test_csv_rows_numbered_as_a_spreadsheet_shows_them(tmp_path):
    p = tmp_path / "requests.csv"
    p.write_text("Report run 01/03/2025\n\nChild ID;Request Ref;Date Request Received\n"
                 "P1;R1;01/01/2025\n\nP2;R2;xx\n", encoding="utf-8")
    ds = read_extract([p], PROFILE)
    assert ds.table("request")["_row"].tolist() == [4, 6]
    [bad] = _issues(ds, "DATE-NOT-A-DATE")
    assert bad.message == 'requests.csv, row 6, column "Date Request Received": "xx" is not a date.'
    assert ds.read_counts[0]["blank_rows"] == 1


def test_hidden_sheets_read_only_when_named(tmp_path):
    path = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Requests"
    ws.append(HEADERS)
    ws.append(["P1", "R1", "01/01/2025"])
    old = wb.create_sheet("Requests old")
    old.sheet_state = "hidden"
    old.append(HEADERS)
    old.append(["P9", "R9", "01/01/2020"])
    wb.save(path)
    ds = read_extract([path], PROFILE)
    assert ds.table("request")["request_id"].tolist() == ["R1"]
    [skipped] = _issues(ds, "SHEET-NOT-READ")
    assert skipped.sheet == "Requests old" and "hidden" in skipped.message
    named = parse_profile({"name": "p", "sheets": [
        {"match": "requests old", "tables": ["request"], "columns": {"Request Ref": "request_id"}}]})
    assert read_extract([path], named).table("request")["request_id"].tolist() == ["R9"]
    info = inspect_file(path, PROFILE)
    hidden = [s for s in info["sheets"] if s["name"] == "Requests old"][0]
    assert hidden["hidden"] and not hidden["read"]
    assert "hidden" in format_inspection(info)


def test_unmapped_columns_are_reported_not_dropped_silently(tmp_path):
    src = _book(tmp_path / "t.xlsx", [["P1", "R1", "01/01/2025", "", "", "", "", "", "", "blue"]],
                headers=HEADERS + ["Favourite colour"])
    ds = read_extract([src], PROFILE)
    [col] = _issues(ds, "COLUMN-NOT-MAPPED")
    assert '"Favourite colour"' in col.message


def test_load_inputs_picks_the_best_bundled_profile(tmp_path, monkeypatch):
    from checker import resources

    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "la-test.yaml").write_text(yaml.safe_dump({
        "name": "la-test", "sheets": [{"match": "*", "tables": ["request"],
                                       "columns": {"Request Ref": "request_id", "Child ID": "person_id",
                                                   "Date Request Received": "received_date"}}]}))
    (profiles / "la-other.yaml").write_text(yaml.safe_dump({
        "name": "la-other", "sheets": [{"match": "*", "tables": ["request"],
                                        "columns": {"REQ_NO": "request_id", "REQ_DT": "received_date"}}]}))
    monkeypatch.setattr(resources, "profile_files", lambda: resources.yaml_files(profiles))
    src = _book(tmp_path / "t.xlsx", [["P1", "R1", "01/01/2025"]])
    ds = load_inputs([src])
    assert ds.table("request")["request_id"].tolist() == ["R1"]
    odd = _book(tmp_path / "odd.xlsx", [["x", "y"]], headers=["Alpha", "Beta"])
    with pytest.raises(InputError, match=r"odd\.xlsx: no mapping profile given .*la-test .*profile new odd\.xlsx"):
        load_inputs([odd])


def test_inspect_reports_mapping(tmp_path):
    src = _book(tmp_path / "t.xlsx", [["P1", "R1", "01/01/2025"]], headers=HEADERS + ["UPN", "Mystery"])
    info = inspect_file(src, PROFILE)
    [sheet] = info["sheets"]
    assert sheet["read"] and sheet["header_row"] == 1 and sheet["data_rows"] == 1
    assert {"column": "UPN", "field": "person.upn", "by": "alias"} in sheet["mapped"]
    assert sheet["ignored"] == ["Notes"] and sheet["unknown"] == ["Mystery"]
    text = format_inspection(info)
    assert "Date Request Received" in text and "-> received_date" in text and '"Mystery"' in text


def test_load_inputs_merges_several_files(tmp_path):
    a = _book(tmp_path / "a.xlsx", [["P1", "R1", "01/01/2025"]])
    b = tmp_path / "b.csv"
    b.write_text("Child ID,Request Ref,Date Request Received\nP2,R2,02/01/2025\n")
    ds = load_inputs([a, b], PROFILE)
    assert ds.table("request")["_file"].tolist() == ["a.xlsx", "b.csv"]
    assert ds.sources == ["a.xlsx", "b.csv"]
