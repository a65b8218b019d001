"""A child's statutory timeline: ``sendcheck timeline`` in text, HTML and CSV, the library behind it, and the web
page. The hand-made child below has a known history, worked out by hand from the dates:

- SR1: request received Mon 6 January 2025, refused Fri 14 February: decision due 17 February (6 weeks), on time.
- SR2: received Mon 1 September 2025; decision Mon 20 October, due 13 October: late by 7 days; draft plan
  Sat 10 January 2026, so the final plan may not come before Sun 25 January (15 days); final plan and plan start
  Mon 2 February, due Mon 19 January (20 weeks): late by 14 days; first review due by 1 February 2027
  (12 months); born 14 March 2016, so the plan may run to 31 August 2041 (end of the school year she is 25).
- As at Tue 31 March 2026: the review and the age-25 limit are still to come.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from builders import cli, csv_file, dataset

from checker.engine.rules import load_rules
from checker.reports import timeline as tl
from checker.reports import timeline_output

AS_AT = "2026-03-31"
HEADER = ["Child ID", "Forename", "Surname", "DOB", "UPN", "Team", "Caseworker", "Request Ref",
          "Date Request Received", "Decision to Assess Date", "Decision", "Assessment Outcome", "Draft Plan Issued",
          "Final Plan Issued", "20 Week Exception?", "Exception Reason", "Plan Start", "School URN", "Primary Need",
          "NC Year"]
HOSTILE_NAME = '=HYPERLINK("http://x.test","click")'
HOSTILE_SURNAME = "<script>alert(1)</script>"
HOSTILE_WORKER = "@SUM(A1)"
ROWS = [
    ["C01", "Ada", "Test", "14/03/2016", "A123456789012", "North", "J. Patel", "SR1", "06/01/2025", "14/02/2025",
     "Refused", "", "", "", "", "", "", "", "", "4"],
    ["C01", "Ada", "Test", "14/03/2016", "A123456789012", "North", "J. Patel", "SR2", "01/09/2025", "20/10/2025",
     "Agreed to assess", "Plan issued", "10/01/2026", "02/02/2026", "No", "", "02/02/2026", "100001",
     "Autistic Spectrum Disorder", "4"],
    ["C02", HOSTILE_NAME, HOSTILE_SURNAME, "02/09/2015", "", "+1+1", HOSTILE_WORKER, "SR3", "06/01/2026", "",
     "Awaiting decision", "", "", "", "", "", "", "", "", "5"],
]

# (date, kind, record, rule id or event words, status): the order the timeline must give.
EXPECTED = [
    ("2025-01-06", "event", "SR1", "Request for an EHC needs assessment received", ""),
    ("2025-02-14", "event", "SR1", "Decision whether to assess notified", ""),
    ("2025-02-17", "deadline", "SR1", "EHC-DECISION-6W", "compliant"),
    ("2025-09-01", "event", "SR2", "Request for an EHC needs assessment received", ""),
    ("2025-10-13", "deadline", "SR2", "EHC-DECISION-6W", "late"),
    ("2025-10-20", "event", "SR2", "Decision whether to assess notified", ""),
    ("2026-01-10", "event", "SR2", "Draft EHC plan sent", ""),
    ("2026-01-19", "deadline", "SR2", "EHC-FINAL-20W", "late"),
    ("2026-01-25", "deadline", "SR2", "EHC-DRAFT-15D", "compliant"),
    ("2026-02-02", "event", "SR2", "Final EHC plan issued", ""),
    ("2026-02-02", "event", "SR2", "EHC plan start date", ""),
    (AS_AT, "today", "", "", ""),
    ("2027-02-01", "deadline", "SR2", "REVIEW-12M", "pending"),
    ("2041-08-31", "deadline", "SR2", "PLAN-CEASE-25", "pending"),
]


@pytest.fixture()
def tracker(tmp_path) -> Path:
    return csv_file(tmp_path / "tracker.csv", [HEADER] + ROWS, line_end="\n")


def timeline(record: str, tracker: Path, *args):
    return cli("timeline", record, "--input", tracker, "--profile", "la-tracker-a", "--as-at", AS_AT, *args)


# -- the command -------------------------------------------------------------------------------------------------

def test_text_gives_the_known_history_in_order(tracker):
    result = timeline("C01", tracker)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "CONTAINS PERSONAL DATA — FOR THE CASE FILE" in out
    assert "Ada Test (UPN A123456789012)" in out and "records SR1, SR2" in out
    heads = [line for line in out.splitlines() if re.match(r"\d{4}-\d\d-\d\d \w{3}  |---- ", line)]
    got = []
    for line in heads:
        if line.startswith("---- "):
            got.append((AS_AT, "today", "", "", ""))
            continue
        date, _, kind, record, rest = re.match(r"(\S+) (\S+)  (event|deadline)\s+(\S+)  (.*)", line).groups()
        got.append((date, kind, record, rest.split(" ")[0] if kind == "deadline" else rest.split(":")[0], ""))
    assert [g[:4] for g in got] == [e[:4] for e in EXPECTED]
    assert "LATE BY 7 DAYS: clock started 01/09/2025, due 13/10/2025, done 20/10/2025" in out
    assert "LATE BY 14 DAYS: clock started 01/09/2025, due 19/01/2026, done 02/02/2026" in out
    assert "ON TIME: clock started 10/01/2026, earliest permitted day 25/01/2026, done 02/02/2026" in out
    assert "IN TIME SO FAR: clock started 02/02/2026, due 01/02/2027, not done by the as-at date" in out
    assert 'source: tracker.csv, row 3, column "Final Plan Issued"' in out
    assert "law: SEND Regulations 2014 reg 13(2)-(3)" in out
    assert "6 deadlines checked: 0 statutory duties overdue now, 2 met late" in out
    assert "Ben" not in out and "SR3" not in out  # another child's record never appears


def test_a_request_id_gives_the_whole_child_and_names_how_it_was_found(tracker):
    out = timeline("SR1", tracker).output
    assert "(request id)" in out and "SR2  EHC-FINAL-20W" in out  # both of the child's requests


def test_a_upn_finds_the_child_whatever_its_case(tracker):
    out = timeline("a123456789012", tracker).output
    assert "(UPN)" in out and "Ada Test" in out


def test_csv_gives_the_same_order_with_statuses_and_sources(tracker):
    result = timeline("C01", tracker, "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == timeline_output.CSV_COLUMNS
    got = [(r["date"], r["kind"], r["record_id"], "" if r["kind"] == "today" else r["rule_id"] or r["what"],
            r["status"]) for r in rows]
    assert got == EXPECTED
    late = next(r for r in rows if r["rule_id"] == "EHC-FINAL-20W")
    assert (late["status_label"], late["days_late"], late["due_date"], late["stopped_date"]) == \
        ("Late by 14 days", "14", "2026-01-19", "2026-02-02")
    assert late["citation"].startswith("SEND Regulations 2014 reg 13(2)-(3)")
    final = next(r for r in rows if r["what"] == "Final EHC plan issued")
    assert (final["file"], final["row"], final["column"]) == ("tracker.csv", "3", "Final Plan Issued")


class _Entries(HTMLParser):
    """The timeline's entries as (date, kind, record, rule id or event words, status) from the page."""

    def __init__(self):
        super().__init__()
        self.entries, self._cls, self._text = [], [], []

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag == "li" and ("app-timeline__entry" in cls or "app-timeline__today" in cls):
            self.entries.append({"cls": cls, "date": "", "kind": "", "what": "", "status": ""})
        if self.entries and tag == "time":
            self.entries[-1]["date"] = self.entries[-1]["date"] or dict(attrs)["datetime"]
        self._cls.append(cls)

    def handle_endtag(self, tag):
        if self._cls:
            self._cls.pop()

    def handle_data(self, data):
        if not self.entries or not self._cls:
            return
        e, cls = self.entries[-1], self._cls[-1]
        if "app-timeline__kind" in cls and not e["kind"]:
            e["kind"] = data.strip()
        elif "app-rule-id" in cls and not e["what"]:
            e["what"] = data.strip()
        elif "app-timeline__what" in cls and not e["what"]:
            e["what"] = data.strip()
        elif "govuk-tag" in cls and not e["status"] and "app-timeline__entry--deadline" in e["cls"]:
            e["status"] = data.strip()


