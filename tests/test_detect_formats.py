"""Format detection goes by content: renamed, legacy, encrypted, empty and hostile files are refused plainly."""

import zipfile

import openpyxl
import pytest

from checker.dataset import InputError
from checker.readers import detect
from checker.readers.detect import detect_format


def _xlsx(path):
    wb = openpyxl.Workbook()
    wb.active.append(["Request ID", "Date Received"])
    wb.save(path)
    return path


def test_real_workbook_is_xlsx_whatever_its_name(tmp_path):
    assert detect_format(_xlsx(tmp_path / "extract.dat")) == "xlsx"


def test_csv_and_xml_by_content(tmp_path):
    (tmp_path / "a.txt").write_text("Request ID,Date Received\nR1,01/02/2025\n")
    (tmp_path / "b.dat").write_text('<?xml version="1.0"?>\n<Message></Message>')
    (tmp_path / "c.dat").write_text("\ufeff<Message><Header/></Message>")
    assert detect_format(tmp_path / "a.txt") == "csv"
    assert detect_format(tmp_path / "b.dat") == "xml"
    assert detect_format(tmp_path / "c.dat") == "xml"


def test_csv_saved_as_xlsx_is_refused_naming_the_file(tmp_path):
    p = tmp_path / "tracker.xlsx"
    p.write_text("Request ID,Date Received\nR1,01/02/2025\n")
    with pytest.raises(InputError, match=r"tracker\.xlsx: .*plain text.*rename it to \.csv"):
        detect_format(p)


def test_empty_file(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_bytes(b"")
    with pytest.raises(InputError, match="empty.csv: the file is empty"):
        detect_format(p)


def test_legacy_xls_and_encrypted_workbook(tmp_path):
    xls = tmp_path / "old.xls"
    xls.write_bytes(detect.OLE_MAGIC + b"\x00" * 600)
    with pytest.raises(InputError, match=r"old\.xls: .*Excel 97-2003.*save it as"):
        detect_format(xls)
    enc = tmp_path / "locked.xlsx"
    enc.write_bytes(detect.OLE_MAGIC + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 100)
    with pytest.raises(InputError, match=r"locked\.xlsx: the workbook is password-protected"):
        detect_format(enc)


def test_zip_that_is_not_a_workbook(tmp_path):
    p = tmp_path / "extract.xlsx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(InputError, match="zip archive that is not an Excel workbook"):
        detect_format(p)


def test_damaged_zip(tmp_path):
    p = tmp_path / "broken.xlsx"
    p.write_bytes(b"PK\x03\x04" + b"\x00" * 50)
    with pytest.raises(InputError, match=r"broken\.xlsx: .*damaged"):
        detect_format(p)


def test_zip_bomb_disguised_as_xlsx_is_refused_before_unpacking(tmp_path):
    p = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\x00" * (60 * 1024**2))
    assert p.stat().st_size < 1024**2
    with pytest.raises(InputError, match=r"bomb\.xlsx: .*zip bomb.*refused"):
        detect_format(p)


def test_declared_total_size_limit(tmp_path, monkeypatch):
    p = _xlsx(tmp_path / "big.xlsx")
    monkeypatch.setattr(detect, "MAX_UNCOMPRESSED", 1000)
    with pytest.raises(InputError, match=r"big\.xlsx: the workbook would unpack to .*refused as unsafe"):
        detect_format(p)


def test_html_saved_as_xls_and_binary_junk(tmp_path):
    html = tmp_path / "report.xlsx"
    html.write_text("<html><body><table><tr><td>1</td></tr></table></body></html>")
    with pytest.raises(InputError, match="web page"):
        detect_format(html)
    junk = tmp_path / "data.csv"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(InputError, match="binary data"):
        detect_format(junk)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        detect_format(tmp_path / "nope.csv")
