"""load_inputs sends each file to the reader its content calls for."""

import openpyxl
import pytest

from checker.dataset import InputError
from checker.readers import is_blade_csv, is_presubmission_workbook, load_inputs


def test_blade_csv_recognised_by_name_or_linking_columns(tmp_path):
    a = tmp_path / "Blade-Export_16-01-2025_person.csv"
    a.write_text("surname,forename\nX,Y\n")
    b = tmp_path / "person.csv"
    b.write_text("persontableid,NativeId,surname\n1,2,X\n")
    c = tmp_path / "tracker.csv"
    c.write_text("Request ID,Date Received\nR1,01/01/2025\n")
    assert is_blade_csv(a) and is_blade_csv(b) and not is_blade_csv(c)


def test_presubmission_workbook_recognised_by_sheet_names(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Person"
    for name in ("Requests", "Assessments", "Named Plan", "Active Plan", "SEN Need"):
        wb.create_sheet(name)
    wb.save(tmp_path / "pre.xlsx")
    other = openpyxl.Workbook()
    other.active.title = "Requests"
    other.save(tmp_path / "tracker.xlsx")
    assert is_presubmission_workbook(tmp_path / "pre.xlsx")
    assert not is_presubmission_workbook(tmp_path / "tracker.xlsx")


def test_blade_csvs_go_to_the_sen2_flat_reader(tmp_path, monkeypatch):
    flat = pytest.importorskip("checker.readers.sen2_flat")
    seen = []
    monkeypatch.setattr(flat, "read_sen2_blade", lambda paths: seen.append(list(paths)) or __import__(
        "checker.dataset", fromlist=["Dataset"]).Dataset())
    a = tmp_path / "Blade-Export_16-01-2025_person.csv"
    a.write_text("persontableid,surname\n1,X\n")
    load_inputs([a])
    assert seen == [[a]]


def test_no_inputs_and_xml_with_extract_profile(tmp_path):
    with pytest.raises(InputError, match="no input files given"):
        load_inputs([])
