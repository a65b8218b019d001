"""Subjects the rules run on: canonical tables joined into one row per thing a duty is owed about.

A rule says ``applies_to: request`` (a request for assessment, with its assessment and plan dates),
``plan`` (an EHC plan maintained as at the run date), ``review`` (one review meeting), ``advice``,
``school`` and so on. Building each view once, with the owner (team, caseworker), the person's UPN and the
child's school attached, keeps rules free of joins and lets every finding say who owns it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import calendar
from ..dataset import Dataset
from ..model import TABLES
from . import derive

# --- what each view holds -----------------------------------------------------------------------------------
# Declared here, beside the code that builds the views, so that a rule file naming a field no view holds is
# refused when the rules load (engine/rules.py) instead of silently never applying. tests/test_views.py checks
# that the views built from real inputs have exactly these columns.

EVERY_SUBJECT = {  # every view carries these, so every finding can say who owns it (blank where they mean nothing)
    "record_id": "the record a finding is about: the subject's key (request id, plan id, URN, ...)",
    "person_id": "the child or young person",
    "upn": "their unique pupil number",
    "team": "the owning SEN team: the request's, else the person's",
    "caseworker": "the named caseworker: the request's, else the person's",
    "condition_date": "the day before the run date, the clock start of \"condition\" duties that have no date "
                      "of their own (no SENCO, no section J)",
}
_CHILDS_SCHOOL = {"urn": "the child's current school (placement ranked first on the run date, else the named "
                         "setting)"}
IDENTITY_COLUMNS = ["record_id", "person_id", "upn", "team", "caseworker", "urn"]  # what every finding carries

ALL = None  # every field of a canonical table
OWNER = ("person_id", "upn", "team", "caseworker", "urn", "birth_date")  # from the request, on its child tables

_PLAN_TABLES = {"named_plan": ALL, "active_plan": ALL, "request": ("received_date",),
                "assessment": ("assessment_outcome", "assessment_outcome_date"),
                "person": ("birth_date", "nc_year", "correspondence_with", "lacks_capacity")}
_PLAN_DERIVED = {
    **_CHILDS_SCHOOL,
    "plan_made_date": "the plan's start date, else the date the assessment outcome \"plan issued\" was recorded",
    "last_review_decision": "the latest review decision on or before the run date (SEN2 LastReview or the "
                            "review history, whichever is later)",
    "review_clock_start": "the last review decision, else the date the plan was made",
    "age": "age in whole years on the run date",
    "cease_allowed_from": "under a cease appeal, the first day the plan may stop: the day the appeal was decided, "
                          "or while it is undecided the day after the run date",
    "transfer_out_due": "the later of the move date and 15 working days beginning with the day the old LA "
                        "learned of the move (reg 15(1)-(2))",
}


@dataclass(frozen=True)
class Subject:
    """One subject view (a rule's ``applies_to``): canonical fields it takes and the fields it derives."""

    row: str  # what one row is
    tables: dict[str, tuple[str, ...] | None]  # canonical table -> the fields taken (ALL: every one)
    derived: dict[str, str]  # fields no input holds, with what they hold
    extends: str | None = None  # a subject whose every field this one also has

    def fields(self) -> frozenset[str]:
        """Every field a rule about this subject may name."""
        names = set(EVERY_SUBJECT) | set(self.derived)
        if self.extends:
            names |= SUBJECTS[self.extends].fields()
        for table, columns in self.tables.items():
            names.update(TABLES[table].columns if columns is ALL else columns)
        return frozenset(names)


SUBJECTS: dict[str, Subject] = {
    "request": Subject(
        "request for an EHC needs assessment, with its assessment and plan dates",
        {"request": ALL, "assessment": ALL, "named_plan": ("start_date", "cease_date"),
         "person": ("upn", "uln", "birth_date")},
        {**_CHILDS_SCHOOL, "person_team": "the person's team", "person_caseworker": "the person's caseworker",
         "age_at_request": "age in whole years on the day the request was received"}),
    "advice": Subject(
        "request for advice or information during an assessment",
        {"advice": ALL, "person": ("birth_date",)}, _CHILDS_SCHOOL),
    "all_plans": Subject(
        "EHC plan, live or ceased (ceasing and transfer-out duties)",
        _PLAN_TABLES,
        _PLAN_DERIVED),
    "plan": Subject(
        "EHC plan maintained as at the run date", {},
        {"nc_year_now": "year group on the run date: recorded, else derived from the date of birth",
         "current_urn": "the setting attended on the run date",
         "current_sen_setting": "its SEN2 setting code",
         "provision_gap": "1 where the child has no education place on the run date (or it is NEET / not in "
                          "education), else 0; blank when the input has no placements",
         "provision_gap_since": "since when the child has had no education place",
         "transfer_kind": "the next phase transfer, for a child in the last year of a phase: "
                          "early_years_to_school (nursery to Reception), infant_to_junior (Year 2 to 3, where the "
                          "school is an infant school), primary_to_secondary (Year 6 to 7), secondary_to_post16 "
                          "(Year 11 to 12)",
         "transfer_year": "the calendar year of that transfer",
         "transfer_date": "1 September of the transfer year",
         "phase_transfer_final_date_earlier": "a final amended plan dated before the school year of this "
                                              "transfer (it belongs to an earlier one)",
         "phase_transfer_maintained_date": "the review before the transfer concluded that no amendment was "
                                           "needed: the date of that decision (the latest decision in the school "
                                           "year before the transfer, on or before the run date, if it was to "
                                           "maintain the plan)",
         "compulsory_school_age_end": "the last Friday of June of the school year in which the child turns 16",
         "plan_end_25": "31 August ending the school year of the 25th birthday",
         "transfer_review_due": "after a transfer in, the later of 12 months from the plan being made or last "
                                "reviewed and 3 months from the transfer (reg 15(5))"},
        extends="all_plans"),
    "review": Subject(
        "annual review meeting",
        {"review": ALL, "person": ("birth_date", "nc_year")},
        {"urn": "the school that held the review, else the child's current school",
         "review_urn": "the school that held the review, as recorded",
         "nc_year_at_meeting": "year group on the day of the meeting"}),
    "school": Subject(
        "school (its SENCO and published documents); `senco_award_date` holds only an award that counts under "
        "reg 49 on the run date",
        {"school": ALL},
        {"senco_award_due": "the third anniversary of the SENCO's appointment",
         "senco_appointed_before_2009": "1 where the SENCO was appointed before 1 September 2009, else 0",
         "senco_award_date_recorded": "the award date as recorded, whether or not the award counts"}),
    "person": Subject(
        "child or young person",
        {"person": ALL},
        {"person_team": "the person's team", "person_caseworker": "the person's caseworker"}),
    "tribunal_order": Subject("tribunal order", {"tribunal_order": ALL, "person": ("birth_date",)}, _CHILDS_SCHOOL),
    "personal_budget": Subject(
        "request for a personal budget",
        {"personal_budget": ALL, "person": ("birth_date",)},
        {**_CHILDS_SCHOOL,
         "pb_due_date": "when the budget is due: with the final plan, or within the 12 weeks of the amendment "
                        "route for a request made after the plan was final"}),
    "health_provision": Subject(
        "health provision in section G of a plan",
        {"health_provision": ALL, "person": ("birth_date",)},
        {**_CHILDS_SCHOOL,
         "commissioner_kind": "the commissioning body on the date specified: CCG before 1 July 2022, ICB from "
                              "then"}),
    "la": Subject(
        "local authority: one row from the SEN2 header, none for inputs without one",
        {},
        {"urn": "always blank",
         "dmo": "the Designated Medical Officer item of the SEN2 header",
         "dco": "the Designated Clinical Officer item",
         "dsco": "the Designated Social Care Officer item"}),
}


SUBJECTS_START = "<!-- subjects: generated from checker/engine/views.py -->"
SUBJECTS_END = "<!-- end of generated subjects -->"


def subjects_markdown() -> str:
    """The "Subjects" section of rules/README.md, from the declarations above."""
    lines = [SUBJECTS_START, "", "### Subjects (`applies_to`) and their fields", "",
             "Built in `checker/engine/views.py`, derivations in `checker/engine/derive.py`; a rule naming a field "
             "its subject does not hold is refused when the rules load. Canonical fields are those of "
             "`docs/data-dictionary.md`. Every subject carries:", ""]
    lines += [f"* `{name}`: {text}" for name, text in EVERY_SUBJECT.items()]
    lines += ["", "and one row per:", ""]
    for name, subject in SUBJECTS.items():
        lines.append(f"* `{name}`: {subject.row}.")
        if subject.extends:
            lines.append(f"  * every field of `{subject.extends}`, and")
        if subject.tables:
            lines.append("  * canonical fields: " + "; ".join(
                f"all of {table}" if cols is ALL else f"{', '.join(cols)} of {table}"
                for table, cols in subject.tables.items()))
        lines += [f"  * `{f}`: {text}" for f, text in subject.derived.items()]
    lines += ["", SUBJECTS_END]
    return "\n".join(lines)


def _first(*series: pd.Series) -> pd.Series:
    out = series[0]
    for s in series[1:]:
        out = out.where(out.notna(), s)
    return out


def _drop_provenance(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in ("_file", "_sheet", "_row") if c in frame.columns])


