"""The timeline page in a real headless Chromium: axe-core finds no accessibility violation at desktop and phone
width, the page never scrolls sideways at 390 px, and it prints. Uses the browser harness of
test_reports_browser.py (it skips, saying what is missing, without Chromium, chromedriver, selenium or axe-core).
Screenshots go to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import shutil

import pytest
from builders import cli, csv_file
from test_reports_browser import ARTIFACTS, _axe, axe_source, browser  # noqa: F401  (fixtures)
from test_timeline import HEADER, ROWS, _build

from checker.reports import timeline_output

WIDTHS = (1366, 390)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("timeline-pages")
    tracker = csv_file(out / "tracker.csv", [HEADER] + ROWS)
    made = []
    for record in ("C01", "C02"):
        path = out / f"timeline-{record}.html"
        result = cli("timeline", record, "--input", tracker, "--profile", "la-tracker-a", "--as-at", "2026-03-31",
                     "--format", "html", "--out", path)
        assert result.exit_code == 0, result.output
        made.append(path)
    import pandas as pd

    issues = pd.DataFrame([{"issue_id": "DATE-NOT-A-DATE", "severity": "error", "table": "named_plan",
                            "record_id": "Q1", "file": "extract.xlsx", "sheet": "Named_Plan", "row": 2,
                            "column": "cease_date", "value": "31/02/2025", "message": "not a date"}])
    rich = out / "timeline-rich.html"
    rich.write_text(timeline_output.html_page(_build(issues=issues), dt.datetime(2025, 12, 1, 9, 0)),
                    encoding="utf-8")
    return made + [rich]


def test_timeline_pages_pass_axe_at_desktop_and_phone_width(browser, axe_source, pages, tmp_path):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    problems = {}
    try:
        for width in WIDTHS:
            browser.set_window_size(width, 1600)
            for path in pages:
                browser.get(path.as_uri())
                assert "Contains personal data" in browser.find_element("tag name", "main").text
                violations = _axe(browser, axe_source)
                if violations:
                    problems[f"{path.name} at {width}px"] = violations
                sideways = browser.execute_script(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert sideways <= 0, f"{path.name} scrolls sideways by {sideways}px at {width}px"
                shot = tmp_path / f"{path.stem}-{width}.png"
                browser.save_screenshot(str(shot))
                assert shot.stat().st_size > 10_000
                shutil.copy(shot, ARTIFACTS / shot.name)
    finally:
        browser.set_window_size(1280, 1600)
    assert not problems, json.dumps(problems, indent=1)


def test_timeline_prints(browser, pages, tmp_path):  # noqa: F811
    browser.get(pages[0].as_uri())
    data = base64.b64decode(browser.print_page())
    assert data.startswith(b"%PDF") and len(data) > 10_000
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "timeline-C01.pdf").write_bytes(data)


def test_search_box_and_timeline_page_in_the_web_app(browser, axe_source, tmp_path):  # noqa: F811
    """From a finished check's page: type a request id, get the child's timeline; an unknown one, the search page
    with its error. Every page passes axe-core."""
    pytest.importorskip("flask", reason="flask is not installed")
    from builders import web_client
    from selenium.webdriver.common.by import By
    from test_web_app import token, wait
    from test_web_browser import Server, check_page, heading, wait_for

    from checker.web import create_app

    app = create_app({"DATA_DIR": tmp_path / "data"})
    client = web_client(app)
    tracker = csv_file(tmp_path / "tracker.csv", [HEADER] + ROWS)
    data = {"csrf_token": token(client), "as_at": "31/03/2026", "profile": "la-tracker-a", "record_history": "",
            "extract": (io.BytesIO(tracker.read_bytes()), "tracker.csv")}
    mapping = client.post("/runs", data=data, content_type="multipart/form-data").headers["Location"]
    run_path = client.post(mapping, data={"csrf_token": token(client)}).headers["Location"]
    assert wait(client, run_path)["status"] == "done"
    server = Server(app)
    problems: dict = {}
    try:
        browser.get(server.sign_in_url)  # as `sendcheck serve` opens the browser
        wait_for(browser, lambda: heading(browser) == "Check a month's caseload", 30, "the upload page, signed in")
        browser.get(server.url + run_path)
        browser.find_element(By.ID, "record").send_keys("SR2")
        browser.find_element(By.CSS_SELECTOR, "form[role=search] button[type=submit]").click()
        wait_for(browser, lambda: "/timeline" in browser.current_url, 60, "the timeline page")
        wait_for(browser, lambda: "Statutory timeline" in browser.title, 60, "the timeline page to load")
        assert "Ada Test" in browser.find_element(By.TAG_NAME, "h1").text
        check_page(browser, axe_source, "timeline", problems)
        browser.find_element(By.LINK_TEXT, "Back to the check").click()
        wait_for(browser, lambda: browser.current_url.endswith(run_path), 30, "the run page")
        browser.find_element(By.ID, "record").send_keys("NOBODY")
        browser.find_element(By.CSS_SELECTOR, "form[role=search] button[type=submit]").click()
        wait_for(browser, lambda: browser.find_elements(By.CLASS_NAME, "govuk-error-summary"), 60, "the error")
        check_page(browser, axe_source, "timeline-not-found", problems)
    finally:
        server.stop()
    assert not problems, json.dumps(problems, indent=1)
