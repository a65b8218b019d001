"""The same bad cell gets the same issue id, message and consequence whichever reader met it.

One council's three requests, written as a caseload extract (CSV through a profile), as a SEN2 XML return and
as a COLLECT Blade CSV export: a date that is not a date, a yes/no that is neither, a code outside its list, a
code in the wrong case and (extract and Blade) a whole number that is not one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from checker.dataset import ERROR
from checker.model import TABLES
from checker.quality import check_dataset
from checker.readers.convert import where
from checker.readers.extract import read_extract
from checker.readers.profile import load_profile, parse_profile
from checker.readers.sen2_canonical import canonical_frame
from checker.readers.sen2_flat import read_sen2_blade
from checker.readers.sen2_xml import read_sen2_xml

AS_AT = dt.date(2025, 10, 1)
UPN = "A123456789012"
# (received, outcome date, RYA, outcome): request 1 has a bad date, 2 a bad flag, 3 a bad code; 1 is lower case.
REQUESTS = [("2024-01-08", "not yet", "0", "y"), ("2024-03-04", "2024-04-10", "maybe", "Y"),
            ("2024-06-03", "2024-07-15", "1", "Q")]
BAD = {"DATE-NOT-A-DATE": ("RequestOutcomeDate", "not yet", "is not a date."),
       "FLAG-NOT-A-FLAG": ("RYA", "maybe", "is not a yes/no value (expected 1/0, Y/N, yes/no or true/false).")}
# The 2025 return names each item by its number in the 2025 guide; the extract and the header-less Blade files
# have no collection year, so no number.
ITEMS_2025 = {"RequestOutcomeDate": "2.4", "RYA": "2.3"}


def extract(tmp_path):
    profile = parse_profile({"name": "parity", "sheets": [{
        "match": "*.csv", "tables": ["person", "request"], "required": ["request_id"],
        "columns": {"UPN": "upn", "Child ID": "person_id", "Request Ref": "request_id", "ReceivedDate": "received_date",
                    "RequestOutcomeDate": "request_outcome_date", "RYA": "rya", "RequestOutcome": "request_outcome",
                    "NC Year": "nc_year"}}]})
    lines = ["Child ID,UPN,Request Ref,ReceivedDate,RequestOutcomeDate,RYA,RequestOutcome,NC Year"]
    for n, (received, decided, rya, outcome) in enumerate(REQUESTS, start=1):
        lines.append(f"C1,{UPN},R{n},{received},{decided},{rya},{outcome},{'Year 7' if n == 1 else ''}")
    path = tmp_path / "tracker.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return read_extract([path], profile)


def xml(tmp_path):
    requests = "".join(f"""
      <Requests>
        <ReceivedDate>{received}</ReceivedDate>
        <RYA>{rya}</RYA>
        <RequestOutcomeDate>{decided}</RequestOutcomeDate>
        <RequestOutcome>{outcome}</RequestOutcome>
      </Requests>""" for received, decided, rya, outcome in REQUESTS)
    path = tmp_path / "return.xml"
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<Message>
  <Header><CollectionDetails><Collection>SEN2</Collection><Year>2025</Year></CollectionDetails></Header>
  <Persons>
    <Person>
      <PersonBirthDate>2014-07-07</PersonBirthDate>
      <UPN>{UPN}</UPN>{requests}
    </Person>
  </Persons>
</Message>
""", encoding="utf-8")
    return read_sen2_xml(path)


def blade(tmp_path, profile="sen2-blade"):
    person = tmp_path / "Blade-Export_01-10-2025_person.csv"
    person.write_text(f"persontableid,upn,personbirthdate,ncyear\n1,{UPN},2014-07-07,Year 7\n", encoding="utf-8")
    requests = tmp_path / "Blade-Export_01-10-2025_requests.csv"
    rows = [f"{n},1,{received},{decided},{rya},{outcome}"
            for n, (received, decided, rya, outcome) in enumerate(REQUESTS, start=1)]
    requests.write_text("requeststableid,persontableid,receiveddate,requestoutcomedate,rya,requestoutcome\n"
                        + "\n".join(rows) + "\n", encoding="utf-8")
    return read_sen2_blade([person, requests], profile)


def blade_with_nc_year(tmp_path):
    """The Blade profile with a whole-number column added (SEN2 itself has none), as an LA's variant might."""
    prof = load_profile("sen2-blade")
    sheets = tuple(dataclasses.replace(s, columns={**s.columns, "ncyear": "nc_year"}) if s.tables == ("person",)
                   else s for s in prof.sheets)
    return blade(tmp_path, dataclasses.replace(prof, sheets=sheets))


