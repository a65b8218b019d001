"""The sendcheck command as a SEND manager meets it: exit codes, messages, determinism, explain."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEN2 = ROOT / "tests" / "data" / "sen2" / "sen2-2026.xml"
TRUNCATED = ROOT / "tests" / "data" / "sen2" / "truncated.xml"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_check_writes_findings_and_exits_1_when_breaches(tmp_path):
    result = run("check", SEN2, "--as-at", "2026-01-15", "--out", tmp_path / "r", "--report", "none")
    assert result.exit_code == 1, result.output
    assert (tmp_path / "r" / "findings.csv").exists()
    assert (tmp_path / "r" / "data_issues.csv").exists()
    assert "rows read" in result.output
    header = (tmp_path / "r" / "findings.csv").read_text().splitlines()[0]
    assert header.startswith("rule_id,table,record_id,person_id,upn,status,clock_start,due_date,stopped_date,"
                             "days_late,exception,team,caseworker,source,message")


def test_findings_exit_code_is_configurable(tmp_path):
    result = run("check", SEN2, "--as-at", "2026-01-15", "--out", tmp_path / "r", "--report", "none",
                 "--set", "findings_exit_code=0")
    assert result.exit_code == 0


def test_same_input_same_date_gives_identical_files(tmp_path):
    for name in ("a", "b"):
        run("check", SEN2, "--as-at", "2026-01-15", "--out", tmp_path / name, "--report", "none")
    for file in ("findings.csv", "findings.jsonl", "data_issues.csv", "accounting.csv", "summary.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file


def test_existing_reports_are_not_overwritten_without_force(tmp_path):
    out = tmp_path / "r"
    run("check", SEN2, "--as-at", "2026-01-15", "--out", out, "--report", "none")
    again = run("check", SEN2, "--as-at", "2026-01-15", "--out", out, "--report", "none")
    assert again.exit_code == 2 and "--force" in again.output
    forced = run("check", SEN2, "--as-at", "2026-01-15", "--out", out, "--report", "none", "--force")
    assert forced.exit_code == 1


@pytest.mark.parametrize("args,expected", [
    (["check", ROOT / "fixtures" / "small" / "tracker_small.csv"], "--as-at is required"),
    (["check", SEN2, "--as-at", "31/02/2026"], "is not a date"),
    (["check", "missing.xlsx", "--as-at", "2026-01-15"], "missing.xlsx: file not found"),
    (["check", TRUNCATED, "--as-at", "2026-01-15"], "line"),
    (["check", SEN2, "--as-at", "2026-01-15", "--set", "day_one=monday"], "day_one must be one of legal, sector"),
])
def test_unusable_input_exits_2_with_a_message(tmp_path, args, expected):
    result = run(*args, "--out", tmp_path / "r") if args[0] == "check" else run(*args)
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output


def test_uk_as_at_date_is_accepted(tmp_path):
    result = run("check", SEN2, "--as-at", "15/01/2026", "--out", tmp_path / "r", "--report", "none")
    assert result.exit_code == 1
    assert "as at 2026-01-15" in result.output


def test_rules_list_and_show():
    listing = run("rules", "list")
    assert "EHC-FINAL-20W" in listing.output and "reg 13(2)" in listing.output
    shown = run("rules", "show", "EHC-FINAL-20W")
    assert "20 weeks = 140 days" in shown.output and "Action:" in shown.output
    assert run("rules", "show", "NOPE").exit_code == 2


def test_explain_shows_dates_arithmetic_and_citation():
    result = run("explain", "EHC-DECISION-6W", "F123456789012", "--input", SEN2, "--as-at", "2026-01-15")
    assert result.exit_code == 0, result.output
    for text in ("clock starts      2025-10-06", "+ 6 weeks = 42 days", "deadline          2025-11-17",
                 "OVERDUE by 59 days", "SEND Regulations 2014 reg 4(1)", "row "):
        assert text in result.output


def test_every_command_has_help_with_an_example():
    for args in (["check"], ["inspect"], ["explain"], ["rules"], ["profile"], ["profile", "new"]):
        out = run(*args, "--help").output
        assert "Usage" in out
    for args in (["check"], ["inspect"], ["explain"], ["rules"], ["profile"]):
        assert "Example" in run(*args, "--help").output


def test_settings_and_data_dictionary(tmp_path):
    assert "day_one = legal" in run("settings").output
    target = tmp_path / "dd.md"
    run("data-dictionary", "--write", target)
    assert "`received_date`" in target.read_text() and "2.1 ReceivedDate" in target.read_text()


def test_reports_are_readable_by_the_owner_only(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        run("check", SEN2, "--as-at", "2026-01-15", "--out", tmp_path / "r")
    finally:
        os.umask(old)
    written = [p for p in (tmp_path / "r").rglob("*")]
    assert written
    for path in written + [tmp_path / "r"]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.name} is {oct(mode)}"


def test_record_two_months_then_history_and_trend(tmp_path):
    month1 = ROOT / "fixtures" / "la" / "sen2_2026.xml"
    month2 = ROOT / "fixtures" / "la" / "month2" / "sen2_2026.xml"
    db = tmp_path / "h.sqlite"
    first = run("check", month1, "--as-at", "2026-10-31", "--out", tmp_path / "oct", "--report", "none",
                "--record", "--db", db)
    assert "History: recorded 2026-10" in first.output
    second = run("check", month2, "--as-at", "2026-11-30", "--out", tmp_path / "nov", "--report", "manager",
                 "--record", "--db", db)
    assert "History: recorded 2026-11" in second.output
    html = (tmp_path / "nov" / "send-manager-report.html").read_text()
    assert 'id="since-last-month"' in html
    assert (tmp_path / "nov" / "since-last-month.csv").exists()
    again = run("check", month2, "--as-at", "2026-11-30", "--out", tmp_path / "nov", "--report", "none",
                "--record", "--db", db, "--force")
    assert "replacing the earlier run" in again.output
    listing = run("history", "--db", db)
    assert "2026-10" in listing.output and "2026-11" in listing.output
    trend = run("trend", "--db", db, "--out", tmp_path / "trend")
    assert trend.exit_code == 0 and (tmp_path / "trend" / "sendcheck-trend.html").exists()
    assert run("history", "--db", db, "--delete-month", "2026-10").exit_code == 0
    assert "2026-10" not in run("history", "--db", db).output
