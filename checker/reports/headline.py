"""The headline figures, computed once and shown identically in every report.

Timeliness follows the DfE's published method so that a local figure can stand beside the national one:
the denominator is plans *issued* (an EHC-FINAL-20W finding with a stopped date), counted by the date of issue;
"excluding exceptions" removes the plans where a reg 13(3) exception applied from both sides of the fraction;
"including exceptions" keeps every plan and counts it on time only if it was issued within 20 weeks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from . import national
from .fmt import long_date

FINAL_20W = "EHC-FINAL-20W"
DECISION_6W = "EHC-DECISION-6W"
REVIEW_12M = "REVIEW-12M"
DUE_SOON_DAYS = 28


@dataclass(frozen=True)
class Rate:
    """A share of cases done on time, with the counts behind it."""

    key: str
    label: str
    numerator: int
    denominator: int
    explanation: str
    national: national.NationalFigure | None = None
    evidence: str = ""  # where the rows behind it are (workbook sheet)

    @property
    def percent(self) -> float | None:
        return None if not self.denominator else 100.0 * self.numerator / self.denominator

    @property
    def display(self) -> str:
        return "no cases" if self.percent is None else f"{self.percent:.1f}%"

    @property
    def counts(self) -> str:
        return f"{self.numerator:,} of {self.denominator:,}"


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    value: int
    explanation: str
    out_of: int | None = None
    evidence: str = ""

    @property
    def display(self) -> str:
        return f"{self.value:,}"

    @property
    def counts(self) -> str:
        return "" if self.out_of is None else f"of {self.out_of:,}"

    national = None


@dataclass(frozen=True)
class Headline:
    as_at: dt.date
    period_start: dt.date
    period_end: dt.date
    timely_excl: Rate
    timely_incl: Rate
    decisions_6w: Rate
    reviews_overdue: Count
    due_soon: Count
    breaches: int  # must-duties late or overdue
    departures: int  # should-guidance late or overdue
    not_measurable: int  # plans issued whose timeliness cannot be worked out (insufficient data)
    extras: dict = field(default_factory=dict)

    @property
    def period(self) -> str:
        return f"{long_date(self.period_start)} to {long_date(self.period_end)}"

    def figures(self) -> list:
        return [self.timely_excl, self.timely_incl, self.decisions_6w, self.reviews_overdue, self.due_soon]


def on_time(frame: pd.DataFrame) -> pd.Series:
    """Whether each timed finding met its deadline, whatever exception was later recorded against it."""
    days = pd.to_numeric(frame["days_late"], errors="coerce")
    by_dates = (frame["stopped_date"] <= frame["due_date"]).where(frame["due_date"].notna()
                                                                   & frame["stopped_date"].notna())
    by_status = frame["status"].eq("compliant")
    result = (days <= 0).where(days.notna(), by_dates)
    return result.where(result.notna(), by_status).astype(bool)


def issued(findings: pd.DataFrame, rule_id: str, start: dt.date | None = None, end: dt.date | None = None,
           columns: list[str] | None = None) -> pd.DataFrame:
    """Findings of a timed rule whose clock stopped (the thing was done) within [start, end], with ``on_time``
    and ``excepted`` added. ``columns`` keeps only those finding columns (and what ``on_time`` reads): counting
    needs a few, and copying every column of a national rule's findings costs hundreds of megabytes."""
    stopped = findings["stopped_date"]
    keep = findings["rule_id"].eq(rule_id) & stopped.notna()
    if start is not None:
        keep &= stopped >= pd.Timestamp(start)
    if end is not None:
        keep &= stopped <= pd.Timestamp(end)
    keep &= findings["status"].isin(("compliant", "late", "excepted"))
    source = findings if columns is None else findings[list(dict.fromkeys([*columns, *_ON_TIME_READS]))]
    frame = source[keep.to_numpy(dtype=bool)]
    return frame.assign(on_time=on_time(frame), excepted=frame["status"].eq("excepted"))


_ON_TIME_READS = ("days_late", "stopped_date", "due_date", "status")