def _current_urn(ds: Dataset, as_at: pd.Timestamp) -> pd.Series:
    """The school each plan's child attends as at the run date (placement rank 1, else the named setting)."""
    placement = ds.table("placement")
    urn = pd.Series(dtype=object)
    if len(placement):
        p = placement[placement["urn"].notna()]
        p = p[(p["entry_date"].isna() | (p["entry_date"] <= as_at))
              & (p["leaving_date"].isna() | (p["leaving_date"] > as_at))]
        p = p.sort_values(["request_id", "placement_rank", "entry_date"], na_position="last", kind="stable")
        urn = p.drop_duplicates("request_id").set_index("request_id")["urn"]
    detail = ds.table("plan_detail")
    if len(detail):
        d = detail[detail["urn"].notna()].sort_values(["request_id", "placement_rank"], kind="stable")
        named = d.drop_duplicates("request_id").set_index("request_id")["urn"]
        urn = pd.concat([urn, named[~named.index.isin(urn.index)]])
    return urn


def _people(ds: Dataset) -> pd.DataFrame:
    person = _drop_provenance(ds.table("person")).drop_duplicates("person_id")
    return person.rename(columns={"team": "person_team", "caseworker": "person_caseworker"})


def _requests(ds: Dataset, as_at: pd.Timestamp, urn: pd.Series) -> pd.DataFrame:
    request = _drop_provenance(ds.table("request")).drop_duplicates("request_id")
    assessment = _drop_provenance(ds.table("assessment")).drop_duplicates("request_id")
    taken = SUBJECTS["request"].tables
    plan = _drop_provenance(ds.table("named_plan")).drop_duplicates("request_id")[["request_id", *taken["named_plan"]]]
    frame = request.merge(assessment, on="request_id", how="left").merge(plan, on="request_id", how="left")
    frame = frame.merge(_people(ds)[["person_id", *taken["person"], "person_team", "person_caseworker"]],
                        on="person_id", how="left")
    frame["team"] = _first(frame["team"], frame["person_team"])
    frame["caseworker"] = _first(frame["caseworker"], frame["person_caseworker"])
    frame["urn"] = frame["request_id"].map(urn)
    frame["record_id"] = frame["request_id"]
    frame["age_at_request"] = _age_on(frame["birth_date"], frame["received_date"])
    return frame


