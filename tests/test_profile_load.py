"""Profiles: loading, validation messages that name the wrong key, header folding and aliases, drafting."""

import datetime as dt
import textwrap

import openpyxl
import pytest
import yaml

from checker import resources
from checker.dataset import InputError
from checker.readers.extract import read_extract
from checker.readers.profile import alias_targets, draft_profile, fold, load_profile, parse_profile

GOOD = {
    "name": "la-test",
    "sheets": [{"match": "Requests*", "tables": ["person", "request", "assessment"],
                "required": ["request_id"],
                "columns": {"Child ID": "person_id", "Request Ref": "request_id", "Date Received": "received_date",
                            "20 Week Exception?": "week20"},
                "codes": {"week20": {"Yes": "1", "No": "0"}}, "ignore": ["Notes"]}],
}


def _write(tmp_path, doc, name="prof.yaml"):
    p = tmp_path / name
    p.write_text(yaml.safe_dump(doc) if not isinstance(doc, str) else doc)
    return p


def test_load_from_file_and_by_name(tmp_path, monkeypatch):
    prof = load_profile(_write(tmp_path, GOOD))
    assert prof.name == "la-test"
    spec = prof.sheets[0]
    assert spec.tables == ("person", "request", "assessment")
    assert spec.codes["week20"] == {"yes": "1", "no": "0"}
    monkeypatch.setattr(resources, "profile_files", lambda: resources.yaml_files(tmp_path))
    _write(tmp_path, GOOD, "la-test.yaml")
    assert load_profile("la-test").sheets[0].match == "Requests*"
    with pytest.raises(InputError, match="profile 'la-nope' not found; bundled profiles: .*la-test"):
        load_profile("la-nope")


@pytest.mark.parametrize("change, message", [
    (lambda d: d["sheets"][0]["columns"].update({"X": "recieved_date"}),
     r'columns\["X"\]: \'recieved_date\' is not a canonical field; did you mean \'received_date\''),
    (lambda d: d["sheets"][0].update(tables=["person", "requests"]), r"'requests'.*did you mean 'request'"),
    (lambda d: d["sheets"][0].update(colums={}), r"unknown key 'colums'; did you mean 'columns'"),
    (lambda d: d["sheets"][0]["columns"].update({"Y": "advice.provider"}), r"not in this sheet's tables"),
    (lambda d: d["sheets"][0]["columns"].update({"Z": "cease_date"}), r"belongs to named_plan"),
    (lambda d: d.update(sheets=[]), r'"sheets" must be a non-empty list'),
    (lambda d: d["sheets"][0].update(header_row=0), r'"header_row" must be a row number'),
    (lambda d: d.update(date1904="yes"), r'"date1904" must be true or false'),
    (lambda d: d["sheets"][0].update(codes={"week20": "yes"}), r'codes\["week20"\]: must map'),
])
def test_broken_profile_names_the_key(tmp_path, change, message):
    doc = yaml.safe_load(yaml.safe_dump(GOOD))
    change(doc)
    with pytest.raises(InputError, match=message):
        load_profile(_write(tmp_path, doc))


def test_invalid_yaml_gives_line(tmp_path):
    with pytest.raises(InputError, match=r"not valid YAML at line \d"):
        load_profile(_write(tmp_path, "name: x\nsheets: [\n  - {match: a\n"))


def test_header_folding_and_aliases():
    assert fold("Date request received") == fold("DATE_REQUEST_RECEIVED") == fold(" date-request  received? ")
    assert alias_targets("UPN") == ("person.upn",)
    assert alias_targets("Unique Pupil Number") == ("person.upn",)
    assert alias_targets("D.O.B.") == ("person.birth_date",)
    assert alias_targets("Date of Birth") == ("person.birth_date",)
    assert alias_targets("Request Date") == ("request.received_date",)
    assert alias_targets("EHCP Issue Date") == ("assessment.assessment_outcome_date",)
    assert alias_targets("Dob (ccyy-mm-dd)") == ("person.birth_date",)
    assert alias_targets("ReceivedDate") == ("request.received_date",)  # SEN2 element names work too
    assert alias_targets("Favourite colour") == ()


def _tracker(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Live cases"
    ws.append(["Exported from Synergy 01/03/2025"])
    ws.append(["Child ID", "Request Ref", "Request Date", "DOB", "Final Plan Issued", "20 Week Excepton",
               "Notes", "Colour"])
    ws.append(["P1", "R1", dt.datetime(2025, 1, 6), "01/02/2015", "26/05/2025", "N", "n", "blue"])
    ws.append(["P2", "R2", "07/01/2025", "02/02/2016", "", "Y", "", ""])
    hidden = wb.create_sheet("Lookups")
    hidden.sheet_state = "hidden"
    hidden.append(["Code", "Meaning"])
    wb.save(path)
    return path


def test_draft_profile_round_trip(tmp_path):
    src = _tracker(tmp_path / "tracker.xlsx")
    text = draft_profile(src)
    assert "# ?" in text  # the misspelt "20 Week Excepton" is a guess
    assert '"20 Week Excepton": assessment.week20   # ?' in text
    assert "ignore:" in text and '"Colour"' in text and "map these" in text
    doc = yaml.safe_load(text)
    assert doc["sheets"][0]["header_row"] == 2
    assert doc["sheets"][0]["columns"]["Request Date"] == "request.received_date"
    accepted = tmp_path / "tracker.yaml"
    accepted.write_text(text.replace("   # ?", ""))
    ds = read_extract([src], accepted)
    req = ds.table("request")
    assert list(req["request_id"]) == ["R1", "R2"]
    assert list(req["received_date"].dt.strftime("%Y-%m-%d")) == ["2025-01-06", "2025-01-07"]
    assert list(ds.table("assessment")["week20"]) == ["0", "1"]
    assert ds.table("person")["birth_date"].iloc[1] == dt.datetime(2016, 2, 2)
    assert not [i for i in ds.issues if i.severity == "error"]


def test_parse_profile_rejects_non_mapping():
    with pytest.raises(InputError, match="expected a mapping"):
        parse_profile(["a"], source="x.yaml")


def test_draft_profile_for_csv(tmp_path):
    p = tmp_path / "ehc.csv"
    p.write_text(textwrap.dedent("""\
        UPN,Request ID,Date Received,Caseworker
        A123,R1,01/01/2025,J Patel
        """))
    doc = yaml.safe_load(draft_profile(p))
    assert doc["sheets"][0]["match"] == "ehc.csv"
    assert doc["sheets"][0]["columns"] == {"UPN": "person.upn", "Request ID": "request_id",
                                           "Date Received": "request.received_date", "Caseworker": "request.caseworker"}
    ds = read_extract([p], parse_profile(doc))
    assert ds.table("request")["caseworker"].tolist() == ["J Patel"]
