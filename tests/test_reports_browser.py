"""The HTML reports in a real headless Chromium: an axe-core accessibility check and a screenshot of each.

Needs Debian's chromium and chromium-driver, selenium, and axe-core from npm (``npm install -g axe-core``,
or point SENDCHECK_AXE_JS at axe.min.js). Without them the tests skip and say what is missing. Screenshots go
to the test's temporary folder and to tests/artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from checker.reports import write_reports

try:
    from test_reports_synthetic import make_result
except ImportError:
    from tests.test_reports_synthetic import make_result

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1600"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def _find(*names: str) -> str | None:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def _axe_path() -> Path | None:
    env = os.environ.get("SENDCHECK_AXE_JS")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js")
    npm = shutil.which("npm")
    if npm:
        try:
            root = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, timeout=30).stdout.strip()
            if root:
                candidates.append(Path(root) / "axe-core" / "axe.min.js")
        except (OSError, subprocess.SubprocessError):
            pass
    return next((p for p in candidates if p.is_file()), None)


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
    from selenium.webdriver.chrome.service import Service

    chromium = _find("chromium", "chromium-browser")
    driver_path = _find("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("Chromium not installed: apt-get install -y chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def axe_source():
    path = _axe_path()
    if path is None:
        pytest.skip("axe-core not found: npm install -g axe-core (or set SENDCHECK_AXE_JS to axe.min.js)")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser-reports")
    paths = write_reports(make_result(hostile=True), out, {"manager", "governor", "inspection"},
                          generated_at=dt.datetime(2025, 12, 1, 9, 30))
    html = [p for p in paths if p.suffix == ".html"]
    pick = [p for p in html if "governors/" not in p.as_posix()] + [p for p in html if "governors/" in p.as_posix()][:1]
    return out, pick


def _axe(driver, source: str) -> list[dict]:
    driver.execute_script(source)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        f"axe.run(document, {{runOnly: {{type: 'tag', values: {json.dumps(AXE_TAGS)}}}}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))"
        ".catch(e => done([{id: 'axe-error', help: String(e), nodes: []}]));")
    return result


def test_reports_pass_axe_and_are_screenshotted(browser, axe_source, report_files, tmp_path):
    out, files = report_files
    ARTIFACTS.mkdir(exist_ok=True)
    problems = {}
    for path in files:
        browser.get(path.as_uri())
        assert browser.find_element("tag name", "h1").text
        violations = _axe(browser, axe_source)
        if violations:
            problems[path.name] = violations
        shot = tmp_path / (path.stem + ".png")
        browser.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
        shutil.copy(shot, ARTIFACTS / shot.name)
    assert not problems, json.dumps(problems, indent=1)


def test_reports_print_to_pdf(browser, report_files, tmp_path):
    _, files = report_files
    manager = next(p for p in files if p.name == "send-manager-report.html")
    browser.get(manager.as_uri())
    pdf = browser.print_page()  # base64 PDF, laid out by the print stylesheet
    import base64

    data = base64.b64decode(pdf)
    assert data.startswith(b"%PDF") and len(data) > 10_000
    (tmp_path / "send-manager-report.pdf").write_bytes(data)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "send-manager-report.pdf").write_bytes(data)


def test_no_network_requests_are_made(browser, report_files):
    _, files = report_files
    for path in files:
        browser.get(path.as_uri())
        entries = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert [e for e in entries if not e.startswith("file:") and not e.startswith("data:")] == [], path.name
