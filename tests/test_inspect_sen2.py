"""`sendcheck inspect` on a SEN2 return shows what `check` will use (year, reference date, records per module, the
items found and those that are not SEN2 items) and refuses what `check` refuses, with the same message."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from builders import cli, sen2_need, sen2_person, sen2_request, sen2_return, sen2_setting

from checker.quality import upn_check_letter


def upn(n: int) -> str:
    body = f"80120000{n:04d}"
    return upn_check_letter(pd.Series([body])).iloc[0] + body


def a_return(path, year=2024, reference="2024-01-18"):
    request = sen2_request(plan_details=[sen2_setting("PlanDetail", URN="100001", UKPRN="10012345")],
                           placements=[sen2_setting("PlacementDetail", EntryDate="2023-09-04", URN="100001")],
                           needs=[sen2_need("ASD"), sen2_need("SLCN", "2")],
                           active="\t\t\t\t\t<LocalPanelDate>2023-12-01</LocalPanelDate>\n")
    people = [sen2_person(upn(1), request, extra="\t\t\t<CaseworkerCode>K7</CaseworkerCode>\n"),
              sen2_person(upn(2))]
    return sen2_return(path, people, year=year, reference_date=reference)


def test_inspect_shows_year_reference_date_counts_and_elements(tmp_path):
    result = cli("inspect", a_return(tmp_path / "sen2_2024.xml"))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "sen2_2024.xml: SEN2 XML return (xml)" in out
    assert "collection: SEN2, year 2024, reference date 2024-01-18, LA 999" in out
    assert "check judges this return as at 2024-01-18 unless --as-at is given" in out
    counts = dict(line.split()[1:3] for line in out.splitlines() if line.startswith("  ") and line.split()[0] in
                  "12345" and len(line.split()) == 3)
    assert counts == {"Person": "2", "Requests": "1", "Assessment": "1", "NamedPlan": "1", "PlanDetail": "1",
                      "ActivePlans": "1", "PlacementDetail": "1", "SENneed": "2"}
    assert "  PlanDetail: URN, UKPRN, PlacementRank, SENunitIndicator, ResourcedProvisionIndicator" in out
    assert "  Header: Collection, Year, ReferenceDate, SourceLevel, LEA" in out
    assert ("not SEN2 items (ignored): <CaseworkerCode> inside <Person> (line" in out
            and "<LocalPanelDate> inside <ActivePlans>" in out)


def test_inspect_shows_a_header_mismatch_and_the_census_day(tmp_path):
    out = cli("inspect", a_return(tmp_path / "r.xml", reference="2025-01-16")).output
    assert "note: the 2024 census day is 2024-01-18; this return's reference date differs from it" in out
    assert "SEN2-HEADER-MISMATCH (1): r.xml, header: Year is 2024 but ReferenceDate is 2025-01-16" in out


XSD = """<?xml version="1.0" encoding="UTF-8" ?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="Message" type="messagetype"/>
</xs:schema>
"""


@pytest.mark.parametrize("name,text", [
    ("SEN2_schema_2025.xsd", XSD),
    ("cin.xml", "<Message><Header><CollectionDetails><Collection>CIN</Collection></CollectionDetails></Header>"
                "<Children/></Message>"),
    ("cut.xml", "<Message><Header><CollectionDetails><Collection>SEN2"),
    ("xxe.xml", '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><Message>&x;</Message>'),
])
def test_inspect_refuses_what_check_refuses_with_the_same_message(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    checked = cli("check", path, "--as-at", "2025-01-16", "--out", tmp_path / "out")
    inspected = cli("inspect", path)
    assert checked.exit_code == inspected.exit_code == 2
    message = [line for line in checked.output.splitlines() if line.startswith("sendcheck:")]
    assert message and message == [line for line in inspected.output.splitlines() if line.startswith("sendcheck:")]


def test_inspect_a_blade_export_folder_as_one_return(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    files = {
        "sen2": "sen2tableid,collection,year,referencedate,lea\n1,SEN2,2023,2023-Jan-19 00:00:00,999\n",
        "person": f"persontableid,upn,personbirthdate,gendercurrent,favouritecolour\n1,{upn(1)},2012-05-01,2,blue\n"
                  f"2,{upn(2)},2013-05-01,1,red\n",
        "requests": "requeststableid,persontableid,receiveddate,requestoutcome,requestoutcomedate\n"
                    "1,1,2022-03-01,Y,2022-04-04\n",
    }
    for module, text in files.items():
        (folder / f"Blade-Export_19-01-2023_{module}.csv").write_text(text, encoding="utf-8")
    out = cli("inspect", folder).output
    assert "Blade-Export_19-01-2023_*.csv (3 files): SEN2 Blade CSV export (csv)" in out
    assert "collection: SEN2, year 2023, reference date 2023-01-19, LA 999" in out
    assert "  1 Person" in out and "  Person: persontableid, upn, personbirthdate, gendercurrent" in out
    assert 'not SEN2 items (ignored): column "favouritecolour" of Blade-Export_19-01-2023_person.csv' in out


def test_inspect_a_pre_submission_workbook_says_it_has_no_header(tmp_path):
    book = openpyxl.Workbook()
    sheets = {"Person": [["persontableid", "upn", "personbirthdate", "sex"], ["1", upn(1), "2012-05-01", "F"]],
              "Requests": [["requeststableid", "persontableid", "receiveddate", "requestoutcome"],
                           ["1", "1", "2024-03-04", "A"]],
              "Assessments": [["requeststableid", "assessmentoutcome"], ["1", "A"]],
              "Named Plan": [["requeststableid", "startdate"]]}
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / "presubmission.xlsx"
    book.save(path)
    out = cli("inspect", path).output
    assert "presubmission.xlsx: SEN2 pre-submission workbook (xlsx)" in out
    assert "this form carries no header (no Year or ReferenceDate)" in out and "check needs --as-at" in out
    assert "  2 Requests" in out
    refused = cli("check", path, "--out", tmp_path / "out")
    assert refused.exit_code == 2 and "--as-at is required" in refused.output
