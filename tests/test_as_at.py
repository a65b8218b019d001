"""The as-at date: a SEN2 return's reference date by default, refused in the future unless asked for, and a
warning wherever the figures are read when it does not fit the data."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pandas as pd
import pytest
from builders import cli, csv_file, sen2_need, sen2_person, sen2_request, sen2_return, sen2_setting, web_client

from checker.as_at import AsAtProblem, choose
from checker.quality import upn_check_letter

TODAY = dt.date.today()
FUTURE = (TODAY + dt.timedelta(days=40)).isoformat()


def upn(n: int) -> str:
    body = f"80120000{n:04d}"
    return upn_check_letter(pd.Series([body])).iloc[0] + body


def january_2024_return(path, reference="2024-01-18", year=2024):
    """A 2024 return: one plan issued in 2023, reviewed in December 2023 (the shape of a council's return)."""
    request = sen2_request(received="2023-01-09", decided="2023-02-13", issued="2023-05-22",
                           plan_details=[sen2_setting("PlanDetail", URN="100001", UKPRN="10012345")],
                           placements=[sen2_setting("PlacementDetail", EntryDate="2023-09-04", URN="100001")],
                           needs=[sen2_need("ASD")],
                           active="\t\t\t\t\t<ReviewMeeting>2023-12-04</ReviewMeeting>\n"
                                  "\t\t\t\t\t<ReviewOutcome>M</ReviewOutcome>\n"
                                  "\t\t\t\t\t<LastReview>2023-12-18</LastReview>\n")
    return sen2_return(path, [sen2_person(upn(1), request, birth="2015-03-02")], year=year, reference_date=reference)


def summary(out) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def notice_ids(out) -> list[str]:
    return [n["id"] for n in summary(out)["notices"]]


# -- the date chosen ----------------------------------------------------------------------------------------------

def test_a_sen2_return_is_judged_as_at_its_reference_date_and_the_run_says_so(tmp_path):
    path = january_2024_return(tmp_path / "sen2_2024.xml")
    result = cli("check", path, "--out", tmp_path / "out", "--report", "manager")
    assert result.exit_code in (0, 1), result.output
    assert "caseload as at 2024-01-18 (the SEN2 return's reference date) from sen2_2024.xml" in result.output
    assert "Note: The as-at date, 18 January 2024, is the SEN2 return's reference date" in result.output
    got = summary(tmp_path / "out")
    assert got["as_at"] == "2024-01-18" and got["as_at_source"] == "SEN2 ReferenceDate (sen2_2024.xml)"
    assert notice_ids(tmp_path / "out") == ["as_at_from_return"]
    report = (tmp_path / "out" / "send-manager-report.html").read_text(encoding="utf-8")
    assert 'data-notice="as_at_from_return"' in report


def test_the_default_folder_is_named_after_the_reference_date(tmp_path, monkeypatch):
    path = january_2024_return(tmp_path / "sen2_2024.xml")
    monkeypatch.chdir(tmp_path)
    result = cli("check", path, "--report", "none")
    assert result.exit_code in (0, 1), result.output
    assert (tmp_path / "sendcheck-reports" / "2024-01-18" / "findings.csv").is_file()


def test_a_blade_export_folder_is_judged_as_at_its_header_reference_date(tmp_path):
    folder = tmp_path / "Blade-Export_18-01-2024"
    folder.mkdir()
    (folder / "Blade-Export_18-01-2024_sen2.csv").write_text(
        "sen2tableid,collection,year,referencedate,lea\n1,SEN2,2024,2024-Jan-18 00:00:00,999\n", encoding="utf-8")
    (folder / "Blade-Export_18-01-2024_person.csv").write_text(
        f"persontableid,upn,personbirthdate,sex\n1,{upn(1)},2015-03-02,F\n", encoding="utf-8")
    (folder / "Blade-Export_18-01-2024_requests.csv").write_text(
        "requeststableid,persontableid,receiveddate,requestoutcome,requestoutcomedate\n1,1,2023-11-06,A,\n",
        encoding="utf-8")
    result = cli("check", folder, "--out", tmp_path / "out", "--report", "none")
    assert result.exit_code in (0, 1), result.output
    got = summary(tmp_path / "out")
    assert got["as_at"] == "2024-01-18"
    assert len(got["inputs"]) == 3


def test_a_given_date_wins_over_the_reference_date(tmp_path):
    path = january_2024_return(tmp_path / "sen2_2024.xml")
    result = cli("check", path, "--as-at", "2024-02-01", "--out", tmp_path / "out", "--report", "none")
    assert result.exit_code in (0, 1), result.output
    assert summary(tmp_path / "out")["as_at"] == "2024-02-01" and notice_ids(tmp_path / "out") == []


@pytest.mark.parametrize("make,expected", [
    (lambda tmp: csv_file(tmp / "tracker.csv", [["Child ID", "Request Ref", "Date Request Received"],
                                                 ["C1", "R1", "06/01/2025"]]),
     "--as-at is required: the date the extract was taken"),
    (lambda tmp: january_2024_return(tmp / "no-date.xml", reference=None),
     "a SEN2 return is judged as at its own reference date when none is given"),
])
def test_without_a_date_or_a_reference_date_the_command_asks_for_one(tmp_path, make, expected):
    result = cli("check", make(tmp_path), "--out", tmp_path / "out")
    assert result.exit_code == 2 and expected in result.output
    assert not (tmp_path / "out").exists()


def test_returns_with_different_reference_dates_need_a_date(tmp_path):
    a = january_2024_return(tmp_path / "a.xml")
    b = january_2024_return(tmp_path / "b.xml", reference="2025-01-16", year=2025)
    result = cli("check", a, b, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "different reference dates (a.xml 2024-01-18, b.xml 2025-01-16)" in result.output


def test_an_as_at_date_after_today_is_refused_unless_asked_for(tmp_path):
    path = january_2024_return(tmp_path / "sen2_2024.xml")
    refused = cli("check", path, "--as-at", FUTURE, "--out", tmp_path / "out")
    assert refused.exit_code == 2
    assert f"--as-at {FUTURE} is after today ({TODAY.isoformat()})" in refused.output
    assert "--allow-future-as-at" in refused.output and not (tmp_path / "out").exists()
    allowed = cli("check", path, "--as-at", FUTURE, "--allow-future-as-at", "--out", tmp_path / "out",
                  "--report", "none")
    assert allowed.exit_code in (0, 1), allowed.output
    assert summary(tmp_path / "out")["as_at"] == FUTURE


def test_a_reference_date_after_today_is_refused_too(tmp_path):
    path = january_2024_return(tmp_path / "sen2.xml", reference=FUTURE, year=int(FUTURE[:4]))
    result = cli("check", path, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "is after today" in result.output


def test_choose_decides_the_same_for_every_caller(tmp_path):
    path = january_2024_return(tmp_path / "r.xml")
    assert choose(None, [path], today=dt.date(2026, 1, 1)).from_return == "r.xml"
    assert choose(dt.date(2025, 1, 1), [path], today=dt.date(2026, 1, 1)).from_return is None
    with pytest.raises(AsAtProblem) as problem:
        choose(dt.date(2026, 1, 2), [path], today=dt.date(2026, 1, 1))
    assert (problem.value.kind, problem.value.date) == ("future", dt.date(2026, 1, 2))
    assert choose(dt.date(2026, 1, 2), [path], today=dt.date(2026, 1, 1), allow_future=True).date.day == 2
    assert choose(None, [path], today=dt.date(2024, 1, 18)).date == dt.date(2024, 1, 18)  # today itself is fine


# -- warnings -----------------------------------------------------------------------------------------------------

def test_a_january_2024_return_checked_two_years_later_warns_everywhere(tmp_path):
    path = january_2024_return(tmp_path / "sen2_2024.xml")
    result = cli("check", path, "--as-at", "2026-01-31", "--out", tmp_path / "out")
    assert result.exit_code in (0, 1), result.output
    assert ("Warning: The as-at date, 31 January 2026, is more than a month after the SEN2 return's reference date, "
            "18 January 2024.") in result.output
    assert notice_ids(tmp_path / "out") == ["as_at_after_reference"]  # not also "after the data": one warning
    for report in ("send-manager-report.html", "inspection-pack.html", "governors-all-schools.html"):
        assert 'data-notice="as_at_after_reference"' in (tmp_path / "out" / report).read_text(encoding="utf-8")


def test_an_extract_whose_newest_date_is_months_before_the_as_at_date_warns(tmp_path):
    path = csv_file(tmp_path / "tracker.csv", [
        ["Child ID", "DOB", "Request Ref", "Date Request Received", "Decision to Assess Date", "Decision"],
        ["C1", "14/03/2016", "R1", "06/01/2025", "14/02/2025", "Agreed to assess"],
        ["C2", "14/03/2015", "R2", "03/03/2025", "", ""]])
    late = cli("check", path, "--profile", "la-tracker-a", "--as-at", "2025-05-01", "--out", tmp_path / "late",
               "--report", "none")
    assert late.exit_code in (0, 1), late.output
    assert notice_ids(tmp_path / "late") == ["as_at_after_data"]
    assert "more than a month after the newest date in the data, 3 March 2025" in late.output
    fresh = cli("check", path, "--profile", "la-tracker-a", "--as-at", "2025-04-03", "--out", tmp_path / "fresh",
                "--report", "none")
    assert fresh.exit_code in (0, 1) and notice_ids(tmp_path / "fresh") == []  # a month exactly: no warning


def test_a_mistyped_date_far_in_the_future_does_not_hide_stale_data(tmp_path):
    path = csv_file(tmp_path / "tracker.csv", [
        ["Child ID", "DOB", "Request Ref", "Date Request Received", "Decision to Assess Date", "Decision"],
        ["C1", "14/03/2016", "R1", "06/01/2025", "14/02/2095", "Agreed to assess"]])
    result = cli("check", path, "--profile", "la-tracker-a", "--as-at", "2025-06-01", "--out", tmp_path / "out",
                 "--report", "none")
    assert result.exit_code in (0, 1), result.output
    assert "as_at_after_data" in notice_ids(tmp_path / "out")


# -- the web app follows the same rules ---------------------------------------------------------------------------

@pytest.fixture()
def client(tmp_path):
    from checker.web import create_app

    return web_client(create_app({"DATA_DIR": tmp_path / "data"}))


def _token(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)


def _upload(client, path, as_at="", **extra):
    data = {"csrf_token": _token(client), "as_at": as_at, "profile": "auto", "record_history": "0", **extra,
            "extract": (io.BytesIO(path.read_bytes()), path.name)}
    return client.post("/runs", data=data, content_type="multipart/form-data")


def test_the_web_form_takes_the_reference_date_when_the_date_is_left_empty(client, tmp_path):
    response = _upload(client, january_2024_return(tmp_path / "sen2_2024.xml"))
    assert response.status_code == 302, response.get_data(as_text=True)
    runs = client.application.extensions["sendcheck_runs"]
    state = runs.all()[0]
    assert (state["as_at"], state["as_at_from"]) == ("2024-01-18", "sen2_2024.xml")
    runs.futures[state["id"]].result(timeout=600)
    done = runs.state(state["id"])
    assert done["status"] == "done", done.get("error")
    assert any("is the SEN2 return's reference date" in note for note in done["notes"])


def test_the_web_form_refuses_a_future_date_unless_ticked(client, tmp_path):
    path = january_2024_return(tmp_path / "sen2_2024.xml")
    refused = _upload(client, path, as_at=FUTURE)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'href="#as_at"' in page and "is after today" in page
    allowed = _upload(client, path, as_at=FUTURE, allow_future_as_at="1")
    assert allowed.status_code == 302


def test_the_web_form_still_needs_a_date_for_an_extract(client, tmp_path):
    path = csv_file(tmp_path / "tracker.csv", [["Child ID", "Request Ref", "Date Request Received"],
                                               ["C1", "R1", "06/01/2025"]])
    response = _upload(client, path)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Enter the date the extract was taken" in page
