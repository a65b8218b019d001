"""The written reports: what files appear, what they contain, and what they must never contain."""

import datetime as dt
import re

import openpyxl
import pytest

from checker.reports import write_reports
from checker.reports.safety import FORMULA_TRIGGERS

try:
    from test_reports_synthetic import HOSTILE, make_result, personal_values
except ImportError:  # collected as a package
    from tests.test_reports_synthetic import HOSTILE, make_result, personal_values

FIXED = dt.datetime(2025, 12, 1, 9, 30)


@pytest.fixture(scope="module")
def hostile_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    result = make_result(hostile=True)
    paths = write_reports(result, out, generated_at=FIXED)
    return result, out, paths


def test_all_reports_are_written(hostile_out):
    _, out, paths = hostile_out
    names = {p.relative_to(out).as_posix() for p in paths}
    assert {"send-manager-report.html", "governors-all-schools.html", "inspection-pack.html", "inspection-pack.xlsx",
            "breach-workbook.xlsx"} <= names
    assert sum(n.startswith("governors/") for n in names) == 3
    assert all(p.exists() for p in paths)


def test_which_chooses_reports(tmp_path):
    paths = write_reports(make_result(n_people=10), tmp_path, {"excel"}, generated_at=FIXED)
    assert [p.name for p in paths] == ["breach-workbook.xlsx"]
    with pytest.raises(ValueError, match="Unknown report pdf"):
        write_reports(make_result(n_people=10), tmp_path, {"pdf"})


def test_html_is_self_contained_and_escaped(hostile_out):
    _, out, paths = hostile_out
    for path in paths:
        if path.suffix != ".html":
            continue
        html = path.read_text(encoding="utf-8")
        assert "<script" not in html.lower(), path.name  # hostile text is escaped, and we ship no script
        assert not re.search(r'(src|href)="(https?:)?//', html), path.name  # nothing fetched from a network
        assert "@import" not in html and "url(" not in html
        assert '<html lang="en-GB">' in html
        # hostile text reaches only the manager report: the others carry no names at all
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or any(
            part in path.name for part in ("governor", "all-schools", "inspection"))


def test_manager_report_content(hostile_out):
    result, out, _ = hostile_out
    html = (out / "send-manager-report.html").read_text(encoding="utf-8")
    assert "46.4%" in html and "calendar year 2024" in html  # national comparator with its year
    assert "Statutory guidance at a glance" in html and "not a breach of law" in html
    assert "Overdue now" in html and "Due in the next 4 weeks" in html
    assert "DATE-NOT-A-DATE" in html and 'sheet &#34;Requests&#34;' in html
    assert "SEND Regulations 2014, reg 13(2)-(3)" in html  # catalogue with citations
    assert html.count("<svg") >= 3 and "<title id=" in html and "<desc id=" in html
    assert "@media print" in html


def test_html_headings_are_in_order(hostile_out):
    _, out, paths = hostile_out
    for path in paths:
        if path.suffix == ".html":
            levels = [int(h) for h in re.findall(r"<h([1-6])\b", path.read_text(encoding="utf-8"))]
            assert levels[0] == 1 and levels.count(1) == 1, path.name
            assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), (path.name, levels)


def test_every_table_has_a_caption_and_header_cells(hostile_out):
    _, out, paths = hostile_out
    for path in paths:
        if path.suffix == ".html":
            html = path.read_text(encoding="utf-8")
            tables = re.findall(r"<table.*?</table>", html, flags=re.S)
            assert tables, path.name
            for t in tables:
                assert "<caption" in t and "<th " in t, path.name


def test_governor_reports_hold_no_personal_data(hostile_out):
    result, out, paths = hostile_out
    values = personal_values(result)
    assert len(values) > 100
    governor_files = [p for p in paths if "governor" in p.name]
    assert len(governor_files) == 4
    for path in governor_files:
        html = path.read_text(encoding="utf-8")
        import html as htmllib

        text = htmllib.unescape(html)
        leaked = [v for v in values if v in text and len(v) > 3]
        assert not leaked, (path.name, leaked[:5])
        assert "P00" not in text and "R00" not in text  # no person or request ids either