def test_html_gives_the_same_order_and_is_marked_personal(tracker, tmp_path):
    out = tmp_path / "C01.html"
    result = timeline("C01", tracker, "--format", "html", "--out", out)
    assert result.exit_code == 0 and "contains personal data" in result.output
    page = out.read_text(encoding="utf-8")
    assert "<title>Statutory timeline: Ada Test (UPN A123456789012)</title>" in page
    assert "Contains personal data — for the case file." in page
    parser = _Entries()
    parser.feed(page)
    labels = {"compliant": "On time", "late": "Late", "pending": "In time so far", "": ""}
    got = [(e["date"], "today" if "today" in e["cls"] else e["kind"].split(" · ")[0].lower(),
            e["kind"].split(" · ")[1] if " · " in e["kind"] else "", e["what"].split(":")[0], e["status"])
           for e in parser.entries]
    want = [(d, k, r, "Today" if k == "today" else w, labels[s]) for d, k, r, w, s in EXPECTED]
    assert got == want
    assert "Late by 14 days" in page and "Not done by the as-at date" in page
    assert timeline("C01", tracker, "--format", "html", "--out", out).exit_code == 2  # no silent overwrite
    assert timeline("C01", tracker, "--format", "html", "--out", out, "--force").exit_code == 0


def test_unknown_record_is_a_clear_message_and_exit_2(tracker):
    result = timeline("NOBODY", tracker)
    assert result.exit_code == 2
    assert "no child with the person id, UPN, request id or plan id 'NOBODY' in tracker.csv" in result.output
    assert "Traceback" not in result.output


