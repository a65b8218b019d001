"""Subjects the rules run on: canonical tables joined into one row per thing a duty is owed about.

A rule says ``applies_to: request`` (a request for assessment, with its assessment and plan dates),
``plan`` (an EHC plan maintained as at the run date), ``review`` (one review meeting), ``advice``,
``school`` and so on. Building each view once, with the owner (team, caseworker), the person's UPN and the
child's school attached, keeps rules free of joins and lets every finding say who owns it.
"""

from __future__ import annotations

import pandas as pd

from .. import calendar
from ..dataset import Dataset
from . import derive

IDENTITY_COLUMNS = ["record_id", "person_id", "upn", "team", "caseworker", "urn"]


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
        p = p[(p["entry_date"].isna() | (p["entry_date"] <= as_at)) & (p["leaving_date"].isna() | (p["leaving_date"] > as_at))]
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
    plan = _drop_provenance(ds.table("named_plan")).drop_duplicates("request_id")[["request_id", "start_date", "cease_date"]]
    frame = request.merge(assessment, on="request_id", how="left").merge(plan, on="request_id", how="left")
    frame = frame.merge(_people(ds)[["person_id", "upn", "uln", "birth_date", "person_team", "person_caseworker"]],
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
    owner = requests[["request_id", "person_id", "upn", "team", "caseworker", "urn", "birth_date"]]
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
    review["record_id"] = review["request_id"].astype(str) + "@" + review["meeting_date"].dt.strftime("%Y-%m-%d").fillna("undated")
    review = review.merge(people[["person_id", "nc_year"]], on="person_id", how="left")
    review["nc_year_at_meeting"] = derive.nc_year_on(review["meeting_date"], review["nc_year"], review["birth_date"], as_at)
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
    req = requests[["request_id", "person_id", "upn", "team", "caseworker", "urn", "assessment_outcome",
                    "assessment_outcome_date", "received_date"]]
    frame = frame.merge(req, on="request_id", how="left")
    frame = frame.merge(people[["person_id", "birth_date", "nc_year", "correspondence_with", "lacks_capacity"]],
                        on="person_id", how="left")
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