def test_governor_small_counts_use_the_threshold(tmp_path):
    paths = write_reports(make_result(), tmp_path, {"governor"}, small_count_threshold=10, generated_at=FIXED)
    text = "".join(p.read_text(encoding="utf-8") for p in paths)
    assert "fewer than 10" in text
    for n in re.findall(r'<td class="num">(\d+)</td>', text):
        assert int(n) == 0 or int(n) >= 10


def test_output_is_deterministic_apart_from_generated_line(tmp_path):
    a = write_reports(make_result(hostile=True), tmp_path / "a", {"manager", "governor", "inspection"},
                      generated_at=FIXED)
    b = write_reports(make_result(hostile=True), tmp_path / "b", {"manager", "governor", "inspection"},
                      generated_at=dt.datetime(2026, 1, 2, 3, 4))
    def strip(text: str) -> str:
        return re.sub(r"Generated by sendcheck on [^<]*", "", text)

    for pa, pb in zip(a, b):
        if pa.suffix == ".html":
            assert strip(pa.read_text(encoding="utf-8")) == strip(pb.read_text(encoding="utf-8")), pa.name


def test_breach_workbook_layout(hostile_out):
    _, out, _ = hostile_out
    wb = openpyxl.load_workbook(out / "breach-workbook.xlsx")
    assert wb.sheetnames[0] == "Summary"
    assert {"Assessment", "Reviews", "Schools", "Assessment (guidance)", "Due soon", "Data issues",
            "Rules"} <= set(wb.sheetnames)
    summary = [c for row in wb["Summary"].iter_rows(values_only=True) for c in row if c is not None]
    assert "New EHC plans issued within 20 weeks, excluding exceptions" in summary
    ws = wb["Assessment"]
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["Status", "Days late", "Rule"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref.startswith("A1:")
    assert ws[1][0].font.b
    assert ws.column_dimensions["D"].width > 20
    assert len(ws.conditional_formatting) >= 1
    due = headers.index("Due") + 1
    dated = [r[due - 1] for r in ws.iter_rows(min_row=2) if r[due - 1].value is not None]
    assert dated and all(isinstance(c.value, dt.datetime) and c.number_format == "dd/mm/yyyy" for c in dated)
    statuses = {r[0].value for r in ws.iter_rows(min_row=2)}
    assert {"Late", "Overdue"} <= statuses  # the status is text, not only a colour
    rules = wb["Rules"]
    assert any("SEND Regulations 2014" in str(c.value) for row in rules.iter_rows() for c in row)


def test_hostile_text_never_becomes_a_formula(hostile_out):
    _, out, _ = hostile_out
    for name in ("breach-workbook.xlsx", "inspection-pack.xlsx"):
        wb = openpyxl.load_workbook(out / name)
        seen = set()
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", (name, ws.title, c.coordinate, c.value)
                    if isinstance(c.value, str) and c.value.startswith(FORMULA_TRIGGERS):
                        assert c.data_type == "s" and c.quotePrefix, (ws.title, c.coordinate)
                        seen.add(c.value)
        assert {"+1+1", '=HYPERLINK("http://x.test","click")'} <= seen, name
    assert any(h.startswith("\t") for h in HOSTILE)


def test_inspection_workbook_has_evidence_for_every_figure(hostile_out):
    _, out, _ = hostile_out
    wb = openpyxl.load_workbook(out / "inspection-pack.xlsx")
    assert {"Summary", "Trend by year", "Trend by month", "By primary need", "By age", "By setting type",
            "Children with plans", "20-week plans", "6-week decisions", "Reviews", "Due soon"} <= set(wb.sheetnames)
    plans = wb["Children with plans"]
    headers = [c.value for c in plans[1]]
    for h in ("Initial plan date", "Last review", "Establishment", "Primary need", "Data checks"):
        assert h in headers
    html = (out / "inspection-pack.html").read_text(encoding="utf-8")
    for sheet in ("20-week plans", "Children with plans"):
        assert sheet in html


def test_empty_run_still_writes_every_report(tmp_path):
    result = make_result(n_people=0)
    paths = write_reports(result, tmp_path, generated_at=FIXED)
    assert (tmp_path / "send-manager-report.html").exists() and (tmp_path / "breach-workbook.xlsx").exists()
    assert len(paths) >= 5