def test_a_upn_given_to_two_people_shows_both(tmp_path):
    rows = [HEADER,
            ["D01", "Cat", "One", "01/01/2015", "A123456789012", "", "", "SR7", "05/01/2026", "10/02/2026", "Refused",
             "", "", "", "", "", "", "", "", "5"],
            ["D02", "Dan", "Two", "01/01/2014", "A123456789012", "", "", "SR8", "12/01/2026", "", "Awaiting decision",
             "", "", "", "", "", "", "", "", "6"]]
    path = csv_file(tmp_path / "twins.csv", rows)
    result = timeline("A123456789012", path)
    assert result.exit_code == 0, result.output
    assert "names 2 children" in result.output
    assert "Cat One (UPN A123456789012)" in result.output and "Dan Two (UPN A123456789012)" in result.output
    assert "SR7  EHC-DECISION-6W" in result.output and "SR8  EHC-DECISION-6W" in result.output
    assert result.output.count("UPN-DUPLICATE") == 2  # the data check's query, on each child's row


def test_hostile_text_stays_inert_in_html_and_csv(tracker, tmp_path):
    page = tmp_path / "C02.html"
    assert timeline("C02", tracker, "--format", "html", "--out", page).exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    assert "&#34;" in html or "&quot;" in html  # the formula's quotes escaped, not live attributes
    rows = list(csv.reader(io.StringIO(timeline("C02", tracker, "--format", "csv").output)))
    cells = [c for row in rows[1:] for c in row]
    assert cells and not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'" + HOSTILE_NAME + " " + HOSTILE_SURNAME in cells
    overdue = next(r for r in csv.DictReader(io.StringIO(timeline("C02", tracker, "--format", "csv").output))
                   if r["rule_id"] == "EHC-DECISION-6W")
    assert (overdue["status"], overdue["days_late"], overdue["due_date"]) == ("overdue", "42", "2026-02-17")
    assert overdue["action"].startswith("Send the decision notice now")


# -- the library -------------------------------------------------------------------------------------------------