def _age_on(birth: pd.Series, on: pd.Series) -> pd.Series:
    out = pd.Series(pd.NA, index=birth.index, dtype="Int64")
    mask = birth.notna() & on.notna()
    if mask.any():
        b, d = birth[mask], on[mask]
        had = (b.dt.month < d.dt.month) | ((b.dt.month == d.dt.month) & (b.dt.day <= d.dt.day))
        out[mask] = (d.dt.year - b.dt.year - (~had).astype(int)).astype("Int64")
    return out


def build_views(ds: Dataset, as_at) -> dict[str, pd.DataFrame]:
    """Every subject frame, built once per run."""
    as_at = pd.Timestamp(as_at)
    urn = _current_urn(ds, as_at)
    people = _people(ds)
    requests = _requests(ds, as_at, urn)
    owner = requests[["request_id", *OWNER]]
    views: dict[str, pd.DataFrame] = {"request": requests}

    advice = _drop_provenance(ds.table("advice")).merge(owner, on="request_id", how="left")
    advice["record_id"] = (advice["request_id"].astype(str) + "/" + advice["advice_type"].fillna("advice").astype(str)
                           + "/" + advice["requested_date"].dt.strftime("%Y-%m-%d").fillna("undated"))
    views["advice"] = advice

    all_plans = _all_plans(ds, as_at, requests, people)
    views["all_plans"] = all_plans
    views["plan"] = _live_plans(ds, all_plans, as_at)

    review = _drop_provenance(ds.table("review")).rename(columns={"urn": "review_urn"})
    review = review.merge(owner, on="request_id", how="left")
    review["urn"] = _first(review["review_urn"], review["urn"])
    review["record_id"] = (review["request_id"].astype(str) + "@"
                           + review["meeting_date"].dt.strftime("%Y-%m-%d").fillna("undated"))
    review = review.merge(people[["person_id", "nc_year"]], on="person_id", how="left")
    review["nc_year_at_meeting"] = derive.nc_year_on(review["meeting_date"], review["nc_year"], review["birth_date"],
                                                     as_at)
    views["review"] = review

    school = _drop_provenance(ds.table("school")).drop_duplicates("urn")
    for col in ("person_id", "upn", "team", "caseworker"):
        school[col] = None
    school["record_id"] = school["urn"]
    views["school"] = derive.senco_fields(school, as_at)

    person = people.copy()
    person["record_id"] = person["person_id"]
    person["team"] = person["person_team"]
    person["caseworker"] = person["person_caseworker"]
    views["person"] = person

    for name in ("tribunal_order", "personal_budget", "health_provision"):
        frame = _drop_provenance(ds.table(name)).merge(owner, on="request_id", how="left")
        key = "order_id" if name == "tribunal_order" else "request_id"
        frame["record_id"] = frame[key].astype(str)
        if name == "health_provision":
            frame["record_id"] = frame["record_id"] + "/" + frame["provision"].fillna("").astype(str)
            frame["commissioner_kind"] = derive.commissioner_kind(frame["specified_date"])
        views[name] = frame
    views["personal_budget"] = derive.pb_due(views["personal_budget"], requests)
    views["la"] = derive.la_frame(ds.header)
    for frame in views.values():
        derive.add_run_dates(frame, as_at)
    return views


