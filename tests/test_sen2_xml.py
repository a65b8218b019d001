"""The SEN2 XML reader: one small return per collection year, spelling variants, and hostile or broken files."""

from pathlib import Path

import pandas as pd
import pytest

from checker.dataset import ERROR, QUERY, InputError
from checker.readers.sen2_xml import read_sen2_xml

DATA = Path(__file__).parent / "data" / "sen2"


def read(name):
    return read_sen2_xml(DATA / name)


def ids(ds, issue_id):
    return [i for i in ds.issues if i.issue_id == issue_id]


def test_2023_header_and_person_ids():
    ds = read("sen2-2023.xml")
    assert ds.header["Year"] == "2023"
    assert ds.header["LEA"] == "999"
    assert ds.header["DMO"] == "Y" and "DSCO" not in ds.header
    person = ds.table("person")
    # person_id: UPN, else ULN, else P<line>
    assert list(person["person_id"]) == ["A123456789012", "1234567890", "P85"]
    assert list(person["_row"]) == [21, 74, 85]
    assert set(person["_file"]) == {"sen2-2023.xml"}
    assert set(person["_sheet"]) == {""}


def test_2023_gender_current_becomes_sex():
    person = read("sen2-2023.xml").table("person")
    assert list(person["sex"]) == ["F", "M", "U"]


def test_2023_request_ids_from_upn_or_uln_and_received_date():
    request = read("sen2-2023.xml").table("request")
    assert list(request["request_id"]) == ["A123456789012:2022-02-01", "1234567890:2022-10-03", "P85:noreceived"]
    assert list(request["person_id"]) == ["A123456789012", "1234567890", "P85"]
    assert request["received_date"].iloc[0] == pd.Timestamp("2022-02-01")
    assert pd.isna(request["received_date"].iloc[2])
    assert request["rya"].iloc[0] == "0"
    assert request["_row"].iloc[0] == 29


def test_2023_res_and_wbp_move_from_active_plan_to_placements():
    ds = read("sen2-2023.xml")
    placement = ds.table("placement")
    assert len(placement) == 1
    row = placement.iloc[0]
    assert (row["res"], row["wbp"], row["attendance_pattern"]) == ("A", "S", "FT")
    assert row["request_id"] == "A123456789012:2022-02-01"
    assert row["entry_date"] == pd.Timestamp("2022-09-01")
    assert row["urn"] == "100001" and row["placement_rank"] == "1" and row["sen_unit"] == "0"
    assert not ids(ds, "SEN2-ELEMENT-NOT-IN-YEAR")


def test_2023_last_review_makes_a_review_row():
    ds = read("sen2-2023.xml")
    review = ds.table("review")
    assert len(review) == 1
    assert review["decision_date"].iloc[0] == pd.Timestamp("2022-12-01")
    assert pd.isna(review["meeting_date"].iloc[0])
    assert ds.table("active_plan")["last_review"].iloc[0] == pd.Timestamp("2022-12-01")


def test_2023_modules_chain_to_the_request():
    ds = read("sen2-2023.xml")
    rid = "A123456789012:2022-02-01"
    assert list(ds.table("assessment")["request_id"]) == [rid]
    assert ds.table("assessment")["assessment_outcome_date"].iloc[0] == pd.Timestamp("2022-06-15")
    assert list(ds.table("named_plan")["request_id"]) == [rid]
    assert list(ds.table("plan_detail")["urn"]) == ["100001"]
    assert list(ds.table("sen_need")["sen_type"]) == ["ASD"]


def test_2024_spelling_variants_and_placements_with_res():
    ds = read("sen2-2024.xml")
    assert ds.table("named_plan")["plan_wbp"].iloc[0] == "A"  # <PlanWPB>
    detail = ds.table("plan_detail").iloc[0]
    assert (detail["sen_setting"], detail["sen_setting_other"]) == ("OTH", "Hospital school")  # <SENSetting>
    placement = ds.table("placement")
    assert list(placement["sen_setting"].fillna("")) == ["", "NEET"]
    assert list(placement["res"].fillna("")) == ["B", ""]
    assert list(placement["wbp"].fillna("")) == ["T", ""]  # <WPB>
    assert list(ds.table("sen_need")["sen_type_rank"]) == ["1", "2"]


