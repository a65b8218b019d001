import datetime as dt

import pandas as pd

from checker.reports import headline, national
from checker.reports.governor import suppress
from checker.result import FINDING_COLUMNS

AS_AT = dt.date(2025, 6, 30)


def frame(rows):
    df = pd.DataFrame([{c: None for c in FINDING_COLUMNS} | r for r in rows], columns=FINDING_COLUMNS)
    for col in ("clock_start", "due_date", "stopped_date"):
        df[col] = pd.to_datetime(df[col])
    df["days_late"] = df["days_late"].astype("Int64")
    return df


def plan(status, received, issued, strength="must"):
    due = pd.Timestamp(received) + pd.Timedelta(weeks=20)
    return {"rule_id": "EHC-FINAL-20W", "status": status, "clock_start": received, "due_date": due,
            "stopped_date": issued, "days_late": (pd.Timestamp(issued) - due).days, "strength": strength,
            "family": "assessment", "person_id": "P1"}


def test_twenty_week_rates_the_dfe_way():
    findings = frame([
        plan("compliant", "2025-01-06", "2025-05-26"),  # day 140: on time
        plan("late", "2025-01-06", "2025-05-27"),  # day 141: late
        plan("excepted", "2025-01-06", "2025-05-01"),  # exception, but issued within 20 weeks
        plan("excepted", "2025-01-06", "2025-06-20"),  # exception and over 20 weeks
    ])
    h = headline.compute(findings, AS_AT)
    assert (h.timely_excl.numerator, h.timely_excl.denominator) == (1, 2)
    assert (h.timely_incl.numerator, h.timely_incl.denominator) == (2, 4)
    assert h.timely_excl.display == "50.0%"
    assert h.timely_excl.national.year == 2024 and h.timely_excl.national.value == 46.4


def test_plans_issued_outside_the_period_are_not_counted():
    findings = frame([plan("compliant", "2023-01-06", "2023-05-26"), plan("late", "2025-01-06", "2025-05-27")])
    h = headline.compute(findings, AS_AT)
    assert h.timely_excl.denominator == 1
    assert h.period_start == dt.date(2024, 7, 1)


def test_open_cases_are_not_in_timeliness_but_are_due_soon():
    findings = frame([
        {"rule_id": "EHC-FINAL-20W", "status": "due_soon", "due_date": "2025-07-10", "strength": "must"},
        {"rule_id": "REVIEW-12M", "status": "pending", "due_date": "2025-07-27", "strength": "must"},
        {"rule_id": "REVIEW-12M", "status": "pending", "due_date": "2025-08-20", "strength": "must"},
        {"rule_id": "REVIEW-12M", "status": "overdue", "due_date": "2025-01-20", "days_late": 161, "strength": "must"},
    ])
    h = headline.compute(findings, AS_AT)
    assert h.timely_excl.denominator == 0 and h.timely_excl.display == "no cases"
    assert h.due_soon.value == 2
    assert h.reviews_overdue.value == 1 and h.reviews_overdue.out_of == 3


def test_guidance_departures_are_never_added_to_breaches():
    findings = frame([plan("late", "2025-01-06", "2025-05-27"), plan("late", "2025-01-06", "2025-05-27", "should")])
    h = headline.compute(findings, AS_AT)
    assert (h.breaches, h.departures) == (1, 1)


def test_latest_national_figure_skips_unverified_years():
    assert national.latest(national.TIMELY_EXCL).year == 2024
    assert national.latest(national.TIMELY_EXCL, up_to_year=2021).value == 59.9
    assert national.for_year(national.TIMELY_EXCL, 2025) is None


def test_small_counts_are_suppressed_but_zero_is_shown():
    assert suppress(0, 5) == "0"
    assert suppress(1, 5) == "fewer than 5"
    assert suppress(4, 5) == "fewer than 5"
    assert suppress(5, 5) == "5"
    assert suppress(1200, 5) == "1,200"
