"""Derived facts the rule files read but no input holds: school years, transfer years, ages that change rights,
the child's current placement, the health body's name at a date, and deadlines that are a choice of two dates.

Each derivation is written once here, over whole columns, so that a rule can say ``year_field: transfer_year``
or ``start: provision_gap_since`` without arithmetic, and so the derivations can be tested on their own.
England's school year runs 1 September to 31 August; a child born between 1 September of year Y-1 and 31 August
of year Y (the "cohort" Y) starts Reception in September of Y+4 and turns 16 in the school year ending in Y+16.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import calendar
from ..dataset import Dataset

ICB_FROM = pd.Timestamp("2022-07-01")  # Health and Care Act 2022: ICBs replaced CCGs on 1 July 2022
NPQ_FROM = pd.Timestamp("2024-09-01")  # SI 2024/535: the NPQ for SENCOs replaces the NASENCO award
NASENCO_COMPLETE_BY = pd.Timestamp("2027-09-01")  # transitional NASENCO route: completed before this day
SENCO_AWARD_FROM = pd.Timestamp("2009-09-01")  # SENCOs appointed before this day need no award
NO_PROVISION = ("NEET", "NIEC", "NIEO")  # SEN2 settings meaning no education or training is being received

# Next phase transfer by the year group a child is in now: (kind, year group entered at the transfer).
EARLY_YEARS_TO_SCHOOL = "early_years_to_school"
INFANT_TO_JUNIOR = "infant_to_junior"
PRIMARY_TO_SECONDARY = "primary_to_secondary"
SECONDARY_TO_POST16 = "secondary_to_post16"


def academic_year_start(on) -> pd.Series | int:
    """Calendar year in which the school year containing ``on`` began (1 September)."""
    if isinstance(on, pd.Series):
        return on.dt.year - (on.dt.month < 9).astype(int)
    on = pd.Timestamp(on)
    return on.year - (1 if on.month < 9 else 0)


def cohort_year(birth: pd.Series) -> pd.Series:
    """The year Y of a child's school cohort (born 1 Sep Y-1 .. 31 Aug Y)."""
    return birth.dt.year + (birth.dt.month >= 9).astype(int)


def nc_year_from_birth(birth: pd.Series, as_at) -> pd.Series:
    """National curriculum year group on ``as_at`` for a child in their chronological year group (0 = Reception,
    -1 = the nursery year before it). Children taught out of year group need nc_year in the data."""
    out = pd.Series(pd.NA, index=birth.index, dtype="Int64")
    known = birth.notna()
    if known.any():
        out[known] = (academic_year_start(as_at) - cohort_year(birth[known]) - 4).astype("Int64")
    return out


def nc_year_now(nc_year: pd.Series, birth: pd.Series, as_at) -> pd.Series:
    """The recorded year group, else the one derived from the date of birth."""
    recorded = pd.to_numeric(nc_year, errors="coerce").astype("Int64")
    return recorded.where(recorded.notna(), nc_year_from_birth(birth, as_at))


def nc_year_on(when: pd.Series, nc_year: pd.Series, birth: pd.Series, as_at) -> pd.Series:
    """Year group on an earlier (or later) date: the current one moved back by the school years between."""
    now = nc_year_now(nc_year, birth, as_at)
    out = pd.Series(pd.NA, index=when.index, dtype="Int64")
    known = when.notna() & now.notna()
    if known.any():
        shift = academic_year_start(as_at) - academic_year_start(when[known])
        out[known] = (now[known] - shift).astype("Int64")
    return out