READERS = {"extract": extract, "xml": xml, "blade": blade_with_nc_year}


def _one(ds, issue_id):
    found = [i for i in ds.issues if i.issue_id == issue_id]
    assert len(found) == 1, [i.message for i in ds.issues]
    return found[0]


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("issue_id", BAD)
def test_same_bad_cell_same_id_and_message(tmp_path, reader, issue_id):
    ds = READERS[reader](tmp_path)
    element, value, what = BAD[issue_id]
    issue = _one(ds, issue_id)
    assert (issue.severity, issue.table, issue.value) == (ERROR, "request", value)
    assert issue.column.lower() == element.lower()  # the header or element as the source spells it
    assert issue.row is not None
    item = ITEMS_2025[element] if reader == "xml" else ""
    assert issue.message == f'{where(issue.file, issue.sheet, issue.row, issue.column, item)}: "{value}" {what}'
    words = ("line", "element") if reader == "xml" else ("row", "column")
    assert f"{words[0]} {issue.row}, {words[1]} \"{issue.column}\"" in issue.message


@pytest.mark.parametrize("reader", READERS)
def test_bad_cells_reject_their_request_and_nothing_else_whatever_the_reader(tmp_path, reader):
    ds = READERS[reader](tmp_path)
    result = check_dataset(ds, AS_AT)
    requests = ds.table("request")
    reasons = dict(zip(requests["received_date"].dt.strftime("%Y-%m-%d"), result.reasons["request"]))
    assert reasons == {"2024-01-08": "DATE-NOT-A-DATE", "2024-03-04": "FLAG-NOT-A-FLAG", "2024-06-03": "CODE-INVALID"}
    # the reader's issue stands: no second issue says the unreadable date is blank
    assert "REQUEST-OUTCOME-DATE-MISSING" not in {i.issue_id for i in result.issues}


@pytest.mark.parametrize("reader", READERS)
def test_code_case_is_folded_and_a_code_outside_the_list_is_one_data_check(tmp_path, reader):
    ds = READERS[reader](tmp_path)
    assert ds.table("request")["request_outcome"].tolist() == ["Y", "Y", "Q"]
    (bad,) = [i for i in check_dataset(ds, AS_AT).issues if i.issue_id == "CODE-INVALID"]
    assert bad.value == "Q" and bad.severity == ERROR
    assert bad.message.endswith(': "Q" is not a valid request_outcome code; expected one of Y, N, A, W, H.')


@pytest.mark.parametrize("reader", ["extract", "blade"])
def test_bad_whole_number_is_an_issue_not_a_silent_blank(tmp_path, reader):
    ds = READERS[reader](tmp_path)
    issue = _one(ds, "INT-NOT-A-NUMBER")
    assert (issue.severity, issue.table, issue.value) == (ERROR, "person", "Year 7")
    assert issue.message.endswith(': "Year 7" is not a whole number.')
    assert ds.table("person")["nc_year"].isna().all()


def test_sen2_xml_whole_number_goes_through_the_same_converter():
    """No SEN2 XML element is a whole number today; if one is mapped, a bad value is reported on its own line."""
    raw = pd.DataFrame({"person_id": ["P1", "P2"], "nc_year": ["7", "seven"], "_row": [10, 20],
                        "_l:nc_year": [12, 23]})
    frame, issues = canonical_frame("person", raw, file="return.xml", columns={"nc_year": "NCyear"},
                                    lines={"nc_year": raw["_l:nc_year"]}, record_ids=raw["person_id"])
    assert frame["nc_year"].tolist()[0] == 7 and pd.isna(frame["nc_year"].iloc[1])
    (issue,) = issues
    assert (issue.issue_id, issue.row, issue.record_row, issue.record_id) == ("INT-NOT-A-NUMBER", 23, 20, "P2")
    assert issue.message == 'return.xml, line 23, element "NCyear": "seven" is not a whole number.'


def test_whole_numbers_that_no_float_can_hold_are_issues_not_crashes(tmp_path):
    from checker.readers.convert import Cells, convert

    values = pd.Series(["3", "4.0", "4.5", "inf", "1e30", "", None], dtype=object)
    issues = []
    cells = Cells("t.csv", "", "NC Year", "person", rows=pd.Series(range(2, 9)))
    out = convert(values, TABLES["person"].field("nc_year"), cells, issues)
    assert out.tolist()[:2] == [3, 4] and out.iloc[2:].isna().all()
    assert [i.value for i in issues] == ["4.5", "inf", "1e30"]
