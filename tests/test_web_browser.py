"""The web app end to end in a real headless Chromium: upload the fixture, map a column, run, open the report,
download the workbook, and check every page with axe-core. Screenshots go to tests/artifacts/ (git-ignored).

Uses the browser and axe helpers of the report tests, so it skips, saying what is missing, without Chromium,
chromedriver, selenium or axe-core.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("flask", reason="flask is not installed (pip install flask)")

try:
    from test_reports_browser import ARTIFACTS, _axe, axe_source, browser  # noqa: F401 (fixtures)
except ImportError:
    from tests.test_reports_browser import ARTIFACTS, _axe, axe_source, browser  # noqa: F401

from builders import web_sign_in_path  # noqa: E402

from checker.web import create_app  # noqa: E402
from checker.web.security import set_password  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TRACKER = ROOT / "fixtures" / "la" / "tracker_a.csv"


class Server:
    """The app on 127.0.0.1 with a free port, in a thread, as `sendcheck serve` runs it."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.sign_in_url = self.url + web_sign_in_path(app)  # what `sendcheck serve` opens the browser with
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("web-data")
    srv = Server(create_app({"DATA_DIR": data}))
    yield srv
    srv.stop()


def check_page(driver, axe_js: str, name: str, problems: dict) -> None:
    """axe-core on the page as it stands, a screenshot, and no request to anywhere but the app."""
    assert driver.find_element("tag name", "h1").text
    violations = _axe(driver, axe_js)
    if violations:
        problems[name] = violations
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"web-{name}.png"))
    origin = driver.execute_script("return location.origin")
    requests = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert [r for r in requests if not r.startswith(origin) and not r.startswith("data:")] == [], name


def wait_for(driver, condition, timeout: float = 180, what: str = "the page"):
    end = time.time() + timeout
    while time.time() < end:
        if condition():
            return
        time.sleep(0.25)
    driver.save_screenshot(str(ARTIFACTS / "web-timeout.png"))
    raise AssertionError(f"timed out waiting for {what}")