def test_2024_review_meeting_and_outcome():
    review = read("sen2-2024.xml").table("review").iloc[0]
    assert review["meeting_date"] == pd.Timestamp("2023-11-20")
    assert review["decision_date"] == pd.Timestamp("2023-12-12")
    assert review["outcome"] == "A"


def test_duplicate_request_ids_are_suffixed_with_a_query():
    ds = read("sen2-2024.xml")
    request = ds.table("request")
    assert list(request["request_id"]) == ["A123456789012:2022-02-01", "B123456789012:2023-03-01",
                                           "B123456789012:2023-03-01#2"]
    dup = ids(ds, "SEN2-DUPLICATE-ID")
    assert len(dup) == 1 and dup[0].severity == QUERY and dup[0].row == 81
    assert "line 71" in dup[0].message


def test_2025_new_items_and_dsco():
    ds = read("sen2-2025.xml")
    assert ds.header["DSCO"] == "N"
    request = ds.table("request")
    assert request["request_source"].iloc[0] == "2"
    active = ds.table("active_plan").iloc[0]
    assert active["transfer_la"] == "888"
    assert active["review_draft"] == pd.Timestamp("2024-11-25")
    assert active["phase_transfer_due_date"] == pd.Timestamp("2025-02-15")
    assert pd.isna(active["phase_transfer_final_date"])
    review = ds.table("review").iloc[0]
    assert review["amendment_notice_date"] == pd.Timestamp("2024-11-25")
    assert ds.table("named_plan")["dp"].iloc[0] == "E"
    assert ds.table("plan_detail")["ukprn"].iloc[0] == "10001234"


def test_2025_bad_date_is_an_error_naming_the_element_and_line():
    ds = read("sen2-2025.xml")
    bad = ids(ds, "DATE-NOT-A-DATE")
    assert {(i.column, i.row, i.value) for i in bad} == {("ReceivedDate", 72, "31/02/2024"),
                                                         ("RequestOutcomeDate", 73, "not yet")}
    first = next(i for i in bad if i.column == "ReceivedDate")
    assert first.severity == ERROR and first.file == "sen2-2025.xml" and first.table == "request"
    assert first.message == ('sen2-2025.xml, line 72, element "ReceivedDate" (SEN2 item 2.1): '
                             '"31/02/2024" is not a date.')
    request = ds.table("request").set_index("request_id")
    # the field is left empty; the request is kept (its id keeps the text so it stays distinct)
    assert pd.isna(request.loc["D123456789012:31/02/2024", "received_date"])
    assert pd.isna(request.loc["D123456789012:31/02/2024", "request_outcome_date"])


def test_2025_bad_flag_is_an_error():
    ds = read("sen2-2025.xml")
    bad = ids(ds, "FLAG-NOT-A-FLAG")
    assert [(i.column, i.row, i.value) for i in bad] == [("RYA", 75, "maybe")]


def test_unknown_elements_reported_once_per_name():
    ds = read("sen2-2025.xml")
    unknown = ids(ds, "SEN2-UNKNOWN-ELEMENT")
    assert sorted(i.column for i in unknown) == ["Comment", "FavouriteColour"]  # Comment occurs twice
    assert all(i.severity == QUERY for i in unknown)


def test_element_from_another_year_is_read_and_queried():
    ds = read("sen2-2025.xml")
    notes = ids(ds, "SEN2-ELEMENT-NOT-IN-YEAR")
    assert [i.column for i in notes] == ["AttendancePattern"]
    assert ds.table("placement")["attendance_pattern"].iloc[0] == "PT"


