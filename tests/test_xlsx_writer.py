"""The column-by-column .xlsx writer: what a spreadsheet user reads back, cell for cell.

Every workbook is read back with openpyxl (values, types, styles, sheet furniture) and python-calamine (the
reader sendcheck itself uses), and every XML part is parsed, so a file Excel would have to "repair" fails here.
"""

import csv
import datetime as dt
import shutil
import subprocess
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from defusedxml import ElementTree
from python_calamine import CalamineWorkbook

from checker.reports import excel, xlsx
from checker.reports.xlsx import Column, Workbook

HOSTILE = ["=1+1", "+44 20 7946 0000", "-5", "@SUM(A1)", "\t=cmd", "\uff1dHYPERLINK()", "plain"]
COLUMNS = [Column("Status", "status"), Column("Days", "days", "int"), Column("Due", "due", "date"),
           Column("Share", "share", "number"), Column("Note", "note")]


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "status": ["Overdue", "Late", None, "Due soon", "Overdue", "Compliant", "Pending"],
        "days": pd.array([3, None, 0, 12, 1_000_000, -2, None], dtype="Int64"),
        "due": pd.to_datetime(["2024-02-29", "2026-03-31", None, "1900-03-01", "1899-12-31", "2026-12-25",
                               "2025-01-01"]),
        "share": [0.5, np.nan, 1.0, np.inf, 2.25, None, 7.0],
        "note": HOSTILE,
    })


def save(tmp_path, book: Workbook, name="t.xlsx"):
    return book.save(tmp_path / name)


def simple_book(data=None) -> Workbook:
    book = Workbook(title="test & <title>")
    book.add_cells("Summary", [[("A title", "title")], [], [("Caption", "bold")],
                               [("Item", "header"), ("Value", "header")],
                               [("Data as at", None), (dt.date(2026, 10, 31), None)],
                               [("Count", None), (42, None)], [("Danger", None), ("=2+2", None)]], [30, 20])
    book.add_table("Findings", COLUMNS, frame() if data is None else data,
                   {"Overdue": ("F4CDC6", "2A0B06"), "Late": ("FCD6C3", "6E3619")})
    return book


def test_values_types_and_styles_read_back_in_openpyxl(tmp_path):
    path = save(tmp_path, simple_book())
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Findings"]
    ws = wb["Findings"]
    assert [c.value for c in ws[1]] == ["Status", "Days", "Due", "Share", "Note"]
    assert ws["A1"].font.b and ws.row_dimensions[1].height == 30
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [r[0] for r in rows] == ["Overdue", "Late", None, "Due soon", "Overdue", "Compliant", "Pending"]
    assert [r[1] for r in rows] == [3, None, 0, 12, 1_000_000, -2, None]
    assert rows[0][2] == dt.datetime(2024, 2, 29) and ws["C2"].number_format == "dd/mm/yyyy"
    assert rows[3][2] == dt.datetime(1900, 3, 1)  # the first date Excel's serials hold exactly
    assert rows[4][2] == "31/12/1899" and ws["C6"].data_type == "s"  # before it: kept as text, never shifted
    assert rows[2][2] is None
    assert [r[3] for r in rows] == [0.5, None, 1, None, 2.25, None, 7]  # NaN and infinity are left blank
    assert [r[4] for r in rows] == HOSTILE


def test_text_never_becomes_a_formula_and_formula_like_text_is_quoted(tmp_path):
    wb = openpyxl.load_workbook(save(tmp_path, simple_book()))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
    notes = wb["Findings"]["E"][1:]
    assert [c.quotePrefix for c in notes] == [True, True, True, True, True, True, False]
    assert all(c.data_type == "s" for c in notes)
    assert wb["Summary"]["B7"].value == "=2+2" and wb["Summary"]["B7"].quotePrefix


