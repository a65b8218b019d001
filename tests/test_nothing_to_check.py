"""No input that reads can crash a run: with nothing to check, every output is still written and says so.

Each case goes through the real command: a return with no children, one child with no requests, every row
rejected, an as-at date in 1900. Then generated small inputs (empty tables, all-blank date columns, one school,
no schools) go through the same run-and-write path looking for any other crash.
"""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pandas as pd
import pytest
from builders import cli, csv_file, dataset, sen2_person, sen2_return
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.model import CODE, DATE, FLAG, INT, TABLES
from checker.quality import upn_check_letter
from checker.run import check, write

OUTPUTS = ("findings.csv", "findings.jsonl", "data_issues.csv", "accounting.csv", "summary.json",
           "send-manager-report.html", "governors-all-schools.html", "inspection-pack.html", "inspection-pack.xlsx",
           "breach-workbook.xlsx")
HTML = ("send-manager-report.html", "governors-all-schools.html", "inspection-pack.html")
TRACKER_HEADER = ["Child ID", "DOB", "Request Ref", "Date Request Received", "Decision to Assess Date", "Decision"]


def upn(n: int) -> str:
    body = f"80120000{n:04d}"
    return upn_check_letter(pd.Series([body])).iloc[0] + body


def no_children(tmp):
    return sen2_return(tmp / "empty.xml", []), ["--as-at", "2025-01-16"]


def one_child_no_requests(tmp):
    return sen2_return(tmp / "one.xml", [sen2_person(upn(1))]), []  # as at the return's reference date


def every_row_rejected(tmp):
    # A date of birth that is no date, or after the request; a child with no id: each child is rejected, and
    # with them their requests.
    rows = [["C1", "31/02/2016", "R1", "06/01/2025", "", ""], ["", "14/03/2015", "R2", "06/01/2025", "", ""],
            ["C3", "14/03/2025", "R3", "06/01/2025", "10/01/2025", "Agreed to assess"]]
    return csv_file(tmp / "tracker.csv", [TRACKER_HEADER, *rows]), ["--profile", "la-tracker-a",
                                                                    "--as-at", "2025-01-20"]


def as_at_1900(tmp):
    rows = [["C1", "14/03/2016", "R1", "06/01/2025", "14/02/2025", "Agreed to assess"]]
    return csv_file(tmp / "tracker.csv", [TRACKER_HEADER, *rows]), ["--profile", "la-tracker-a",
                                                                    "--as-at", "1900-01-01"]


CASES = {
    "no children": (no_children, ["no_records"]),
    "one child with no requests": (one_child_no_requests, ["as_at_from_return", "no_findings"]),
    "every row rejected": (every_row_rejected, ["nothing_evaluated"]),
    "as-at date in 1900": (as_at_1900, ["as_at_before_data", "nothing_evaluated"]),
}


@pytest.mark.parametrize("case", CASES)
def test_every_output_is_written_and_says_there_is_nothing(tmp_path, case):
    make, expected = CASES[case]
    path, args = make(tmp_path)
    out = tmp_path / "out"
    result = cli("check", path, *args, "--out", out)
    assert result.exit_code in (0, 1), result.output  # never 2, never "unexpected problem"
    assert "Findings: none" in result.output
    for name in OUTPUTS:
        assert (out / name).is_file(), name
    assert (out / "findings.csv").read_text(encoding="utf-8").count("\n") == 1  # the header row only
    assert (out / "findings.jsonl").read_text(encoding="utf-8") == ""
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    notices = {n["id"]: n["text"] for n in summary["notices"]}
    assert list(notices) == expected
    warning = notices[expected[-1]]
    assert f"Warning: {warning}" in result.output
    for name in HTML:
        page = (out / name).read_text(encoding="utf-8")
        assert f'data-notice="{expected[-1]}"' in page, name
    for name in ("breach-workbook.xlsx", "inspection-pack.xlsx"):
        cells = [c for row in openpyxl.load_workbook(out / name, read_only=True)["Summary"].iter_rows(values_only=True)
                 for c in row if c]
        assert "Before you read this" in cells and warning in cells, name


def test_a_run_with_findings_has_no_nothing_notice(tmp_path):
    rows = [["C1", "14/03/2016", "R1", "06/01/2025", "14/02/2025", "Agreed to assess"]]
    path = csv_file(tmp_path / "tracker.csv", [TRACKER_HEADER, *rows])
    result = cli("check", path, "--profile", "la-tracker-a", "--as-at", "2025-03-01", "--out", tmp_path / "out",
                 "--report", "none")
    assert result.exit_code in (0, 1), result.output
    assert json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["notices"] == []