def heading(driver) -> str:
    """The page's h1, or "" while the browser is between pages."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    try:
        return driver.find_element("tag name", "h1").text
    except (NoSuchElementException, StaleElementReferenceException):
        return ""


def test_upload_map_run_report_download(browser, axe_source, server, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    openpyxl = pytest.importorskip("openpyxl")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    problems: dict = {}

    browser.get(server.sign_in_url)
    wait_for(browser, lambda: heading(browser) == "Check a month's caseload", 30, "the upload page, signed in")
    assert "token" not in browser.current_url
    check_page(browser, axe_source, "upload", problems)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit].govuk-button").click()  # nothing chosen
    wait_for(browser, lambda: browser.find_elements(By.CLASS_NAME, "govuk-error-summary"), 30,
             "the upload page's error summary")  # the click returns before the answer page has loaded
    assert "There is a problem" in browser.find_element(By.CLASS_NAME, "govuk-error-summary").text
    check_page(browser, axe_source, "upload-errors", problems)

    browser.find_element(By.ID, "extract").send_keys(str(TRACKER))
    date = browser.find_element(By.ID, "as_at")
    date.clear()
    date.send_keys("31/10/2026")
    Select(browser.find_element(By.ID, "profile")).select_by_value("la-tracker-a")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit].govuk-button").click()

    wait_for(browser, lambda: "/map" in browser.current_url, 60, "the mapping page")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Check the column mapping"
    check_page(browser, axe_source, "map", problems)
    team = browser.find_element(By.XPATH, "//th[normalize-space()='Team']/following-sibling::td//select")
    assert Select(team).first_selected_option.get_attribute("value") == "team"
    Select(team).select_by_value("")  # map a column: Team is not used in this run
    child = browser.find_element(By.XPATH, "//th[normalize-space()='Child ID']/following-sibling::td//select")
    assert Select(child).first_selected_option.get_attribute("value") == "person_id"
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit].govuk-button").click()

    wait_for(browser, lambda: "/map" not in browser.current_url, 30, "the run page")
    if heading(browser) == "Checking":
        check_page(browser, axe_source, "progress", problems)
    wait_for(browser, lambda: heading(browser) not in ("", "Checking"), 240, "the check")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Check finished", browser.page_source[:3000]
    check_page(browser, axe_source, "run", problems)
    run_url = browser.current_url

    browser.find_element(By.LINK_TEXT, "SEND manager report").click()
    assert "send-manager-report.html" in browser.current_url
    check_page(browser, axe_source, "manager-report", problems)
    browser.get(run_url)

    browser.find_element(By.PARTIAL_LINK_TEXT, "Breach workbook").click()
    target = downloads / "breach-workbook.xlsx"
    wait_for(browser, target.is_file, 60, "the workbook download")
    wait_for(browser, lambda: not list(downloads.glob("*.crdownload")), 60, "the download to finish")
    book = openpyxl.load_workbook(target, read_only=True)
    assert book.sheetnames
    book.close()
    shutil.copy(target, ARTIFACTS / "web-breach-workbook.xlsx")

    browser.find_element(By.LINK_TEXT, "Past runs").click()
    assert "2026-10" in browser.find_element(By.TAG_NAME, "main").text
    check_page(browser, axe_source, "history", problems)
    browser.find_element(By.PARTIAL_LINK_TEXT, "Trend page").click()
    check_page(browser, axe_source, "trend", problems)

    assert not problems, json.dumps(problems, indent=1)


def test_login_page_is_accessible(browser, axe_source, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By

    data = tmp_path / "data"
    data.mkdir()
    set_password(data, "a long test password")
    srv = Server(create_app({"DATA_DIR": data, "REQUIRE_LOGIN": True}))
    try:
        problems: dict = {}
        browser.get(srv.url + "/")
        assert browser.current_url.endswith("/login")
        check_page(browser, axe_source, "login", problems)
        browser.find_element(By.ID, "password").send_keys("wrong password")
        browser.find_element(By.CSS_SELECTOR, "button[type=submit].govuk-button").click()
        wait_for(browser, lambda: heading(browser) == "Sign in" and "There is a problem" in browser.page_source,
                 30, "the sign-in error")
        check_page(browser, axe_source, "login-error", problems)
        browser.find_element(By.ID, "password").send_keys("a long test password")
        browser.find_element(By.CSS_SELECTOR, "button[type=submit].govuk-button").click()
        wait_for(browser, lambda: heading(browser) == "Check a month's caseload", 30, "the upload page")
        assert not problems, json.dumps(problems, indent=1)
    finally:
        srv.stop()


def test_the_opened_browser_is_signed_in_and_another_is_not(browser, server, tmp_path):  # noqa: F811
    """`sendcheck serve` opens a file that forwards to the token link (so the token is on no command line): the
    browser lands signed in on the upload page, at an address without the token. Without the token (another
    account on the computer, or this browser after signing out) it gets the sign-in page and nothing else."""
    from selenium.webdriver.common.by import By

    from checker.web import _opener_page

    opener = tmp_path / "open.html"
    opener.write_text(_opener_page(server.sign_in_url), encoding="utf-8")
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.get(server.url + "/history")
    assert heading(browser) == "Sign in"  # not signed in before
    browser.get(opener.as_uri())
    wait_for(browser, lambda: heading(browser) == "Check a month's caseload", 30, "the upload page, signed in")
    assert browser.current_url == server.url + "/"
    browser.find_element(By.CSS_SELECTOR, "button.app-nav__button").click()  # Sign out
    wait_for(browser, lambda: heading(browser) == "Sign in", 30, "the sign-in page")
    assert "You have signed out" in browser.page_source
    browser.get(server.url + "/history")
    assert heading(browser) == "Sign in" and "/login" in browser.current_url
