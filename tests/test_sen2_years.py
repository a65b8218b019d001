"""SEN2 returns as councils send them: a URN with a UKPRN, codes and item numbers of the return's own year, a
header that does not hang together.

The returns are written here in the shape of the sample returns London's LIIA analysts publish (no XML
declaration, tab indentation, URN and UKPRN together on academy and college settings); the data is invented.
"""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest
from builders import cli, sen2_need, sen2_person, sen2_request, sen2_return, sen2_setting

from checker.model import TABLES
from checker.quality import check_dataset, upn_check_letter
from checker.readers import sen2_years
from checker.readers.sen2_flat import read_sen2_blade
from checker.readers.sen2_xml import read_sen2_xml

AS_AT = "2025-01-16"


def upn(n: int) -> str:
    body = f"80120000{n:04d}"
    return upn_check_letter(pd.Series([body])).iloc[0] + body


def academy_return(path, year=2025, reference="2025-01-16"):
    """Three children: placements and named settings with both a URN and a UKPRN (an academy, a college), one
    with a URN only, one with a setting type only."""
    both = dict(URN="100001", UKPRN="10012345")
    people = [
        sen2_person(upn(1), sen2_request(plan_details=[sen2_setting("PlanDetail", **both)],
                                         placements=[sen2_setting("PlacementDetail", EntryDate="2024-09-02", **both)],
                                         needs=[sen2_need("ASD")])),
        sen2_person(upn(2), sen2_request(received="2024-02-05", decided="2024-03-11", issued="2024-06-24",
                                         plan_details=[sen2_setting("PlanDetail", URN="100002")],
                                         placements=[sen2_setting("PlacementDetail", EntryDate="2024-09-02",
                                                                  URN="100002", UKPRN="10054321")],
                                         needs=[sen2_need("SEMH")])),
        sen2_person(upn(3), sen2_request(received="2024-01-08", decided="2024-02-12", issued="2024-05-20",
                                         plan_details=[sen2_setting("PlanDetail", SENsetting="OTH",
                                                                    SENSettingOther="Special school for ASD")],
                                         placements=[sen2_setting("PlacementDetail", EntryDate="2024-06-03",
                                                                  SENsetting="EHE")],
                                         needs=[sen2_need("SLCN")])),
    ]
    return sen2_return(path, people, year=year, reference_date=reference)


def accounting(out) -> dict[str, dict]:
    with open(out / "accounting.csv", encoding="utf-8") as fh:
        return {row["table"]: row for row in csv.DictReader(fh)}


