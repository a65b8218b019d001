"""The broken-file corpus: what councils' systems really export, run through the real command.

Each case is a file (built here, or kept small under tests/data/broken/), the exit code a SEND manager sees
(2: the input cannot be used; 1: usable, with data issues or breaches) and the exact words that tell them which
file, sheet, row and column is wrong and what was expected. No case may show a traceback.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from pathlib import Path

import pytest
from builders import csv_file, workbook
from click.testing import CliRunner

from checker.cli import main
from checker.readers import detect

BROKEN = Path(__file__).resolve().parent / "data" / "broken"
AS_AT = "2026-10-31"

# The la-tracker-a profile's headers (enough of them to map), and one good row for them.
HEADERS = ["Child ID", "Forename", "Surname", "DOB", "Request Ref", "Date Request Received",
           "Decision to Assess Date", "Decision", "Assessment Outcome", "Final Plan Issued"]
GOOD = ["C1", "Ada", "Lovelace", "14/03/2016", "R1", "06/01/2025", "14/02/2025", "Agreed to assess", "Plan issued",
        "26/05/2025"]


def _csv(name, rows, encoding="utf-8", bom=b""):
    return lambda tmp: csv_file(tmp / name, rows, encoding=encoding, bom=bom)


def _raw(name, data: bytes):
    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(data)
        return path
    return build


def _stored(name):
    return lambda tmp: BROKEN / name


def _book(name, rows, edit=None, title="EHC Tracker"):
    return lambda tmp: workbook(tmp / name, rows, title=title, edit=edit)


def _merge_header(wb, ws):
    ws.merge_cells("B1:C1")  # "Forename" spread over the Surname column: the Surname header is lost


def _group_header(wb, ws):
    ws.insert_rows(1)
    ws["A1"] = "Child"
    ws.merge_cells("A1:D1")
    ws["E1"] = "Request"
    ws.merge_cells("E1:J1")


def _hidden_sheet(wb, ws):
    old = wb.create_sheet("Old tracker")
    old.sheet_state = "hidden"
    old.append(HEADERS)
    old.append(["C9", "Old", "Row", "01/01/2010", "R9", "01/01/2019"])


def _formulas(wb, ws):
    ws["F2"] = "=DATE(2025,1,6)"  # saved by a program, not Excel: no cached value
    ws["J2"] = "=F2+140"


def _dates_1900(wb, ws):
    ws["F2"] = dt.datetime(2025, 1, 6)
    ws["G2"] = dt.datetime(2025, 2, 14)
    ws["J2"] = dt.datetime(2025, 5, 27)


def _dates_1904(wb, ws):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb.epoch = CALENDAR_MAC_1904
    _dates_1900(wb, ws)


def _corrupt_workbook(tmp: Path) -> Path:
    good = _book("whole.xlsx", [HEADERS, GOOD])(tmp)
    path = tmp / "corrupt.xlsx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    return path


def _zip_bomb(tmp: Path) -> Path:
    path = tmp / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"<" * (60 * 1024**2))
    return path


def _one_gigabyte(tmp: Path) -> Path:
    """A 1 GiB CSV that takes no disk: a real header, then a sparse hole."""
    path = tmp / "national_tracker.csv"
    with open(path, "wb") as fh:
        fh.write((",".join(HEADERS) + "\r\n" + ",".join(GOOD) + "\r\n").encode())
        fh.truncate(1024**3)
    return path


def _encrypted(tmp: Path) -> Path:
    path = tmp / "locked.xlsx"
    path.write_bytes(detect.OLE_MAGIC + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512)
    return path


_MISSING = [h for h in HEADERS if h != "Request Ref"]
_MISSING_ROW = [v for h, v in zip(HEADERS, GOOD) if h != "Request Ref"]
_WRONG = ["Child ID", "Forename", "Surname", "DOB", "Request Reference", "Date Req Received"]
_DUP = HEADERS + ["Surname"]

# (id, build, exit code, where to look: "out" = terminal, "issues" = data_issues.csv, "findings", expected text)
CASES = [
    ("empty-file", _raw("tracker.csv", b""), 2, "out",
     "tracker.csv: the file is empty; expected a caseload extract (.xlsx or .csv) or a SEN2 XML file."),
    ("blank-lines-only", _raw("tracker.csv", b"\xef\xbb\xbf\r\n  \r\n\r\n"), 2, "out",
     "tracker.csv: the file is empty"),
    ("missing-required-column", _csv("tracker.csv", [_MISSING, _MISSING_ROW]), 2, "out",
     'tracker.csv, row 1: no column for request_id (profile la-tracker-a expects "Request Ref")'),
    ("wrong-column-names", _csv("tracker.csv", [_WRONG, GOOD[:6]]), 2, "out",
     'tracker.csv, row 1: no column for received_date (profile la-tracker-a expects "Date Request Received"); nearest headers found: "Date Req Received"'),
    ("duplicate-headers", _csv("tracker.csv", [_DUP, GOOD + ["Lovelace"]]), 2, "out",
     'tracker.csv, row 1: the same header appears more than once ("Surname" and "Surname")'),
    ("header-only", _csv("tracker.csv", [HEADERS]), 2, "out",
     "no data rows found (tracker.csv); expected an extract with a header row and at least one record, read through profile la-tracker-a."),
    ("no-header-row", _csv("tracker.csv", [["a", "b"], ["1", "2"]]), 2, "out", 'tracker.csv: no header row found in the first 20 rows (looked for a row holding headers such as "Child ID", "Forename"'),
    ("merged-header-cells", _book("merged.xlsx", [HEADERS, GOOD], _merge_header), 1, "issues", 'merged.xlsx, sheet "EHC Tracker": 1 column(s) have values but no header (first at row 2); those values are not read.'),
    ("group-header-above", _book("grouped.xlsx", [HEADERS, GOOD], _group_header), 1, "findings", "EHC-FINAL-20W,request,R1,C1,,compliant,2025-01-06,2025-05-26,2025-05-26"),
    ("hidden-sheet", _book("hidden.xlsx", [HEADERS, GOOD], _hidden_sheet), 1, "issues", 'hidden.xlsx, sheet "Old tracker": not read: it is hidden, and the profile does not name it (profile la-tracker-a).'),
    ("formulas-without-values", _book("formulas.xlsx", [HEADERS, GOOD], _formulas), 1, "issues", 'formulas.xlsx, sheet "EHC Tracker": 2 cell(s) hold a formula with no saved result (F2, J2; F2 is "=DATE(2025,1,6)"), so they read as blank.'),
    ("formula-text-in-csv", _csv("tracker.csv", [HEADERS, GOOD[:5] + ["=DATE(2025,1,6)"] + GOOD[6:]]), 1,
     "issues", 'tracker.csv, row 2, column "Date Request Received": "=DATE(2025,1,6)" is not a date.'),
    ("dates-as-text-three-formats", _csv("tracker.csv", [
        HEADERS, GOOD,
        ["C2", "Bo", "B", "2016-03-14", "R2", "2025-01-06", "2025-02-14", "Agreed to assess", "Plan issued",
         "2025-05-26"],
        ["C3", "Cy", "C", "14 Mar 2016", "R3", "6 Jan 2025", "14 February 2025", "Agreed to assess",
         "Plan issued", "26 May 2025"],
        ["C4", "Di", "D", "14/03/2016", "R4", "31/02/2025", "", "Awaiting decision", "", ""]]), 1, "issues",
     'tracker.csv, row 5, column "Date Request Received": "31/02/2025" is not a date.'),
    ("excel-1900-dates", _book("d1900.xlsx", [HEADERS, GOOD], _dates_1900), 1, "findings", "EHC-FINAL-20W,request,R1,C1,,late,2025-01-06,2025-05-26,2025-05-27,1"),
    ("excel-1904-dates", _book("d1904.xlsx", [HEADERS, GOOD], _dates_1904), 1, "findings", "EHC-FINAL-20W,request,R1,C1,,late,2025-01-06,2025-05-26,2025-05-27,1"),
    ("password-protected", _encrypted, 2, "out",
     "locked.xlsx: the workbook is password-protected; remove the password in Excel"),
    ("corrupt-workbook", _corrupt_workbook, 2, "out", "corrupt.xlsx: the file looks like a workbook (zip) but is damaged"),
    ("windows-1252-with-bom", _csv("tracker.csv", [HEADERS, ["C1", "Zoë", "Brontë £"] + GOOD[3:]],
                                   encoding="cp1252", bom=b"\xef\xbb\xbf"), 1, "issues", "tracker.csv: not valid utf-8-sig text (first odd byte on row 2); read as Windows-1252 instead."),
    ("zip-bomb-as-xlsx", _zip_bomb, 2, "out", "bomb.xlsx: part 'xl/worksheets/sheet1.xml' would unpack to 60 MiB from 60 KiB (more than 200:1), which is how a zip bomb looks; the file is refused as unsafe."),
    ("xml-external-entity", _stored("xxe-file.xml"), 2, "out", "xxe-file.xml declares a document type or entities (<!DOCTYPE); SEN2 returns never do, and such files are refused for safety."),
    ("xml-external-dtd", _stored("external-dtd.xml"), 2, "out", "external-dtd.xml declares a document type or entities (<!DOCTYPE)"),
    ("xml-parameter-entity", _stored("parameter-entity.xml"), 2, "out", "parameter-entity.xml declares a document type or entities (<!DOCTYPE)"),
    ("xml-billion-laughs", _stored("billion-laughs.xml"), 2, "out", "billion-laughs.xml declares a document type or entities (<!DOCTYPE)"),
    ("xml-truncated", _stored("truncated.xml"), 2, "out", "truncated.xml, line 4: the XML is malformed or cut short"),
    ("one-gigabyte-csv", _one_gigabyte, 2, "out", "national_tracker.csv: the file is 1,024 MiB, more than the 512 MiB limit for one input file; split the extract"),
    ("old-xls", _raw("tracker.xls", detect.OLE_MAGIC + b"\x00" * 1024), 2, "out", "tracker.xls: this is an old-style Excel 97-2003 workbook (.xls), which is not read; open it in Excel and save it as an Excel Workbook (.xlsx) or CSV."),
    ("html-saved-as-xls", _raw("tracker.xls", b"<html><body><table><tr><td>Child ID</td></tr></table></body></html>"),
     2, "out", "tracker.xls: this is a web page (HTML) saved with a spreadsheet name, not a workbook"),
    ("csv-named-xlsx", _csv("tracker.xlsx", [HEADERS, GOOD]), 2, "out", "tracker.xlsx: the name says Excel workbook but the file holds plain text (probably CSV)"),
    ("binary-junk", _raw("tracker.csv", bytes(range(256)) * 8), 2, "out", "tracker.csv: this is not a spreadsheet, CSV or XML file (it holds binary data)"),
    ("unclosed-quote", _raw("tracker.csv", (",".join(HEADERS) + '\r\nC1,"Ada,Lovelace\r\n').encode()), 2, "out",
     'tracker.csv, row 2: a quote opened here is never closed; check for a stray double quote (") in that row'),
    ("utf16-csv", _csv("tracker.csv", [HEADERS, GOOD], encoding="utf-16"), 1, "findings", "EHC-FINAL-20W,request,R1,C1,,compliant,2025-01-06,2025-05-26,2025-05-26"),
    ("ragged-rows", _csv("tracker.csv", [HEADERS, GOOD + ["extra", "more"], GOOD[:3]]), 1, "issues", 'tracker.csv, row 3, column "Request Ref (request_id)": request_id is blank; it is required to identify or link this request row.'),
    ("nul-in-cell", _raw("tracker.csv", (",".join(HEADERS) + "\r\n" + ",".join(GOOD).replace("Ada", "A\x00da")
                                         + "\r\n").encode()), 2, "out", "tracker.csv: this is not a spreadsheet, CSV or XML file (it holds binary data)"),
]


def _run(tmp_path: Path, build) -> tuple[int, str, Path]:
    src = tmp_path / "in"
    src.mkdir()
    path = build(src)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["check", str(path), "--as-at", AS_AT, "--out", str(out),
                                       "--profile", "la-tracker-a", "--report", "none"])
    text = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        text += "Traceback\n" + "".join(traceback.format_exception(result.exception))
    return result.exit_code, text, out


@pytest.mark.parametrize("build,code,where,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_file(tmp_path, build, code, where, expected):
    exit_code, output, out = _run(tmp_path, build)
    assert "Traceback" not in output, output
    seen = output
    if where == "issues":
        with open(out / "data_issues.csv", encoding="utf-8", newline="") as fh:
            seen = "\n".join(row["message"] for row in csv.DictReader(fh))
    elif where == "findings":
        seen = (out / "findings.csv").read_text(encoding="utf-8")
    assert (exit_code, expected in seen) == (code, True), f"exit {exit_code}\n{output}\n---\n{seen}"


def test_data_check_messages_name_the_column_as_the_council_wrote_it(tmp_path):
    build = _csv("tracker.csv", [HEADERS + ["Primary Need"], GOOD + ["Dyslexia-ish"]])
    exit_code, output, out = _run(tmp_path, build)
    assert exit_code == 1, output
    with open(out / "data_issues.csv", encoding="utf-8", newline="") as fh:
        bad = [row for row in csv.DictReader(fh) if row["issue_id"] == "CODE-INVALID"]
    assert bad, "the made-up need should be an invalid code"
    # the header as the council wrote it, with the canonical field it was mapped to
    assert bad[0]["message"].startswith('tracker.csv, row 2, column "Primary Need (sen_type)": "Dyslexia-ish" is '
                                        'not a valid')


def test_formulas_without_results_found_across_chunks_and_empty_results_allowed(tmp_path, monkeypatch):
    from checker.readers import extract

    def edit(wb, ws):
        for r in range(2, 400):
            ws.cell(r, 10, f"=F{r}+140")
        ws["K1"] = "Notes"

    path = _book("many.xlsx", [HEADERS] + [GOOD] * 399, edit)(tmp_path)
    monkeypatch.setattr(extract, "FORMULA_SCAN_CHUNK", 1000)  # cells cut across many chunk boundaries
    cells = extract.formulas_without_results(path, {"EHC Tracker"})["EHC Tracker"]
    assert [c for c, _ in cells] == [f"J{r}" for r in range(2, 400)]
    assert cells[0][1] == "=F2+140"
    # Excel's own record of a formula whose result is the empty string is not flagged
    xml = (b'<c r="A1" t="str"><f>IF(B1="","",B1)</f><v></v></c><c r="A2"><f>1+1</f><v>2</v></c>'
           b'<c r="A3" s="1"/><c r="A4"><f>B4*2</f></c>')
    import zipfile

    src = zipfile.ZipFile(path)
    out = tmp_path / "excel.xlsx"
    with zipfile.ZipFile(out, "w") as zf:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.split(b"<sheetData>")[0] + b"<sheetData><row r=\"1\">" + xml + b"</row></sheetData>" + \
                    data.split(b"</sheetData>")[1]
            zf.writestr(info, data)
    assert extract.formulas_without_results(out, {"EHC Tracker"}) == {"EHC Tracker": [("A4", "=B4*2")]}