def test_sheet_furniture(tmp_path):
    wb = openpyxl.load_workbook(save(tmp_path, simple_book()))
    ws = wb["Findings"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:E8"
    assert ws.column_dimensions["A"].width == 14
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    assert [r.formula for r in rules] == [['"Overdue"'], ['"Late"']]
    assert str(list(ws.conditional_formatting)[0].sqref) == "A2:A8"
    summary = wb["Summary"]
    assert summary["A1"].font.sz == 16 and summary["A3"].font.b
    assert summary["B5"].value == dt.datetime(2026, 10, 31) and summary["B5"].number_format == "dd/mm/yyyy"
    assert summary.column_dimensions["A"].width == 30
    assert wb.properties.title == "test & <title>" and wb.properties.creator == "sendcheck"


def test_calamine_reads_the_same_values(tmp_path):
    path = save(tmp_path, simple_book())
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Findings").to_python()
    assert sheet[0] == ["Status", "Days", "Due", "Share", "Note"]
    assert sheet[1][0] == "Overdue" and sheet[1][1] == 3 and sheet[1][2] == dt.date(2024, 2, 29)
    assert [r[4] for r in sheet[1:]] == HOSTILE


def test_every_part_is_well_formed_xml_and_declared(tmp_path):
    path = save(tmp_path, simple_book())
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert names[0] == "[Content_Types].xml"
        types = zf.read("[Content_Types].xml").decode()
        for name in names:
            if name.endswith(".xml"):
                ElementTree.fromstring(zf.read(name))
                if name != "[Content_Types].xml":
                    assert f'PartName="/{name}"' in types, name
            else:
                ElementTree.fromstring(zf.read(name))
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_same_tables_give_a_byte_identical_file(tmp_path):
    first = save(tmp_path, simple_book(), "a.xlsx").read_bytes()
    assert save(tmp_path, simple_book(), "b.xlsx").read_bytes() == first


def test_chunking_does_not_change_what_a_reader_sees(tmp_path, monkeypatch):
    def cells(path):
        wb = openpyxl.load_workbook(path)
        return {ws.title: [[(c.value, c.number_format, c.quotePrefix) for c in row] for row in ws.iter_rows()]
                for ws in wb.worksheets}

    whole = cells(save(tmp_path, simple_book(), "a.xlsx"))
    monkeypatch.setattr(xlsx, "CHUNK_ROWS", 2)  # strings are then numbered in another order; the cells agree
    assert cells(save(tmp_path, simple_book(), "b.xlsx")) == whole


def test_xml_specials_control_characters_and_overlong_text(tmp_path):
    data = pd.DataFrame({"status": ['<b>"Tom" & Jerry\'s</b>', "bell\x07 and nul\x00 gone", "x" * 40_000, 12345,
                                    "  spaced  ", "", "line\nbreak"]})
    book = Workbook()
    book.add_table("Text", [Column("Text", "status")], data)
    ws = openpyxl.load_workbook(save(tmp_path, book))["Text"]
    values = [c.value for c in ws["A"][1:]]
    assert values[0] == '<b>"Tom" & Jerry\'s</b>'
    assert values[1] == "bell and nul gone"
    assert values[2] == "x" * xlsx.MAX_TEXT
    assert values[3] == "12345" and ws["A5"].data_type == "s"  # a number in a text column stays text
    assert values[4] == "  spaced  "
    assert values[5] is None
    assert values[6] == "line\nbreak"


def test_an_empty_table_still_has_its_header_and_filter(tmp_path):
    book = Workbook()
    book.add_table("Nothing", COLUMNS, frame().iloc[0:0])
    ws = openpyxl.load_workbook(save(tmp_path, book))["Nothing"]
    assert [c.value for c in ws[1]] == ["Status", "Days", "Due", "Share", "Note"]
    assert ws.max_row == 1 and ws.auto_filter.ref == "A1:E2"


def test_a_column_missing_from_the_frame_is_left_blank(tmp_path):
    book = Workbook()
    book.add_table("Part", [Column("Status", "status"), Column("Absent", "not_there")], frame())
    ws = openpyxl.load_workbook(save(tmp_path, book))["Part"]
    assert ws["B1"].value == "Absent" and all(c.value is None for c in ws["B"][1:])


def test_long_tables_continue_on_numbered_sheets(tmp_path, monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 3)
    writer = excel.WorkbookWriter(tmp_path / "split.xlsx")
    writer.table("Reviews", COLUMNS, frame(), status_key=None)
    wb = openpyxl.load_workbook(writer.close())
    assert wb.sheetnames == ["Reviews", "Reviews 2", "Reviews 3"]
    assert [wb[n].max_row for n in wb.sheetnames] == [4, 4, 2]
    assert wb["Reviews 3"]["E2"].value == "plain"


@pytest.mark.parametrize("index,letters", [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"), (701, "ZZ"),
                                           (702, "AAA")])
def test_column_letters(index, letters):
    assert xlsx.column_letter(index) == letters


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_libreoffice_reads_the_same_cells(tmp_path):
    """A second, independent spreadsheet program: LibreOffice opens the workbook and sees the same cells."""
    path = save(tmp_path, simple_book())
    done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                           "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,false,false,false,"
                           "false,2", "--outdir", str(tmp_path), str(path)], capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader((tmp_path / "t-Findings.csv").open(encoding="utf-8")))
    assert rows[0] == ["Status", "Days", "Due", "Share", "Note"]
    assert [r[0] for r in rows[1:]] == ["Overdue", "Late", "", "Due soon", "Overdue", "Compliant", "Pending"]
    assert [r[1] for r in rows[1:]] == ["3", "", "0", "12", "1000000", "-2", ""]
    assert rows[1][2] in ("02/29/2024", "29/02/2024", "2024-02-29")  # a real date, shown in LibreOffice's locale
    assert rows[5][2] == "31/12/1899"  # before Excel's calendar: our text, as written
    assert [r[4] for r in rows[1:]] == HOSTILE  # formula-like text stays text