def issues(out) -> list[dict]:
    with open(out / "data_issues.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# -- URN and UKPRN together --------------------------------------------------------------------------------------

def test_a_return_with_urn_and_ukprn_together_loses_no_rows(tmp_path):
    path = academy_return(tmp_path / "sen2_2025.xml")
    result = cli("check", path, "--as-at", AS_AT, "--out", tmp_path / "out", "--report", "none")
    assert result.exit_code in (0, 1), result.output
    rows = accounting(tmp_path / "out")
    for table in ("plan_detail", "placement", "request", "named_plan"):
        assert rows[table]["rows_read"] == "3" and rows[table]["rows_rejected"] == "0", rows[table]
    assert not [i for i in issues(tmp_path / "out") if i["issue_id"] == "SETTING-NOT-ONE"]
    findings = pd.read_csv(tmp_path / "out" / "findings.csv", dtype=str)
    assert set(findings.loc[findings["rule_id"].eq("EHC-FINAL-20W"), "record_id"]) == {
        f"{upn(1)}:2024-03-04", f"{upn(2)}:2024-02-05", f"{upn(3)}:2024-01-08"}


def test_with_both_the_urn_is_the_school_the_rules_and_reports_use(tmp_path):
    from checker.engine.views import build_views
    from checker.run import accepted_rows

    ds = read_sen2_xml(academy_return(tmp_path / "sen2_2025.xml"))
    checked = check_dataset(ds, pd.Timestamp(AS_AT).date())
    views = build_views(accepted_rows(ds, checked.rejected), pd.Timestamp(AS_AT))
    plans = views["plan"].set_index("record_id")
    assert plans.loc[f"{upn(1)}:2024-03-04", "urn"] == "100001"
    assert plans.loc[f"{upn(2)}:2024-02-05", "urn"] == "100002"


@pytest.mark.parametrize("items", [dict(URN="100001", SENsetting="OTH"), dict(UKPRN="10012345", SENsetting="NEET"),
                                   dict(URN="100001", UKPRN="10012345", SENsetting="OLA"), {}])
def test_a_setting_type_beside_an_identifier_or_no_setting_at_all_is_still_an_error(tmp_path, items):
    person = sen2_person(upn(1), sen2_request(placements=[sen2_setting("PlacementDetail", EntryDate="2024-09-02",
                                                                       **items)]))
    ds = read_sen2_xml(sen2_return(tmp_path / "r.xml", [person]))
    found = [i for i in check_dataset(ds, pd.Timestamp(AS_AT).date()).issues if i.issue_id == "SETTING-NOT-ONE"]
    assert len(found) == 1 and found[0].severity == "error" and found[0].table == "placement"
    assert ("no setting" in found[0].message) == (not items)


# -- codes of the return's own year -------------------------------------------------------------------------------

def _person_with(year: int, *, sex="<Sex>F</Sex>", setting="OLA", plan_setting="OTH", need="ASD") -> str:
    return sen2_person(upn(1), sen2_request(
        plan_details=[sen2_setting("PlanDetail", SENsetting=plan_setting, SENSettingOther="Type named")],
        placements=[sen2_setting("PlacementDetail", EntryDate="2024-09-02", SENsetting=setting,
                                 SENSettingOther="Awaiting a place")],
        needs=[sen2_need(need)]), sex=sex)


CODE_CASES = [
    # (year, what is in the return, table, value, queried?)
    (2023, {"setting": "NEET"}, "placement", "NEET", True),
    (2023, {"setting": "NIEO"}, "placement", "NIEO", True),
    (2024, {"setting": "NEET"}, "placement", "NEET", False),
    (2026, {"setting": "NIEC"}, "placement", "NIEC", False),
    (2025, {"plan_setting": "NEET"}, "plan_detail", "NEET", True),
    (2024, {"need": "DS"}, "sen_need", "DS", True),
    (2025, {"need": "DS"}, "sen_need", "DS", False),
    (2024, {"sex": "<Sex>U</Sex>"}, "person", "U", True),
    (2026, {"sex": "<Sex>U</Sex>"}, "person", "U", True),
    (2023, {"sex": "<GenderCurrent>9</GenderCurrent>"}, "person", "U", False),
    (2023, {"sex": "<GenderCurrent>0</GenderCurrent>"}, "person", "U", False),
]


@pytest.mark.parametrize("year,change,table,value,queried", CODE_CASES)
def test_codes_follow_the_return_year(tmp_path, year, change, table, value, queried):
    path = sen2_return(tmp_path / f"sen2_{year}.xml", [_person_with(year, **change)], year=year,
                       reference_date=f"{year}-01-15")
    ds = read_sen2_xml(path)
    assert value in set(ds.table(table)[{"person": "sex", "sen_need": "sen_type"}.get(table, "sen_setting")])
    checked = check_dataset(ds, pd.Timestamp(f"{year}-01-15").date())
    found = [i for i in checked.issues if i.issue_id == "SEN2-CODE-NOT-IN-YEAR"]
    assert [(i.table, i.value) for i in found] == ([(table, value)] if queried else [])
    assert not [i for i in checked.issues if i.issue_id == "CODE-INVALID"]  # a code the rules read: not an error
    assert not any(s.any() for s in checked.rejected.values())
    if queried:
        assert f"in a {year} return" in found[0].message and found[0].severity == "query"


def test_year_codes_apply_to_the_blade_export_by_its_header_year(tmp_path):
    files = {
        "sen2": "sen2tableid,collection,year,referencedate,lea\n1,SEN2,2023,2023-Jan-19 00:00:00,999\n",
        "person": f"persontableid,upn,personbirthdate,gendercurrent\n1,{upn(1)},2012-05-01,1\n",
        "requests": "requeststableid,persontableid,receiveddate,requestoutcome,requestoutcomedate\n"
                    "1,1,2022-03-01,Y,2022-04-04\n",
        "activeplans": "activeplanstableid,requeststableid\n1,1\n",
        "placementdetail": "placementdetailtableid,activeplanstableid,sensetting,placementrank,entrydate\n"
                           "1,1,NEET,1,2022-09-01\n",
    }
    paths = []
    for module, text in files.items():
        paths.append(tmp_path / f"Blade-Export_19-01-2023_{module}.csv")
        paths[-1].write_text(text, encoding="utf-8")
    ds = read_sen2_blade(paths)
    found = [i for i in check_dataset(ds, pd.Timestamp("2023-01-19").date()).issues
             if i.issue_id == "SEN2-CODE-NOT-IN-YEAR"]
    assert [(i.table, i.value) for i in found] == [("placement", "NEET")]
    assert '(SEN2 item 5.5c)' in found[0].message  # the 2023 numbering


def test_an_extract_is_held_to_the_dictionary_lists_not_to_a_year():
    from builders import dataset

    ds = dataset({"person": [{"person_id": "P1", "sex": "U", "birth_date": "2012-01-01"}],
                  "request": [{"request_id": "R1", "person_id": "P1", "received_date": "2024-01-08"}],
                  "placement": [{"request_id": "R1", "sen_setting": "NEET", "placement_rank": "1",
                                 "entry_date": "2024-01-08"}]})
    assert not [i for i in check_dataset(ds, pd.Timestamp(AS_AT).date()).issues
                if i.issue_id == "SEN2-CODE-NOT-IN-YEAR"]


# -- item numbers of the return's year ---------------------------------------------------------------------------

@pytest.mark.parametrize("year,item", [(2023, "5.5e"), (2024, "5.7e"), (2026, "5.7e")])
def test_messages_name_the_item_number_of_the_return_year(tmp_path, year, item):
    person = sen2_person(upn(1), sen2_request(placements=[sen2_setting("PlacementDetail", EntryDate="31/02/2024",
                                                                       URN="100001")]))
    ds = read_sen2_xml(sen2_return(tmp_path / "r.xml", [person], year=year, reference_date=f"{year}-01-15"))
    [bad] = [i for i in ds.issues if i.issue_id == "DATE-NOT-A-DATE"]
    assert f'element "EntryDate" (SEN2 item {item}):' in bad.message


@pytest.mark.parametrize("year,item", [(2024, "2.3"), (2025, "2.4")])
def test_data_check_messages_name_the_item_number_of_the_return_year(tmp_path, year, item):
    request = sen2_request(decided="2024-01-01", received="2024-03-04")  # decided before received: DATE-ORDER
    ds = read_sen2_xml(sen2_return(tmp_path / "r.xml", [sen2_person(upn(1), request)], year=year,
                                   reference_date=f"{year}-01-15"))
    found = [i for i in check_dataset(ds, pd.Timestamp(f"{year}-01-15").date()).issues if i.issue_id == "DATE-ORDER"]
    assert found and f'column "request_outcome_date" (SEN2 item {item}):' in found[0].message


def test_the_data_dictionary_shows_the_numbers_and_codes_by_year():
    from checker.model import data_dictionary_markdown

    text = data_dictionary_markdown()
    assert "| 5.7e EntryDate (2023: 5.5e) |" in text
    assert "| 2.3 RYA (2023: 2.2) |" in text
    assert "| 5.5g AttendancePattern (2023 only) |" in text
    assert "SEN2 returns 2023-2024: SPLD" in text and "from 2025: SPLD, MLD, SLD, PMLD, SEMH, SLCN, HI, VI, MSI, PD, " \
                                                      "ASD, DS, OTH" in text


def test_the_dated_data_fits_the_data_dictionary():
    data = sen2_years.years()
    for key, history in data.codes.items():
        table, name = key.split(".")
        field = TABLES[table].field(name)
        for _, codes in history:
            assert set(codes or ()) <= set(field.codes), (key, set(codes) - set(field.codes))
    for key in data.items:
        table, name = key.split(".")
        TABLES[table].field(name)  # a KeyError names a field that does not exist
    sen2_fields = {f"{t.name}.{f.name}" for t in TABLES.values() for f in t.fields if f.sen2}
    assert sen2_fields <= set(data.items), sen2_fields - set(data.items)
    assert [sen2_years.census_date(y).year for y in range(2023, 2028)] == list(range(2023, 2028))


# -- the header ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("year,reference,expected", [
    (2024, "2024-01-18", []),
    (2024, "2025-01-16", ["Year is 2024 but ReferenceDate is 2025-01-16 (the 2024 census day is 18 January 2024)"]),
    ("24", "2024-01-18", ['Year "24" is not a year']),
    (2024, "18/01/2024", ['ReferenceDate "18/01/2024" is not a date']),
    (None, "2024-01-18", []),
])
def test_a_header_whose_year_and_reference_date_disagree_is_a_query(tmp_path, year, reference, expected):
    path = academy_return(tmp_path / "r.xml", year=year, reference=reference)
    found = [i for i in read_sen2_xml(path).issues if i.issue_id == "SEN2-HEADER-MISMATCH"]
    assert len(found) == len(expected)
    for issue, words in zip(found, expected):
        assert words in issue.message and issue.severity == "query" and issue.file == "r.xml"


def test_the_header_query_reaches_data_issues_through_the_command(tmp_path):
    path = academy_return(tmp_path / "sen2.xml", year=2024, reference="2025-01-16")
    result = cli("check", path, "--out", tmp_path / "out", "--report", "none")
    assert result.exit_code in (0, 1), result.output
    assert [i["column"] for i in issues(tmp_path / "out") if i["issue_id"] == "SEN2-HEADER-MISMATCH"] == [
        "ReferenceDate"]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["as_at"] == "2025-01-16"  # the reference date, as the message says