def _all_plans(ds: Dataset, as_at: pd.Timestamp, requests: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Every EHC plan the input knows, live or ceased (ceasing and transfer-out duties are owed about ceased plans)."""
    named = _drop_provenance(ds.table("named_plan")).drop_duplicates("request_id")
    active = _drop_provenance(ds.table("active_plan")).drop_duplicates("request_id")
    ids = pd.Index(named["request_id"]).union(pd.Index(active["request_id"]))
    frame = pd.DataFrame({"request_id": ids})
    frame = frame.merge(named, on="request_id", how="left").merge(active, on="request_id", how="left")
    taken = _PLAN_TABLES
    req = requests[["request_id", "person_id", "upn", "team", "caseworker", "urn", *taken["assessment"],
                    *taken["request"]]]
    frame = frame.merge(req, on="request_id", how="left")
    frame = frame.merge(people[["person_id", *taken["person"]]], on="person_id", how="left")
    issued = frame["assessment_outcome_date"].where(frame["assessment_outcome"] == "Y")
    frame["plan_made_date"] = _first(frame["start_date"], issued)
    frame["last_review_decision"] = _latest_review_decision(ds, frame["request_id"], frame["last_review"], as_at)
    frame["review_clock_start"] = _first(frame["last_review_decision"], frame["plan_made_date"])
    frame["age"] = calendar.age_in_years(frame["birth_date"], as_at)
    frame["record_id"] = frame["request_id"]
    frame["cease_allowed_from"] = derive.cease_allowed_from(frame, as_at)
    frame["transfer_out_due"] = derive.transfer_out_due(frame["move_date"], frame["move_known_date"])
    return frame


def _latest_review_decision(ds: Dataset, request_ids: pd.Series, last_review: pd.Series, as_at) -> pd.Series:
    """The latest review decision notice on or before the run date, from SEN2's LastReview or the review history.

    A review concludes when the LA notifies its decision (s44; the catalogue's calendar rule 12), so a tracker
    that records reviews only on a reviews sheet must restart the 12-month clock from there too; otherwise every
    such plan would look overdue.
    """
    review = ds.table("review")
    decided = review[review["decision_date"].notna() & (review["decision_date"] <= pd.Timestamp(as_at))]
    latest = decided.groupby("request_id")["decision_date"].max()
    from_history = request_ids.map(latest) if len(latest) else pd.Series(pd.NaT, index=request_ids.index)
    both = pd.concat([pd.to_datetime(last_review, errors="coerce").astype("datetime64[ns]"),
                      pd.to_datetime(from_history, errors="coerce").astype("datetime64[ns]")], axis=1)
    return both.max(axis=1).astype("datetime64[ns]")


def _live_plans(ds: Dataset, plans: pd.DataFrame, as_at: pd.Timestamp) -> pd.DataFrame:
    """EHC plans maintained as at the run date (made on or before it and not ceased by it), with the derived
    school-year facts the phase-transfer, young-person and provision duties need."""
    made = plans["plan_made_date"].isna() | (plans["plan_made_date"] <= as_at)
    live = plans["cease_date"].isna() | (plans["cease_date"] > as_at)
    frame = plans[made & live].reset_index(drop=True)
    return derive.plan_fields(ds, frame, as_at)