def test_2026_phase_transfer_and_last_review_at_end():
    ds = read("sen2-2026.xml")
    assert ds.header["DSCO"] == "Y"
    active = ds.table("active_plan").iloc[0]
    assert active["phase_transfer_final_date"] == pd.Timestamp("2025-03-28")
    assert active["last_review"] == pd.Timestamp("2025-10-20")
    assert active["review_outcome"] == "M"
    plan = ds.table("named_plan").iloc[0]
    assert (plan["cease_date"], plan["cease_reason"]) == (pd.Timestamp("2025-07-31"), "3")
    assert ds.table("placement")["sen_unit"].iloc[0] == "1"
    assert not ds.issues
    # a request with no ActivePlans gets no active plan or review row
    assert len(ds.table("active_plan")) == 1 and len(ds.table("review")) == 1


def test_case_and_namespace_variants():
    ds = read("variants.xml")
    assert ds.header["Year"] == "2024" and ds.header["LEA"] == "999"
    assert list(ds.table("person")["person_id"]) == ["G123456789012", "H123456789012"]  # <PERSON>, <PerSon>
    assert ds.table("plan_detail")["sen_setting"].iloc[0] == "OLA"
    assert ds.table("named_plan")["plan_wbp"].iloc[0] == "T"
    placement = ds.table("placement").iloc[0]
    assert (placement["sen_setting"], placement["wbp"]) == ("EHE", "A")
    assert not ds.issues


@pytest.mark.parametrize("name", ["xxe.xml", "billion-laughs.xml"])
def test_entity_tricks_are_refused(name):
    with pytest.raises(InputError, match="refused for safety") as exc:
        read(name)
    assert name in str(exc.value)


def test_truncated_file_names_the_line():
    with pytest.raises(InputError, match=r"truncated\.xml, line \d+: the XML is malformed or cut short"):
        read("truncated.xml")


def test_not_sen2_files_say_what_was_expected():
    with pytest.raises(InputError, match="no <Persons>"):
        read("not-sen2.xml")
    with pytest.raises(InputError, match="top element is <rss>, expected <Message>"):
        read("other-xml.xml")


def test_empty_and_missing_files(tmp_path):
    empty = tmp_path / "empty.xml"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        read_sen2_xml(empty)
    with pytest.raises(InputError, match="cannot be read"):
        read_sen2_xml(tmp_path / "absent.xml")


def test_empty_return_gives_empty_tables(tmp_path):
    f = tmp_path / "none.xml"
    f.write_text("<Message><Header><CollectionDetails><Year>2025</Year></CollectionDetails></Header>"
                 "<Persons/></Message>")
    ds = read_sen2_xml(f)
    assert ds.header["Year"] == "2025"
    assert len(ds.table("person")) == 0 and len(ds.table("request")) == 0
    assert list(ds.table("request").columns)[:2] == ["request_id", "person_id"]


def test_res_on_active_plan_without_placement_is_queried(tmp_path):
    f = tmp_path / "x.xml"
    f.write_text("<Message><Header><CollectionDetails><Year>2023</Year></CollectionDetails></Header><Persons>\n"
                 "<Person><UPN>A1</UPN><Requests><ReceivedDate>2022-01-01</ReceivedDate>\n"
                 "<ActivePlans><Res>B</Res></ActivePlans></Requests></Person></Persons></Message>")
    ds = read_sen2_xml(f)
    [issue] = ids(ds, "SEN2-NO-PLACEMENT-FOR-ITEM")
    assert issue.row == 3 and issue.value == "B"
    assert len(ds.table("placement")) == 0


def test_many_persons_stream(tmp_path):
    person = ("<Person><UPN>A{0:012d}</UPN><Requests><ReceivedDate>2024-01-02</ReceivedDate>"
              "<ActivePlans><ReviewMeeting>2024-06-01</ReviewMeeting><PlacementDetail><URN>100001</URN>"
              "<PlacementRank>1</PlacementRank></PlacementDetail></ActivePlans></Requests></Person>\n")
    f = tmp_path / "many.xml"
    f.write_text("<Message><Header/><Persons>\n" + "".join(person.format(i) for i in range(3000)) +
                 "</Persons></Message>")
    ds = read_sen2_xml(f)
    assert ds.row_counts()["person"] == 3000 and ds.row_counts()["review"] == 3000
    assert ds.table("placement")["request_id"].iloc[-1] == "A000000002999:2024-01-02"
    assert ds.table("person")["_row"].iloc[-1] == 3001
