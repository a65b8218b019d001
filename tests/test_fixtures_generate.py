"""The synthetic LA generator: deterministic, realistic proportions, and files that parse."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
from pathlib import Path

import pandas as pd
import pytest
import yaml
from lxml import etree

from checker.model import TABLES

ROOT = Path(__file__).resolve().parent.parent
AS_AT = pd.Timestamp("2026-10-31")


def _load_generator():
    spec = importlib.util.spec_from_file_location("fixtures_generate", ROOT / "fixtures" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


@pytest.fixture(scope="module")
def tables():
    return gen.build_la(3000, 2026, "2026-10-31")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("la")
    gen.write_la(out, people=600, seed=7, as_at="2026-10-31")
    return out


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_gives_identical_bytes(tmp_path, written):
    again = tmp_path / "again"
    gen.write_la(again, people=600, seed=7, as_at="2026-10-31")
    for name in ("sen2_2026.xml", "tracker_a.csv", "tracker_a.xlsx", "tracker_b.xlsx", "annex_a_list1.xlsx",
                 "edge_cases.csv", "known_issues.csv"):
        assert _digest(written / name) == _digest(again / name), name


def test_different_seed_gives_different_caseload(tmp_path, written):
    gen.write_la(tmp_path, people=600, seed=8, as_at="2026-10-31", formats=("csv",))
    assert _digest(written / "tracker_a.csv") != _digest(tmp_path / "tracker_a.csv")


def test_tables_follow_the_canonical_model(tables):
    for name, frame in tables.items():
        assert name in TABLES
        assert set(frame.columns) <= set(TABLES[name].columns), name
        for field in TABLES[name].fields:
            if field.name in frame and field.codes:
                values = set(frame[field.name].dropna())
                assert values <= set(field.codes), (name, field.name, values - set(field.codes))
            if field.name in frame and field.kind == "date":
                assert str(frame[field.name].dtype) == "datetime64[ns]", (name, field.name)


def test_nothing_is_dated_after_the_as_at_date(tables):
    for name, frame in tables.items():
        for col in frame.columns:
            if str(frame[col].dtype).startswith("datetime64") and col not in ("phase_transfer_due_date",
                                                                                   "post16_transfer_date"):
                assert not (frame[col] > AS_AT).any(), (name, col)


def test_keys_are_unique_and_children_have_parents(tables):
    for name, frame in tables.items():
        key = list(TABLES[name].key)
        assert not frame.duplicated(key).any(), name
    requests = set(tables["request"]["request_id"])
    for name in ("assessment", "named_plan", "active_plan", "review", "advice", "personal_budget"):
        assert set(tables[name]["request_id"]) <= requests, name
    assert set(tables["request"]["person_id"]) == set(tables["person"]["person_id"])


def test_realistic_proportions(tables):
    req = tables["request"]
    recent = req[req["received_date"] > AS_AT - pd.Timedelta(days=540)]
    decided = recent[recent["request_outcome"].isin(["Y", "N", "W"])]
    assert 0.18 <= (decided["request_outcome"] == "N").mean() <= 0.32

    a = tables["assessment"].merge(req[["request_id", "received_date"]], on="request_id")
    plans = a[a["assessment_outcome"] == "Y"]
    weeks = (plans["assessment_outcome_date"] - plans["received_date"]).dt.days
    assert 0.40 <= (weeks > 140).mean() <= 0.60
    assert 0.05 <= (a["week20"] == "1").mean() <= 0.11

    ap = tables["active_plan"].merge(tables["named_plan"][["request_id", "start_date"]], on="request_id")
    anchor = ap["last_review"].fillna(ap["start_date"])
    overdue = (anchor + pd.DateOffset(years=1) - pd.Timedelta(days=1)) < AS_AT
    older = ap["start_date"] < AS_AT - pd.Timedelta(days=365)
    assert 0.14 <= overdue[older].mean() <= 0.30


def test_the_caseload_covers_every_duty_family(tables):
    person = tables["person"]
    assert (person["nc_year"] == 6).sum() > 50 and (person["nc_year"] == 11).sum() > 50
    ages = (AS_AT - person["birth_date"]).dt.days / 365.25
    assert (ages < 5).sum() > 50 and (ages >= 19).sum() > 30
    yp = person[ages >= 17]
    assert (yp["correspondence_with"] == "parent").any()
    ap = tables["active_plan"]
    late_pt = ap[ap["phase_transfer_final_date"] >= ap["phase_transfer_due_date"]]
    assert len(late_pt) > 5
    advice = tables["advice"]
    assert (advice["exception"] == "missed appointment").any()
    assert set(tables["tribunal_order"]["order_type"]) == set(TABLES["tribunal_order"].field("order_type").codes)
    assert tables["personal_budget"]["dp_first_payment_date"].notna().sum() > 10
    assert len(tables["health_provision"]) > 100
    school = tables["school"]
    assert len(school) == 60
    assert {"NASENCO", "NPQSENCO", "none"} <= set(school["senco_award"].dropna())
    assert (school["sen_report_date"] < AS_AT - pd.DateOffset(years=1)).any()


def test_edge_cases_are_in_the_data(tables):
    cases = {e["case"]: e["request_id"] for e in gen.EDGE_CASES}
    a = tables["assessment"].merge(tables["request"], on="request_id").set_index("request_id")
    day140 = a.loc[cases["final plan on day 140, the deadline is the Spring bank holiday"]]
    assert (day140["assessment_outcome_date"] - day140["received_date"]).days == 140
    assert day140["assessment_outcome_date"] == pd.Timestamp("2025-05-26")
    day141 = a.loc[cases["final plan on day 141"]]
    assert (day141["assessment_outcome_date"] - day141["received_date"]).days == 141
    reviews = tables["review"]
    leap = reviews[reviews["request_id"] == cases["review decision on 29 Feb 2024; next decision 28 Feb 2025"]]
    assert pd.Timestamp("2024-02-29") in set(leap["decision_date"])
    plan = tables["named_plan"].set_index("request_id").loc[
        cases["plan made 29 Feb 2024; first review decision 28 Feb 2025"]]
    assert plan["start_date"] == pd.Timestamp("2024-02-29")


def test_month_two_is_the_same_la_a_month_on(tables):
    later = gen.build_la(3000, 2026, "2026-11-30", base="2026-10-31")
    before = tables["request"].set_index("request_id")
    after = later["request"].set_index("request_id")
    assert set(before.index) < set(after.index)  # new requests arrived, none vanished
    common = before.index
    assert before["received_date"].equals(after.loc[common, "received_date"])
    was_pending = before[before["request_outcome"] == "A"].index
    assert (after.loc[was_pending, "request_outcome"] != "A").any()  # some decisions made in November
    plans_before = set(tables["named_plan"]["request_id"])
    assert plans_before < set(later["named_plan"]["request_id"])  # new plans issued


def test_sen2_xml_is_well_formed_with_2026_header(written):
    root = etree.parse(str(written / "sen2_2026.xml")).getroot()
    assert root.tag == "Message"
    source = root.find("Header/Source")
    assert [source.findtext(t) for t in ("DMO", "DCO", "DSCO")] == ["Y", "Y", "R"]
    assert root.findtext("Header/CollectionDetails/Year") == "2026"
    people = root.findall("Persons/Person")
    assert 550 <= len(people) <= 620
    active = root.find(".//ActivePlans")
    tags = [child.tag for child in active]
    assert tags.index("SENneed") < tags.index("ReviewMeeting") if "ReviewMeeting" in tags else True
    last = root.xpath("//ActivePlans[LastReview]")[0]
    assert last[-1].tag == "LastReview"  # 2026 order: LastReview ends ActivePlans


def test_xlsx_files_open_and_carry_the_profile_headers(written):
    from openpyxl import load_workbook

    profile_a = yaml.safe_load((ROOT / "profiles" / "la-tracker-a.yaml").read_text())
    wb = load_workbook(written / "tracker_a.xlsx", read_only=True)
    assert wb.sheetnames == ["EHC Tracker"]
    rows = list(wb["EHC Tracker"].iter_rows(min_row=1, max_row=4, values_only=True))
    assert "Tracker" in rows[0][0]  # title row above the header
    header = [h for h in rows[3] if h]
    for spec in profile_a["sheets"]:
        assert set(spec["columns"]) | set(spec.get("ignore", [])) == set(header)

    with open(written / "tracker_a.csv", encoding="utf-8-sig", newline="") as fh:
        csv_header = next(csv.reader(fh))
    assert csv_header == [h for h, _, _ in gen.TRACKER_A]

    profile_b = yaml.safe_load((ROOT / "profiles" / "la-tracker-b.yaml").read_text())
    wb = load_workbook(written / "tracker_b.xlsx", read_only=True)
    assert set(wb.sheetnames) >= {"Caseload", "Reviews", "Advice", "Schools", "Tribunal", "Personal Budgets"}
    for spec in profile_b["sheets"]:
        sheet_header = next(wb[spec["match"]].iter_rows(min_row=1, max_row=1, values_only=True))
        assert set(spec["columns"]) == {h for h in sheet_header if h}, spec["match"]


def test_annex_a_list_1_is_shaped_like_the_inspection_template(written):
    from openpyxl import load_workbook

    profile = yaml.safe_load((ROOT / "profiles" / "annex-a-list1.yaml").read_text(encoding="utf-8"))
    wb = load_workbook(written / "annex_a_list1.xlsx", read_only=True)
    assert wb.sheetnames == ["List 1"]
    rows = list(wb["List 1"].iter_rows(values_only=True))
    assert "area SEND inspection" in rows[0][0] and not any(rows[3] or ())  # a title block above the header
    header = list(rows[4])
    assert "Date EHC plan\nlast reviewed" in header  # a heading typed with Alt+Enter
    spec = profile["sheets"][0]
    assert {h.replace("\n", " ") for h in header} == set(spec["columns"]) | set(spec["ignore"])
    body = pd.DataFrame(rows[5:], columns=header)
    assert body["Unique ID"].is_unique
    assert set(body["Gender"]) <= {"a) Male", "b) Female", "c) Not known"}
    assert body["SEN primary need"].str.match(r"^[a-l]\) [A-Z]+$").all()
    assert body["Date EHC plan\nlast reviewed"].isna().any()  # never reviewed yet: blank
    texts = body["Date of birth"].map(lambda v: isinstance(v, str))
    assert texts.any() and not texts.all()  # date cells and dd/mm/yyyy text
    assert body["Date of birth"][texts].str.match(r"^\d{2}/\d{2}/\d{4}$").all()


def test_profiles_map_to_canonical_fields():
    for name in ("la-tracker-a", "la-tracker-b"):
        profile = yaml.safe_load((ROOT / "profiles" / f"{name}.yaml").read_text())
        assert profile["name"] == name
        for spec in profile["sheets"]:
            for target in spec["columns"].values():
                table, _, field = target.rpartition(".")
                tables = [table] if table else spec["tables"]
                assert any(field in TABLES[t].columns for t in tables), (name, target)
            for field in spec.get("codes", {}):
                assert any(field in TABLES[t].columns for t in spec["tables"]), (name, field)


def test_known_bad_cells_are_listed_where_they_are(written):
    issues = pd.read_csv(written / "known_issues.csv", dtype=str)
    bad = issues[(issues["file"] == "tracker_a.csv") & (issues["issue"] == "not a date")]
    assert len(bad) == len(gen.BAD_DATES)
    with open(written / "tracker_a.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    for item in bad.itertuples():
        assert rows[int(item.row) - 1][header.index(item.column)] == item.value


def test_small_tracker_has_known_answers():
    small = ROOT / "fixtures" / "small"
    with open(small / "tracker_small.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 10
    expected = pd.read_csv(small / "expected.csv", dtype=str)
    assert set(expected["request_id"]) == {r["Request Ref"] for r in rows}


def test_command_line_writes_both_months(tmp_path):
    assert gen.main(["--people", "200", "--out", str(tmp_path), "--formats", "xml,csv"]) == 0
    assert (tmp_path / "sen2_2026.xml").exists() and (tmp_path / "month2" / "tracker_a.csv").exists()
    assert not (tmp_path / "tracker_a.xlsx").exists()


def test_command_line_rejects_unknown_format(tmp_path, capsys):
    with pytest.raises(SystemExit):
        gen.main(["--formats", "pdf", "--out", str(tmp_path)])
    assert "unknown format" in capsys.readouterr().err