def _rich_child():
    """Every canonical table with one of the child's dates, and a stranger's rows that must stay out."""
    tables = {
        "person": [{"person_id": "P1", "forename": "Eve", "surname": "Rich", "birth_date": "2012-05-01"},
                   {"person_id": "P9", "forename": "Stranger", "surname": "Danger"}],
        "request": [{"request_id": "Q1", "person_id": "P1", "received_date": "2024-01-08",
                     "request_outcome": "Y", "request_outcome_date": "2024-02-12", "request_tribunal": "1",
                     "mediation_held_date": "2024-03-01"},
                    {"request_id": "Q9", "person_id": "P9", "received_date": "2024-01-09"}],
        "assessment": [{"request_id": "Q1", "assessment_outcome": "Y", "assessment_outcome_date": "2024-05-20",
                        "draft_plan_date": "2024-04-22", "exception_start": "2024-03-04",
                        "exception_reason": "+school holiday"}],
        "named_plan": [{"request_id": "Q1", "start_date": "2024-05-20"}],
        "active_plan": [{"request_id": "Q1", "review_meeting": "2025-05-01", "last_review": "2025-05-20",
                         "review_outcome": "M"}],
        "review": [{"request_id": "Q1", "meeting_date": "2025-05-01", "decision_date": "2025-05-20", "outcome": "M"}],
        "placement": [{"request_id": "Q1", "urn": "100001", "entry_date": "2024-06-03"}],
        "advice": [{"request_id": "Q1", "advice_type": "psychology", "provider": "EP service",
                    "requested_date": "2024-02-19", "received_date": "2024-03-25"}],
        "tribunal_order": [{"order_id": "T1", "request_id": "Q1", "order_type": "amend", "order_date": "2025-07-01"}],
        "school": [{"urn": "100001", "school_name": "Oak Primary"}],
    }
    return dataset(tables)


def _build(record="P1", issues=None, **kw):
    ds = _rich_child()
    empty = pd.DataFrame(columns=["rule_id", "record_id", "person_id", "upn"])
    return tl.build(record, tables=ds, findings=kw.get("findings", empty), issues=issues, rules=load_rules(),
                    as_at=dt.date(2025, 12, 1), not_evaluated={"X-RULE": "no input supplies x"})


def test_every_recorded_date_becomes_an_event_once_with_its_source():
    found = _build()
    child = found.children[0]
    words = [(e.date.isoformat(), e.what, e.detail) for e in child.entries]
    assert words == [
        ("2024-01-08", "Request for an EHC needs assessment received", ""),
        ("2024-02-12", "Decision whether to assess notified", "agreed to assess"),
        ("2024-02-19", "Advice requested", "psychology advice from EP service"),
        ("2024-03-01", "Mediation held", ""),
        ("2024-03-04", "20-week time limit exception began", "+school holiday"),
        ("2024-03-25", "Advice received", "psychology advice from EP service"),
        ("2024-04-22", "Draft EHC plan sent", ""),
        ("2024-05-20", "Final EHC plan issued", ""),
        ("2024-05-20", "EHC plan start date", ""),
        ("2024-06-03", "Placement started", "Oak Primary (URN 100001)"),
        ("2025-05-01", "Annual review meeting held", ""),  # SEN2's latest review and the history: one entry
        ("2025-05-20", "Decision after the annual review notified", "maintain the plan"),
        ("2025-07-01", "SEND Tribunal order made", "order T1; amend"),
    ]
    meeting = next(e for e in child.entries if e.what == "Annual review meeting held")
    assert [(s.sheet, s.column) for s in meeting.sources] == [("Active_Plan", "review_meeting"),
                                                             ("Review", "meeting_date")]
    assert [e.what for e in child.undated] == ["Appeal made against the decision whether to assess"]
    assert "Stranger" not in str(found) and "Q9" not in str(found)
    assert (child.name, child.birth_date, child.records) == ("Eve Rich", dt.date(2012, 5, 1), ["Q1"])