def test_recording_a_month_with_no_findings_then_comparing_with_it(tmp_path):
    path = sen2_return(tmp_path / "one.xml", [sen2_person(upn(1))])
    for month in ("2025-01-16", "2025-02-16"):
        result = cli("check", path, "--as-at", month, "--out", tmp_path / month, "--record", "--report", "manager")
        assert result.exit_code in (0, 1), result.output
    page = (tmp_path / "2025-02-16" / "send-manager-report.html").read_text(encoding="utf-8")
    assert "Compared with the run recorded for Jan 2025" in page


# -- generated small inputs ---------------------------------------------------------------------------------------

DATES = ["2023-09-04", "2024-03-04", "2024-07-15", "2025-01-06", None]


def _value(f, rows: int, draw):
    if f.name == "request_id":
        return draw(st.sampled_from([f"R{i}" for i in range(rows)]))
    if f.name == "person_id":
        return draw(st.sampled_from(["P0", "P1"]))
    if f.name == "urn":
        return draw(st.sampled_from(["100001", "100002", None]))
    if f.kind == DATE:
        return draw(st.sampled_from(DATES))
    if f.kind == FLAG:
        return draw(st.sampled_from(["1", "0", None]))
    if f.kind == CODE:
        return draw(st.sampled_from([*(f.codes or ()), None]))
    if f.kind == INT:
        return draw(st.sampled_from([-1, 6, 11, None]))
    return draw(st.sampled_from(["x", None]))


@st.composite
def small_inputs(draw):
    """A handful of canonical tables (any of them empty or missing), with blank columns and few distinct values:
    one school or none, plans with no placement, dates all blank."""
    tables = {}
    for name in draw(st.lists(st.sampled_from(sorted(TABLES)), unique=True, max_size=len(TABLES))):
        t = TABLES[name]
        n = draw(st.integers(0, 2))
        fields = [f for f in t.fields if f.required or draw(st.booleans())]
        if n:
            tables[name] = [{f.name: _value(f, n, draw) for f in fields} for _ in range(n)]
    header = draw(st.sampled_from([{}, {"Collection": "SEN2", "Year": "2025", "ReferenceDate": "2025-01-16",
                                        "DMO": "Y", "DCO": "N"}]))
    as_at = draw(st.sampled_from([dt.date(1900, 1, 1), dt.date(2024, 6, 1), dt.date(2026, 10, 31)]))
    return tables, header, as_at


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(small_inputs())
def test_no_small_input_crashes_a_run_or_its_reports(tmp_path_factory, drawn):
    tables, header, as_at = drawn
    ds = dataset(tables, header)
    result = check([], as_at, dataset=ds)
    out = tmp_path_factory.mktemp("run")
    written = write(result, out, lanes=1, force=True)
    names = {p.name for p in written.files}
    assert {"findings.csv", "summary.json", "send-manager-report.html", "inspection-pack.xlsx",
            "breach-workbook.xlsx"} <= names
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (len(result.findings) == 0) == any(n["id"] in ("no_records", "nothing_evaluated", "no_findings")
                                              for n in summary["notices"])


TABLE_CASES = {
    "one school and nothing else": {"school": [{"urn": "100001", "school_name": "Only School"}]},
    "schools with every date blank": {"school": [{"urn": "100001", "sen_report_date": None},
                                                 {"urn": "100002", "senco_appointed_date": None}]},
    "a plan with no placement and no school": {
        "person": [{"person_id": "P1", "birth_date": "2015-01-01"}],
        "request": [{"request_id": "R1", "person_id": "P1", "received_date": "2024-01-08",
                     "request_outcome": "Y", "request_outcome_date": "2024-02-12"}],
        "assessment": [{"request_id": "R1", "assessment_outcome": "Y", "assessment_outcome_date": "2024-05-20"}],
        "named_plan": [{"request_id": "R1", "start_date": "2024-05-20"}]},
    "a request with every date blank": {
        "person": [{"person_id": "P1", "birth_date": None}],
        "request": [{"request_id": "R1", "person_id": "P1", "received_date": None, "request_outcome": "H"}]},
}


@pytest.mark.parametrize("case", TABLE_CASES)
@pytest.mark.parametrize("as_at", [dt.date(1900, 1, 1), dt.date(2025, 1, 16)])
def test_table_driven_small_inputs_write_every_report(tmp_path, case, as_at):
    result = check([], as_at, dataset=dataset(TABLE_CASES[case]))
    written = write(result, tmp_path / "out", lanes=1)
    assert {p.name for p in written.files} >= {"summary.json", "send-manager-report.html",
                                              "governors-all-schools.html", "inspection-pack.html",
                                              "inspection-pack.xlsx", "breach-workbook.xlsx"}