def next_transfer(nc_now: pd.Series, infant_school: pd.Series, as_at) -> tuple[pd.Series, pd.Series]:
    """(transfer_kind, transfer_year) for children in the last year of a phase: the transfer happens in September
    of the calendar year in which the current school year ends, so the reg 18 dates fall in that year.

    Only the final year of a phase is given a transfer: the duty concerns a child "within the 12 months before"
    a transfer. Year 2 counts only where the current school is an infant school (derived from the school's phase
    or name); middle-school systems are not derivable and are left out.
    """
    kind = pd.Series(None, index=nc_now.index, dtype=object)
    nc = nc_now.astype("Float64")
    kind[(nc == -1).fillna(False)] = EARLY_YEARS_TO_SCHOOL
    kind[((nc == 2) & infant_school.fillna(False).astype(bool)).fillna(False)] = INFANT_TO_JUNIOR
    kind[(nc == 6).fillna(False)] = PRIMARY_TO_SECONDARY
    kind[(nc == 11).fillna(False)] = SECONDARY_TO_POST16
    year = pd.Series(pd.NA, index=nc_now.index, dtype="Int64")
    year[kind.notna()] = academic_year_start(as_at) + 1
    return kind, year


def september_first(years: pd.Series) -> pd.Series:
    """1 September of each year: the day a school phase transfer takes effect."""
    out = pd.Series(pd.NaT, index=years.index, dtype="datetime64[ns]")
    known = years.notna()
    if known.any():
        out[known] = pd.to_datetime({"year": years[known].astype(int), "month": 9, "day": 1}).astype("datetime64[ns]")
    return out


def last_friday_of_june(years: pd.Series) -> pd.Series:
    out = pd.Series(pd.NaT, index=years.index, dtype="datetime64[ns]")
    known = years.notna()
    if known.any():
        june30 = pd.to_datetime({"year": years[known].astype(int), "month": 6, "day": 30})
        back = (june30.dt.day_of_week - 4) % 7  # Friday = 4
        out[known] = (june30 - pd.to_timedelta(back, unit="D")).astype("datetime64[ns]")
    return out


def end_of_compulsory_school_age(birth: pd.Series) -> pd.Series:
    """Last Friday of June of the school year in which the child turns 16 (Education Act 1996 s8): from the next
    day the child is a "young person" and the Part 3 rights are theirs."""
    years = pd.Series(pd.NA, index=birth.index, dtype="Int64")
    known = birth.notna()
    years[known] = (cohort_year(birth[known]) + 16).astype("Int64")
    return last_friday_of_june(years)


def end_of_plan_at_25(birth: pd.Series) -> pd.Series:
    """31 August ending the school year in which the young person turns 25 (CFA s46; see PLAN-CEASE-25 notes)."""
    out = pd.Series(pd.NaT, index=birth.index, dtype="datetime64[ns]")
    known = birth.notna()
    if known.any():
        year = cohort_year(birth[known]) + 25
        out[known] = pd.to_datetime({"year": year, "month": 8, "day": 31}).astype("datetime64[ns]")
    return out


def commissioner_kind(on: pd.Series) -> pd.Series:
    """The responsible commissioning body's kind on a date: CCG before 1 July 2022, ICB from then."""
    out = pd.Series(None, index=on.index, dtype=object)
    out[on.notna() & (on < ICB_FROM)] = "CCG"
    out[on.notna() & (on >= ICB_FROM)] = "ICB"
    return out