def test_every_date_field_of_the_model_has_words():
    from checker.model import DATE, TABLES

    for table in TABLES.values():
        for f in table.fields:
            if f.kind == DATE and table.name not in ("person", "school"):
                assert (table.name, f.name) in tl.EVENT_WORDS, f"{table.name}.{f.name} has no event words"


def test_a_tribunal_order_id_finds_the_child():
    found = _build("T1")
    assert found.matched_by == "tribunal order id" and found.children[0].person_id == "P1"


def test_data_issues_sit_beside_the_event_they_concern_and_the_rest_apart():
    issues = pd.DataFrame([
        {"issue_id": "DATE-IN-FUTURE", "severity": "query", "table": "assessment", "record_id": "Q1",
         "file": "extract.xlsx", "sheet": "Assessment", "row": 2, "column": "draft_plan_date", "value": "",
         "message": "draft looks odd"},
        {"issue_id": "DATE-NOT-A-DATE", "severity": "error", "table": "named_plan", "record_id": "Q1",
         "file": "extract.xlsx", "sheet": "Named_Plan", "row": 2, "column": "cease_date", "value": "31/02/2025",
         "message": "not a date"},
        {"issue_id": "DATE-NOT-A-DATE", "severity": "error", "table": "request", "record_id": "Q9",
         "file": "extract.xlsx", "sheet": "Request", "row": 3, "column": "received_date", "value": "x",
         "message": "someone else's"},
    ])
    child = _build(issues=issues).children[0]
    draft = next(e for e in child.entries if e.what == "Draft EHC plan sent")
    assert [i.issue_id for i in draft.issues] == ["DATE-IN-FUTURE"]
    assert [(i.issue_id, i.source.column) for i in child.other_issues] == [("DATE-NOT-A-DATE", "cease_date")]
    assert child.figures["errors"] == 1 and child.figures["queries"] == 1
    text = timeline_output.text(_build(issues=issues))
    assert "DATA QUERY DATE-IN-FUTURE: draft looks odd" in text and "someone else's" not in text


def test_a_rule_that_carries_a_link_shows_it():
    from dataclasses import replace

    rule = next(r for r in load_rules() if r.id == "EHC-DECISION-6W")
    linked = replace(rule, source=rule.source + ("https://www.legislation.gov.uk/ukpga/2014/6/section/36",))
    assert tl.rule_links(linked) == ("https://www.legislation.gov.uk/ukpga/2014/6/section/36",)
    assert tl.rule_links(replace(rule, source=("javascript:alert(1)", "http://plain.test"))) == ()
    findings = pd.DataFrame([{"rule_id": "EHC-DECISION-6W", "record_id": "Q1", "person_id": "P1", "upn": None,
                              "status": "compliant", "clock_start": pd.Timestamp("2024-01-08"),
                              "due_date": pd.Timestamp("2024-02-19"), "stopped_date": pd.Timestamp("2024-02-12"),
                              "days_late": pd.NA, "exception": None, "source": rule.citation, "title": rule.title,
                              "strength": "must", "note": "", "team": None, "caseworker": None}])
    found = tl.build("P1", tables=_rich_child(), findings=findings, issues=None, rules=[linked],
                     as_at=dt.date(2025, 12, 1))
    page = timeline_output.html_page(found, dt.datetime(2025, 12, 1, 9, 0))
    assert '<a href="https://www.legislation.gov.uk/ukpga/2014/6/section/36">' in page


def test_rules_not_checked_are_said_so_wherever_a_zero_could_read_as_compliant():
    found = _build()
    assert "X-RULE: no input supplies x" in timeline_output.text(found)
    assert "Rules not checked in this run" in timeline_output.html_page(found, dt.datetime(2025, 12, 1, 9, 0))


def test_the_timeline_is_never_linked_from_governor_or_published_outputs(tmp_path):
    from test_reports_synthetic import make_result

    from checker.reports import write_reports

    for path in write_reports(make_result(), tmp_path, {"governor", "inspection"}):
        if path.suffix == ".html":
            assert not re.search(r"timeline\b", path.read_text(encoding="utf-8"), re.I), path.name


# -- the web page ------------------------------------------------------------------------------------------------

