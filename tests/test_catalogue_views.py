"""The derived facts the catalogue rules read, built from small hand-made Datasets through build_views."""

import pandas as pd
import pytest

from checker.dataset import Dataset
from checker.engine import derive
from checker.engine.evaluate import evaluate
from checker.engine.rules import load_rules
from checker.engine.views import build_views
from checker.model import DATE, TABLES


def ts(value):
    return pd.Timestamp(value)


def dataset(**tables) -> Dataset:
    ds = Dataset()
    for name, rows in tables.items():
        frame = pd.DataFrame(rows)
        for col in frame.columns:
            if TABLES[name].field(col).kind == DATE:
                frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
        ds.add(name, frame)
    return ds


def plan_case(birth, nc_year=None, **active):
    return dataset(
        person=[{"person_id": "P1", "birth_date": birth, "nc_year": nc_year, "correspondence_with": "parent"}],
        request=[{"request_id": "R1", "person_id": "P1", "received_date": "2020-01-06"}],
        named_plan=[{"request_id": "R1", "start_date": "2020-05-01"}],
        active_plan=[{"request_id": "R1", **active}],
    )


def test_year_group_from_date_of_birth():
    births = pd.Series(pd.to_datetime(["2014-09-01", "2015-08-31", "2020-09-01", "2021-08-31"]))
    # as at October 2025: born Sep 2014 - Aug 2015 are in Year 6; born Sep 2020 - Aug 2021 in Reception
    assert derive.nc_year_from_birth(births, ts("2025-10-01")).tolist() == [6, 6, 0, 0]
    # in July the same children are still in the previous school year
    assert derive.nc_year_from_birth(births, ts("2025-07-31")).tolist() == [5, 5, -1, -1]


def test_year_6_transfers_next_september_with_15_february_deadline():
    views = build_views(plan_case("2015-03-10"), ts("2025-10-01"))
    plan = views["plan"].iloc[0]
    assert plan["nc_year_now"] == 6
    assert plan["transfer_kind"] == "primary_to_secondary"
    assert plan["transfer_year"] == 2026
    assert plan["transfer_date"] == ts("2026-09-01")


def test_recorded_year_group_wins_over_date_of_birth():
    # born in Year 6's cohort but recorded in Year 11 (taught out of year group)
    plan = build_views(plan_case("2015-03-10", nc_year=11), ts("2025-10-01"))["plan"].iloc[0]
    assert plan["transfer_kind"] == "secondary_to_post16"
    assert plan["transfer_year"] == 2026


def test_no_transfer_outside_the_last_year_of_a_phase():
    plan = build_views(plan_case("2017-03-10"), ts("2025-10-01"))["plan"].iloc[0]  # Year 4
    assert pd.isna(plan["transfer_kind"]) and pd.isna(plan["transfer_year"])


def test_infant_to_junior_only_at_an_infant_school():
    ds = plan_case("2019-01-10")  # Year 2 in 2025/26
    ds.add("placement", pd.DataFrame([{"request_id": "R1", "urn": "100001", "placement_rank": "1",
                                       "entry_date": ts("2023-09-01")}]))
    assert pd.isna(build_views(ds, ts("2025-10-01"))["plan"].iloc[0]["transfer_kind"])
    ds.add("school", pd.DataFrame([{"urn": "100001", "school_name": "Hillside Infant School", "phase": "primary"}]))
    assert build_views(ds, ts("2025-10-01"))["plan"].iloc[0]["transfer_kind"] == "infant_to_junior"


def test_final_plan_for_an_earlier_transfer_does_not_count():
    ds = plan_case("2015-03-10", phase_transfer_final_date="2022-02-10")
    plan = build_views(ds, ts("2025-10-01"))["plan"].iloc[0]
    assert pd.isna(plan["phase_transfer_final_date"])
    assert plan["phase_transfer_final_date_earlier"] == ts("2022-02-10")


def test_end_of_compulsory_school_age_is_last_friday_of_june():
    births = pd.Series(pd.to_datetime(["2008-10-15", "2009-08-31", "2008-09-01"]))
    out = derive.end_of_compulsory_school_age(births)
    # born Oct 2008 and Aug 2009: same cohort, turn 16 in 2024/25 -> Friday 27 June 2025
    assert out.tolist() == [ts("2025-06-27"), ts("2025-06-27"), ts("2025-06-27")]
    assert derive.end_of_compulsory_school_age(pd.Series(pd.to_datetime(["2010-06-01"]))).iloc[0] == ts("2026-06-26")


def test_end_of_plan_at_25_is_end_of_that_school_year():
    births = pd.Series(pd.to_datetime(["2000-10-01", "2000-08-31", "2000-02-29"]))
    assert derive.end_of_plan_at_25(births).tolist() == [ts("2026-08-31"), ts("2025-08-31"), ts("2025-08-31")]


def test_commissioner_kind_switches_on_1_july_2022():
    dates = pd.Series(pd.to_datetime(["2022-06-30", "2022-07-01", None]))
    kind = derive.commissioner_kind(dates)
    assert kind.iloc[:2].tolist() == ["CCG", "ICB"] and pd.isna(kind.iloc[2])