def current_placement(ds: Dataset, plans: pd.DataFrame, as_at) -> pd.DataFrame:
    """Per plan: the setting attended on ``as_at`` and, where none is (or it is NEET / not in education),
    since when the child has had no education place (``provision_gap_since``).

    Left blank when the input has no placement rows at all: an extract without placements says nothing about
    gaps, and reading it as "no placement" would flag every plan.
    """
    as_at = pd.Timestamp(as_at)
    out = pd.DataFrame({"request_id": plans["request_id"]})
    out["current_urn"] = None
    out["current_sen_setting"] = None
    out["provision_gap"] = None
    out["provision_gap_since"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    placement = ds.table("placement")
    if not len(placement):
        return out
    p = placement[placement["request_id"].isin(plans["request_id"])]
    current = p[(p["entry_date"].isna() | (p["entry_date"] <= as_at))
                & (p["leaving_date"].isna() | (p["leaving_date"] > as_at))]
    current = current.sort_values(["request_id", "placement_rank", "entry_date"], na_position="last", kind="stable")
    current = current.drop_duplicates("request_id").set_index("request_id")
    ended = p[p["leaving_date"].notna() & (p["leaving_date"] <= as_at)].groupby("request_id")["leaving_date"].max()
    rid = out["request_id"]
    out["current_urn"] = _lookup(rid, current["urn"])
    out["current_sen_setting"] = _lookup(rid, current["sen_setting"])
    has_current = rid.isin(current.index)
    none_received = out["current_sen_setting"].isin(NO_PROVISION)
    gap = ~has_current | none_received
    out["provision_gap"] = np.where(gap, "1", "0")
    since = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    since = since.mask(none_received, _dates(_lookup(rid, current["entry_date"])))
    since = since.mask(~has_current, _dates(_lookup(rid, ended)))
    made = _dates(plans["plan_made_date"].reset_index(drop=True))
    never_placed = ~has_current & since.isna()
    since = since.mask(never_placed, made)
    out["provision_gap_since"] = since.astype("datetime64[ns]")
    return out


def plan_fields(ds: Dataset, frame: pd.DataFrame, as_at) -> pd.DataFrame:
    """Year group, next phase transfer, the young-person dates, current placement and the transfer-in review date."""
    as_at = pd.Timestamp(as_at)
    frame = frame.copy()
    frame["nc_year_now"] = nc_year_now(frame["nc_year"], frame["birth_date"], as_at)
    placed = current_placement(ds, frame, as_at)
    for col in ("current_urn", "current_sen_setting", "provision_gap", "provision_gap_since"):
        frame[col] = placed[col].to_numpy()
    school = ds.table("school")
    infant_urns = set()
    if len(school):
        text = school["phase"].fillna("").astype(str) + " " + school["school_name"].fillna("").astype(str)
        infant_urns = set(school.loc[text.str.contains("infant", case=False), "urn"])
    infant = _first_present(frame["current_urn"], frame["urn"]).isin(infant_urns)
    frame["transfer_kind"], frame["transfer_year"] = next_transfer(frame["nc_year_now"], infant, as_at)
    frame["transfer_date"] = september_first(frame["transfer_year"])
    # A final amended plan from an earlier school year belongs to an earlier transfer, not this one (the review
    # before a transfer falls in the 12 months before it, reg 18(1)), whatever due date the council recorded.
    if "phase_transfer_final_date" in frame.columns:
        year_began = transfer_window_start(frame["transfer_year"])
        stale = (frame["phase_transfer_final_date"].notna() & (frame["phase_transfer_final_date"] < year_began))
        frame["phase_transfer_final_date_earlier"] = frame["phase_transfer_final_date"].where(stale)
        frame["phase_transfer_final_date"] = frame["phase_transfer_final_date"].mask(stale)
    frame["phase_transfer_maintained_date"] = phase_transfer_maintained(ds, frame, as_at)
    frame["compulsory_school_age_end"] = end_of_compulsory_school_age(frame["birth_date"])
    frame["plan_end_25"] = end_of_plan_at_25(frame["birth_date"])
    frame["transfer_review_due"] = transfer_review_due(frame["review_clock_start"], frame["transfer_in_date"])
    return frame


def transfer_window_start(transfer_year: pd.Series) -> pd.Series:
    """1 September of the school year before a transfer: the 12 months before it, in which reg 18(1) puts the
    review (NaT where the transfer year is unknown)."""
    years = pd.to_numeric(transfer_year, errors="coerce").astype("Int64")
    return september_first(years - 1)


def phase_transfer_maintained(ds: Dataset, plans: pd.DataFrame, as_at) -> pd.Series:
    """Per plan: the date the review before the transfer concluded that no amendment was needed, else NaT.

    Reg 18(1) requires the plan to be reviewed and "where necessary" amended before the deadline; a review whose
    decision (on or before the run date, in the school year before the transfer) was to maintain the plan
    unamended meets it (an all-through school, say). Only the latest such decision counts, and only if it was
    "maintain": a later decision to amend means the amended plan is what is due. Decisions come from the active
    plan (SEN2 LastReview with ReviewOutcome) and the review history."""
    as_at = pd.Timestamp(as_at)
    out = pd.Series(pd.NaT, index=plans.index, dtype="datetime64[ns]")
    if not len(plans):
        return out
    parts = [pd.DataFrame({"request_id": plans["request_id"].to_numpy(),
                           "decided": _dates(plans["last_review"]).to_numpy(),
                           "outcome": plans["review_outcome"].astype(object).to_numpy()})]
    review = ds.table("review")
    if len(review):
        parts.append(pd.DataFrame({"request_id": review["request_id"].to_numpy(),
                                   "decided": _dates(review["decision_date"]).to_numpy(),
                                   "outcome": review["outcome"].astype(object).to_numpy()}))
    decisions = pd.concat(parts, ignore_index=True)
    window = pd.Series(transfer_window_start(plans["transfer_year"]).to_numpy(),
                       index=plans["request_id"].to_numpy())
    window = window[~window.index.duplicated()]
    decisions["from"] = _dates(_lookup(decisions["request_id"], window))
    decisions = decisions[decisions["decided"].notna() & decisions["from"].notna()
                          & (decisions["decided"] >= decisions["from"]) & (decisions["decided"] <= as_at)]
    if not len(decisions):
        return out
    latest = decisions.groupby("request_id")["decided"].transform("max")
    last = decisions[decisions["decided"] == latest]
    maintained = last.groupby("request_id").agg(decided=("decided", "max"),
                                                all_m=("outcome", lambda o: bool((o.astype(str) == "M").all())))
    maintained = maintained.loc[maintained["all_m"], "decided"]
    return _dates(_lookup(plans["request_id"], maintained)).astype("datetime64[ns]")


def _lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """``values`` (indexed by a unique key) looked up for each key; missing keys give NaN/NaT."""
    return pd.Series(values.reindex(keys.to_numpy()).to_numpy(), index=keys.index)


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce").astype("datetime64[ns]")


def _first_present(a: pd.Series, b: pd.Series) -> pd.Series:
    return a.where(a.notna(), b)


def transfer_review_due(review_clock_start: pd.Series, transfer_in: pd.Series) -> pd.Series:
    """Reg 15(5): the later of the 12 months from the plan being made or last reviewed and 3 months from the
    transfer (each "starting with" its date, lenient month-end reading)."""
    twelve = calendar.within_months_starting_with(review_clock_start, 12)
    three = calendar.within_months_starting_with(transfer_in, 3)
    due = pd.concat([twelve, three], axis=1).max(axis=1)
    return due.where(transfer_in.notna()).astype("datetime64[ns]")


def transfer_out_due(move: pd.Series, known: pd.Series) -> pd.Series:
    """Reg 15(1)-(2): the day of the move; if the old LA learned of it less than 15 working days before, the end
    of the 15 working days beginning with the day it became aware (whichever is later)."""
    fifteen = calendar.add_working_days(known, 15, beginning_with=True)
    due = pd.concat([move, fifteen.where(move.notna())], axis=1).max(axis=1)
    return due.astype("datetime64[ns]")


def cease_allowed_from(plans: pd.DataFrame, as_at) -> pd.Series:
    """First day a plan under a cease appeal may lawfully stop: the day the appeal was decided; while it is
    undecided, no day up to the run date (so the day after it)."""
    decided = plans["cease_appeal_decided_date"]
    pending = plans["cease_appeal_date"].notna() & decided.isna()
    out = decided.where(plans["cease_appeal_date"].notna())
    return out.mask(pending, pd.Timestamp(as_at) + pd.Timedelta(days=1)).astype("datetime64[ns]")


def senco_fields(school: pd.DataFrame, as_at) -> pd.DataFrame:
    """The SENCO-award facts of reg 49 as amended by SI 2024/535.

    ``senco_award_due`` is the third anniversary of appointment. ``senco_award_date`` keeps only an award that
    counts on the run date: before 1 Sept 2024 the NASENCO award; from then the NPQ for SENCOs, or a NASENCO
    whose course started before 1 Sept 2024 and was completed before 1 Sept 2027. Any other recorded award is
    moved to ``senco_award_date_recorded`` so the duty shows as unmet rather than met by the wrong award.
    """
    as_at = pd.Timestamp(as_at)
    school = school.copy()
    school["senco_award_due"] = calendar.add_months(school["senco_appointed_date"], 36)
    school["senco_appointed_before_2009"] = np.where(
        school["senco_appointed_date"].isna(), None,
        np.where(school["senco_appointed_date"] < SENCO_AWARD_FROM, "1", "0"))
    award = school["senco_award"].fillna("").astype(str).str.upper()
    awarded = school["senco_award_date"]
    if as_at < NPQ_FROM:
        counts = award.isin(["NASENCO", "NPQSENCO"])
    else:
        nasenco_ok = ((award == "NASENCO") & (school["senco_award_course_start"] < NPQ_FROM)
                      & (awarded < NASENCO_COMPLETE_BY))
        counts = (award == "NPQSENCO") | nasenco_ok
    school["senco_award_date_recorded"] = awarded
    school["senco_award_date"] = awarded.where(counts).astype("datetime64[ns]")
    return school


AMENDMENT_ROUTE_DAYS = 84  # review meeting -> decision and amendment notice (4 weeks) -> final amended plan (8 weeks)


def pb_due(budgets: pd.DataFrame, requests: pd.DataFrame) -> pd.DataFrame:
    """A personal budget asked for is settled in the plan: due when the final plan is issued. A request made after
    the plan was final (at a review or reassessment) is settled in the amended plan, which the reg 20/22 route
    allows up to 12 weeks to finalise; the law sets no shorter limit, so that is the reading that avoids a false
    breach."""
    budgets = budgets.copy()
    final = requests.set_index("request_id")["assessment_outcome_date"].where(
        requests.set_index("request_id")["assessment_outcome"] == "Y")
    final = _dates(_lookup(budgets["request_id"], final[~final.index.duplicated()]))
    asked = budgets["pb_requested_date"]
    later = asked + pd.Timedelta(days=AMENDMENT_ROUTE_DAYS)
    due = final.where(asked <= final, later)
    budgets["pb_due_date"] = due.where(final.notna() & asked.notna()).astype("datetime64[ns]")
    return budgets


def la_frame(header: dict) -> pd.DataFrame:
    """One row for the local authority from the SEN2 header (DMO, DCO, DSCO), or none if the input has no header."""
    cols = ["record_id", "person_id", "upn", "team", "caseworker", "urn", "dmo", "dco", "dsco"]
    if not any(header.get(k) for k in ("DMO", "DCO", "DSCO")):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    la = str(header.get("LEA") or "LA")
    return pd.DataFrame([{"record_id": la, "person_id": None, "upn": None, "team": None, "caseworker": None,
                          "urn": None, "dmo": header.get("DMO") or None, "dco": header.get("DCO") or None,
                          "dsco": header.get("DSCO") or None}])


def add_run_dates(frame: pd.DataFrame, as_at) -> None:
    """``condition_date``: the day before the run date, the clock start of a condition duty (no SENCO, no
    section J) found unmet in data taken on the run date: it was unmet by then at the latest."""
    frame["condition_date"] = pd.Series(pd.Timestamp(as_at) - pd.Timedelta(days=1), index=frame.index,
                                        dtype="datetime64[ns]")