@pytest.fixture()
def finished_run(tmp_path, tracker):
    pytest.importorskip("flask", reason="flask is not installed")
    from builders import web_client
    from test_web_app import token, wait

    from checker.web import create_app

    app = create_app({"DATA_DIR": tmp_path / "data"})
    client = web_client(app)
    data = {"csrf_token": token(client), "as_at": "31/03/2026", "profile": "la-tracker-a", "record_history": "",
            "extract": (io.BytesIO(tracker.read_bytes()), "tracker.csv")}
    mapping = client.post("/runs", data=data, content_type="multipart/form-data").headers["Location"]
    run_url = client.post(mapping, data={"csrf_token": token(client)}).headers["Location"]
    assert wait(client, run_url)["status"] == "done"
    return app, client, run_url


def test_web_page_from_a_finished_check(finished_run, tracker):
    _, client, run_url = finished_run
    run_page = client.get(run_url).data.decode()
    assert f'<form method="get" action="{run_url}/timeline" role="search"' in run_page
    response = client.get(run_url + "/timeline?record=SR2")
    assert response.status_code == 200
    page = response.data.decode()
    assert "Statutory timeline: Ada Test" in page and "Contains personal data — for the case file." in page
    assert f'href="{run_url}"' in page  # back to the check
    assert "unsafe-inline" in response.headers["Content-Security-Policy"]
    download = client.get(run_url + "/timeline?record=SR2&format=csv")
    assert download.headers["Content-Disposition"] == 'attachment; filename="statutory-timeline-SR2.csv"'
    # the page is made from the run's stored findings and its uploads; the command, from the input itself
    assert download.data.decode() == timeline("SR2", tracker, "--format", "csv").output


def test_web_page_for_an_unknown_or_empty_record_says_so(finished_run):
    _, client, run_url = finished_run
    missing = client.get(run_url + "/timeline?record=NOBODY")
    assert missing.status_code == 404 and "No child in this check has" in missing.data.decode()
    assert 'value="NOBODY"' in missing.data.decode()  # the search box keeps what was typed
    assert client.get(run_url + "/timeline?record=").status_code == 400
    assert client.get("/runs/20990101-000000-abcdef/timeline?record=C01").status_code == 404


def test_web_page_hostile_text_is_escaped(finished_run):
    _, client, run_url = finished_run
    page = client.get(run_url + "/timeline?record=C02").data.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert client.get(run_url + "/timeline?record=%3Cscript%3E").status_code == 404
    assert "<script>" not in client.get(run_url + "/timeline?record=%3Cscript%3E").data.decode()


def test_web_page_needs_sign_in(finished_run):
    """Behind the same wall as every page: a browser without the access token (or the password) gets the
    sign-in page, not the child's timeline."""
    app, _, run_url = finished_run
    for require_login in (False, True):
        app.config["REQUIRE_LOGIN"] = require_login
        response = app.test_client().get(run_url + "/timeline?record=C01")
        assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_a_deadline_that_cannot_be_worked_out_is_listed_undated_and_says_why():
    findings = pd.DataFrame([{"rule_id": "EHC-FINAL-20W", "record_id": "Q1", "person_id": "P1", "upn": None,
                              "status": "insufficient_data", "clock_start": pd.NaT, "due_date": pd.NaT,
                              "stopped_date": pd.NaT, "days_late": pd.NA, "exception": None, "source": "reg 13",
                              "title": "Final plan in 20 weeks", "strength": "must", "note": "", "team": None,
                              "caseworker": None}])
    found = tl.build("P1", tables=_rich_child(), findings=findings, issues=None, rules=load_rules(),
                     as_at=dt.date(2025, 12, 1))
    child = found.children[0]
    assert [e.deadline.rule_id for e in child.undated if e.deadline] == ["EHC-FINAL-20W"]
    assert "NOT ENOUGH DATA: not known: a date the rule needs is missing" in timeline_output.text(found)
    assert "Not known: a date the rule needs is missing" in timeline_output.html_page(found, dt.datetime(2025, 12, 1))