def test_current_placement_and_gap():
    ds = dataset(
        person=[{"person_id": f"P{i}"} for i in range(1, 5)],
        request=[{"request_id": f"R{i}", "person_id": f"P{i}"} for i in range(1, 5)],
        named_plan=[{"request_id": f"R{i}", "start_date": "2024-01-10"} for i in range(1, 5)],
        placement=[
            {"request_id": "R1", "urn": "100001", "placement_rank": "1", "entry_date": "2024-01-10"},
            {"request_id": "R2", "urn": "100001", "placement_rank": "1", "entry_date": "2024-01-10",
             "leaving_date": "2025-02-14"},
            {"request_id": "R3", "sen_setting": "NEET", "placement_rank": "1", "entry_date": "2025-03-01"},
        ],
    )
    plan = build_views(ds, ts("2025-06-30"))["plan"].set_index("request_id")
    assert plan.loc["R1", "provision_gap"] == "0" and plan.loc["R1", "current_urn"] == "100001"
    assert plan.loc["R2", "provision_gap"] == "1" and plan.loc["R2", "provision_gap_since"] == ts("2025-02-14")
    assert plan.loc["R3", "provision_gap"] == "1" and plan.loc["R3", "provision_gap_since"] == ts("2025-03-01")
    assert plan.loc["R4", "provision_gap"] == "1" and plan.loc["R4", "provision_gap_since"] == ts("2024-01-10")


def test_no_placement_rows_means_no_gap_reported():
    plan = build_views(plan_case("2015-03-10"), ts("2025-10-01"))["plan"].iloc[0]
    assert plan["provision_gap"] is None


def test_transfer_out_due_counts_working_days_over_easter():
    due = derive.transfer_out_due(pd.Series([ts("2025-04-14"), ts("2025-06-30")]),
                                  pd.Series([ts("2025-04-10"), ts("2025-03-03")]))
    assert due.tolist() == [ts("2025-05-02"), ts("2025-06-30")]


def test_transfer_review_due_is_the_later_date():
    due = derive.transfer_review_due(pd.Series([ts("2024-11-20"), ts("2024-06-01")]),
                                     pd.Series([ts("2025-03-03"), ts("2025-03-03")]))
    assert due.tolist() == [ts("2025-11-19"), ts("2025-06-02")]


@pytest.mark.parametrize("as_at,award,course_start,awarded,counts", [
    ("2025-06-30", "NPQSENCO", "2024-09-02", "2025-07-01", True),
    ("2025-06-30", "NASENCO", "2024-01-10", "2025-03-01", True),
    ("2025-06-30", "NASENCO", "2024-09-01", "2025-03-01", False),   # NASENCO begun after the NPQ change
    ("2028-06-30", "NASENCO", "2024-01-10", "2027-09-01", False),   # completed too late for the transition
    ("2024-06-30", "NASENCO", "2023-09-01", "2024-03-01", True),    # law before 1 Sept 2024
])
def test_senco_award_counts_under_the_law_of_the_run_date(as_at, award, course_start, awarded, counts):
    ds = dataset(school=[{"urn": "100001", "senco_name": "A. Teacher", "senco_appointed_date": "2022-01-10",
                          "senco_award": award, "senco_award_course_start": course_start,
                          "senco_award_date": awarded}])
    school = build_views(ds, ts(as_at))["school"].iloc[0]
    assert school["senco_award_due"] == ts("2025-01-10")
    assert school["senco_appointed_before_2009"] == "0"
    assert pd.notna(school["senco_award_date"]) == counts
    assert school["senco_award_date_recorded"] == ts(awarded)


def test_la_subject_from_sen2_header():
    ds = Dataset(header={"LEA": "999", "DMO": "N", "DCO": "N"})
    la = build_views(ds, ts("2026-01-15"))["la"]
    assert la["record_id"].tolist() == ["999"] and la["dmo"].iloc[0] == "N"
    assert build_views(Dataset(), ts("2026-01-15"))["la"].empty


def test_catalogue_rules_run_end_to_end_on_both_engines():
    ds = plan_case("2015-03-10")
    ds.add("placement", pd.DataFrame([{"request_id": "R1", "urn": "100001", "placement_rank": "1",
                                       "entry_date": ts("2021-09-01"), "leaving_date": ts("2025-07-18")}]))
    ds.header.update({"LEA": "999", "DMO": "N", "DCO": "N"})
    rules = [r for r in load_rules() if r.id in ("PHASE-TRANSFER-15FEB", "PROVISION-S42", "HEALTH-DMO-DCO")]
    out = {}
    for engine in ("vectorised", "durable"):
        found = evaluate(ds, rules, ts("2026-03-01"), engine=engine)
        out[engine] = dict(zip(found["rule_id"], found["status"]))
    assert out["vectorised"] == out["durable"] == {
        "PHASE-TRANSFER-15FEB": "overdue", "PROVISION-S42": "overdue", "HEALTH-DMO-DCO": "overdue"}
