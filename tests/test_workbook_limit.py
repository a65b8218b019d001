"""Runs too big for Excel (national or multi-LA) leave the person-level workbooks out, and say so."""

from pathlib import Path

from click.testing import CliRunner

import checker.reports
from checker.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEN2 = ROOT / "tests" / "data" / "sen2" / "sen2-2026.xml"


def check(out: Path, *args):
    return CliRunner().invoke(main, ["check", str(SEN2), "--as-at", "2026-01-15", "--out", str(out), *args],
                              catch_exceptions=False)


def test_an_la_sized_run_writes_both_workbooks(tmp_path):
    result = check(tmp_path / "r")
    assert (tmp_path / "r" / "breach-workbook.xlsx").exists() and (tmp_path / "r" / "inspection-pack.xlsx").exists()
    assert "Not written" not in result.output


def test_more_findings_than_an_excel_sheet_holds_leaves_the_workbooks_out(tmp_path, monkeypatch):
    monkeypatch.setattr(checker.reports, "WORKBOOK_FINDINGS_LIMIT", 1)
    result = check(tmp_path / "r")
    assert result.exit_code == 1, result.output
    out = tmp_path / "r"
    assert not (out / "breach-workbook.xlsx").exists() and not (out / "inspection-pack.xlsx").exists()
    assert (out / "inspection-pack.html").exists() and (out / "send-manager-report.html").exists()
    assert (out / "findings.csv").exists()
    assert "Not written: the breach workbook and the inspection pack's workbook." in result.output
    assert "more than one Excel sheet holds (1)" in result.output and "--report excel" in result.output
    pack = (out / "inspection-pack.html").read_text()
    assert "was not written; every finding is in findings.csv" in pack


def test_workbooks_asked_for_by_name_are_written_whatever_the_size(tmp_path, monkeypatch):
    monkeypatch.setattr(checker.reports, "WORKBOOK_FINDINGS_LIMIT", 1)
    result = check(tmp_path / "r", "--report", "excel", "--report", "inspection")
    assert (tmp_path / "r" / "breach-workbook.xlsx").exists() and (tmp_path / "r" / "inspection-pack.xlsx").exists()
    assert "Not written" not in result.output
