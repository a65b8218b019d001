"""The statutory calendar: weeks, days beginning with, working days, months with the 29 February clamp."""

import pandas as pd
import pytest

from checker import calendar


def dates(*values):
    return pd.Series(pd.to_datetime(list(values))).astype("datetime64[ns]")


def one(series):
    value = series.iloc[0]
    return None if pd.isna(value) else value.strftime("%Y-%m-%d")


@pytest.mark.parametrize("start,weeks,day_one,expected", [
    ("2025-01-06", 20, "legal", "2025-05-26"),   # the catalogue's example: a bank holiday, no roll-forward
    ("2025-01-06", 20, "sector", "2025-05-25"),
    ("2024-01-25", 6, "legal", "2024-03-07"),    # across 29 February
    ("2025-03-17", -2, "legal", "2025-03-03"),   # "at least 2 weeks before"
    ("2025-03-17", -2, "sector", "2025-03-03"),  # day-1 counting only applies forwards
])
def test_weeks(start, weeks, day_one, expected):
    assert one(calendar.add_weeks(dates(start), weeks, day_one=day_one)) == expected


def test_days_beginning_with_counts_the_first_day():
    assert one(calendar.add_days_beginning_with(dates("2025-03-01"), 15)) == "2025-03-15"


@pytest.mark.parametrize("start,n,beginning_with,expected", [
    ("2025-05-23", 3, False, "2025-05-29"),   # Friday; Spring bank holiday Monday skipped
    ("2025-12-24", 3, False, "2025-12-31"),   # Christmas and Boxing Day skipped
    ("2026-03-27", 3, False, "2026-04-01"),
    ("2025-04-17", 1, False, "2025-04-22"),   # Good Friday and Easter Monday skipped
    ("2025-05-23", 15, True, "2025-06-13"),   # day 1 is the Friday itself
    ("2025-05-24", 1, True, "2025-05-27"),    # a Saturday start rolls to the next working day
    ("2026-12-24", 2, False, "2026-12-30"),   # Boxing Day 2026 is a Saturday: substitute Monday 28th
])
def test_working_days(start, n, beginning_with, expected):
    assert one(calendar.add_working_days(dates(start), n, beginning_with=beginning_with)) == expected


@pytest.mark.parametrize("start,month_end,expected", [
    ("2019-01-01", "lenient", "2019-12-31"),   # Surrey SENDIASS's example
    ("2024-02-29", "lenient", "2025-02-28"),
    ("2024-02-29", "strict", "2025-02-27"),
    ("2025-01-31", "lenient", "2026-01-30"),   # the anniversary exists: the day before it
    ("2023-02-28", "lenient", "2024-02-27"),   # into a leap year: 28 Feb exists, day before
])
def test_within_12_months(start, month_end, expected):
    assert one(calendar.within_months_starting_with(dates(start), 12, month_end=month_end)) == expected


def test_months_clamp_at_month_end():
    assert one(calendar.add_months(dates("2025-01-31"), 1)) == "2025-02-28"
    assert one(calendar.add_months(dates("2024-01-31"), 1)) == "2024-02-29"
    assert one(calendar.months_before(dates("2025-07-31"), 5)) == "2025-02-28"


def test_fixed_date_readings():
    years = pd.Series([2026])
    assert one(calendar.fixed_date(years, 2, 15, before=True)) == "2026-02-14"
    assert one(calendar.fixed_date(years, 2, 15, before=True, before_reading="inclusive")) == "2026-02-15"
    assert one(calendar.fixed_date(pd.Series([None]), 2, 15, before=True)) is None
    assert one(calendar.fixed_date(pd.Series([0]), 2, 15, before=True)) is None
    assert one(calendar.fixed_date(pd.Series(["2026.5"]), 2, 15, before=True)) is None


def test_missing_dates_stay_missing():
    blank = pd.Series([pd.NaT], dtype="datetime64[ns]")
    assert one(calendar.add_weeks(blank, 6)) is None
    assert one(calendar.add_working_days(blank, 3)) is None
    assert one(calendar.within_months_starting_with(blank, 12)) is None


def test_age_on_29_february_birthday():
    born = dates("2008-02-29")
    assert calendar.age_in_years(born, pd.Timestamp("2026-02-28")).iloc[0] == 17
    assert calendar.age_in_years(born, pd.Timestamp("2026-03-01")).iloc[0] == 18


def test_bank_holidays_come_from_the_library():
    hols = set(calendar.bank_holidays(2025, 2025).astype(str))
    assert {"2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26", "2025-04-18"} <= hols


def test_big_numbers_in_date_cells_are_not_dates():
    from checker.dates import parse_date_series

    parsed, bad = parse_date_series(pd.Series([202206, "202206", 2958465.0, 45678], dtype=object))
    assert bad.tolist() == [True, True, True, False]
    assert parsed.iloc[3] == pd.Timestamp("2025-01-21")