def timeliness(frame: pd.DataFrame) -> tuple[int, int, int, int]:
    """(on time excl., plans excl., on time incl., plans incl.) for frames made by :func:`issued`."""
    plain = frame[~frame["excepted"]]
    return int(plain["on_time"].sum()), len(plain), int(frame["on_time"].sum()), len(frame)


def default_period(as_at: dt.date, settings: dict | None = None) -> tuple[dt.date, dt.date]:
    """The 12 months ending on the as-at date, unless the run's settings name a period."""
    settings = settings or {}
    end = _as_date(settings.get("period_end")) or as_at
    start = _as_date(settings.get("period_start"))
    if start is None:
        try:
            start = end.replace(year=end.year - 1) + dt.timedelta(days=1)
        except ValueError:  # 29 February
            start = end.replace(year=end.year - 1, day=28) + dt.timedelta(days=1)
    return start, end


def _as_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    return pd.Timestamp(value).date()


def compute(findings: pd.DataFrame, as_at: dt.date, settings: dict | None = None) -> Headline:
    start, end = default_period(as_at, settings)
    plans = issued(findings, FINAL_20W, start, end, columns=[])
    ok_excl, n_excl, ok_incl, n_incl = timeliness(plans)
    not_measurable = int((findings["rule_id"].eq(FINAL_20W) & findings["stopped_date"].between(
        pd.Timestamp(start), pd.Timestamp(end)) & findings["status"].eq("insufficient_data")).sum())
    latest_excl = national.latest(national.TIMELY_EXCL)
    latest_incl = national.latest(national.TIMELY_INCL)
    timely_excl = Rate("timely_excl", "New EHC plans issued within 20 weeks, excluding exceptions", ok_excl, n_excl,
                       "Plans issued in the period, leaving out those where a reg 13(3) exception applied "
                       "(the DfE headline measure).", latest_excl, "20-week plans")
    timely_incl = Rate("timely_incl", "New EHC plans issued within 20 weeks, including exceptions", ok_incl, n_incl,
                       "Every plan issued in the period; a plan counts as on time only if issued within 20 weeks.",
                       latest_incl, "20-week plans")
    decisions = issued(findings, DECISION_6W, start, end, columns=[])
    plain = decisions[~decisions["excepted"]]
    decisions_6w = Rate("decisions_6w", "Decisions whether to assess made within 6 weeks", int(plain["on_time"].sum()),
                        len(plain), "Decisions notified in the period, excluding reg 5(4) exception cases. "
                        "The DfE publishes no national figure for this.", None, "6-week decisions")
    reviews = findings["rule_id"].eq(REVIEW_12M)
    overdue = int((reviews & findings["status"].eq("overdue")).sum())
    reviews_overdue = Count("reviews_overdue", "Annual reviews overdue", overdue,
                            "Plans whose review is more than 12 months after the last one and has not concluded, "
                            f"as at {long_date(as_at)}.", int(reviews.sum()), "Reviews")
    soon = due_within(findings, as_at, DUE_SOON_DAYS)
    due_soon = Count("due_soon", "Deadlines in the next 4 weeks", len(soon),
                     f"Open cases whose statutory deadline falls between {long_date(as_at)} and "
                     f"{long_date(as_at + dt.timedelta(days=DUE_SOON_DAYS))}.", None, "Due soon")
    breach = findings["status"].isin(("late", "overdue"))
    must = findings["strength"].eq("must")
    return Headline(as_at, start, end, timely_excl, timely_incl, decisions_6w, reviews_overdue, due_soon,
                    int((breach & must).sum()), int((breach & ~must).sum()), not_measurable)


def due_within(findings: pd.DataFrame, as_at: dt.date, days: int = DUE_SOON_DAYS) -> pd.DataFrame:
    """Open findings (due soon or pending) whose deadline falls in the next ``days`` days, soonest first."""
    start = pd.Timestamp(as_at)
    frame = findings[findings["status"].isin(("due_soon", "pending"))
                     & findings["due_date"].between(start, start + pd.Timedelta(days=days))]
    return frame.sort_values(["due_date", "rule_id", "record_id"], kind="stable")
