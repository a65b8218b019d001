"""Dates that can be trusted: real dates, in a possible order, not after the as-at date, and ages inside 0-25.

Dates that are expected to lie in the future (deadlines, planned events) are not checked against the as-at
date; the date of birth is judged by the age checks instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import ERROR, QUERY
from ..model import DATE, TABLES
from .collector import Run
from .registry import ANNEX_A, GUIDE, OURS, check
from .vectors import age, blank, fmt

DATE_INVALID = check(
    "DATE-INVALID", ERROR,
    "A date column of a canonical table holds something that is not a date (the readers report such cells as "
    "DATE-NOT-A-DATE; this guards tables built another way).",
    action="Correct the date (UK order dd/mm/yyyy or ISO yyyy-mm-dd).", source=OURS)
DATE_ORDER = check(
    "DATE-ORDER", ERROR,
    "Dates in an impossible order: request decision before the request; assessment outcome before the request; "
    "plan ceased before it started; placement left before it started; review decision before the review "
    "meeting (review history); exception period ending before it starts; draft response before the draft; "
    "child born after the request.",
    action="Correct whichever of the two dates is wrong; the message names both.", source=OURS,
    tables="request, assessment, named_plan, placement, review")
DATE_ORDER_QUERY = check(
    "DATE-ORDER-QUERY", QUERY,
    "SEN2 active plan: the latest review decision (LastReview) is before the latest review meeting, so it may "
    "belong to the previous review; or it is before the plan was made (the named plan's start date, else the "
    "decision to issue it).",
    action="Check the review dates recorded on the active plan and correct the one that is wrong.",
    source=f"{GUIDE} items 5.4a-b; {ANNEX_A}", tables="active_plan", annex_a="Review dates out of order")
DATE_FUTURE = check(
    "DATE-FUTURE", QUERY,
    "A date after the as-at date: it cannot have happened yet (due dates and planned events excepted, e.g. "
    "phase_transfer_due_date, post16_transfer_date).",
    action="Check the date (a mistyped year is common) and the as-at date the run was given.",
    source="D2I Annex A SEND checks 105a-d", annex_a="Date after the as-at date")
BIRTH_DATE_MISSING = check(
    "BIRTH-DATE-MISSING", QUERY,
    "A person has no date of birth, so their age, and every duty that depends on it (post-16 transfers, the "
    "end of a plan at 25), cannot be worked out. Raised once for the table when no person has one.",
    action="Record the child's date of birth.", source=f"{ANNEX_A}; SEN2 item 1.3", tables="person",
    annex_a="No date of birth")
AGE_NEGATIVE = check(
    "AGE-NEGATIVE", ERROR, "Date of birth after the as-at date.",
    action="Correct the date of birth.", source="D2I Annex A SEND check 105a", tables="person")
AGE_26_PLUS = check(
    "AGE-26-PLUS", ERROR,
    "Aged 26 or over at the as-at date (or, if every plan has ceased, at the latest cease date): outside the "
    "0-25 SEND system, so the date of birth is probably wrong.",
    action="Correct the date of birth, or record the cease date of a plan that has ended.",
    source="D2I Annex A SEND check 102b", tables="person", annex_a="Aged 26 or over")
AGE_25 = check(
    "AGE-25", QUERY, "Aged 25 at the as-at date: the plan should be ending (end of the academic year).",
    action="Check that the plan's cessation is planned for the end of the academic year.",
    source="D2I Annex A SEND check 102a", tables="person", annex_a="Aged 25: plan should be ending")

# Dates that are expected to lie in the future (deadlines, planned events), or checked by an age check instead.
NOT_FUTURE_CHECKED = {("active_plan", "phase_transfer_due_date"), ("active_plan", "post16_transfer_date"),
                      ("person", "birth_date")}

# (table, earlier field, later field, check): the later must not be before the earlier.
SAME_ROW_ORDER = (
    ("request", "received_date", "request_outcome_date", DATE_ORDER),
    ("named_plan", "start_date", "cease_date", DATE_ORDER),
    ("placement", "entry_date", "leaving_date", DATE_ORDER),
    ("review", "meeting_date", "decision_date", DATE_ORDER),
    ("assessment", "exception_start", "exception_end", DATE_ORDER),
    ("assessment", "draft_plan_date", "draft_response_date", DATE_ORDER),
    ("active_plan", "review_meeting", "last_review", DATE_ORDER_QUERY),
)


def _may_be_future(table: str, f) -> bool:
    """Deadlines and planned events may lie after the as-at date; everything else records something done."""
    text = f.description.lower()
    return (table, f.name) in NOT_FUTURE_CHECKED or "due" in f.name.split("_") or text.startswith("planned") \
        or "date by which" in text


def coerce_dates(run: Run) -> None:
    """Readers should hand over datetime64 columns; if one did not, parse it here rather than misread it."""
    for name, frame in run.frames.items():
        for f in TABLES[name].fields:
            if f.kind != DATE or f.name not in frame or pd.api.types.is_datetime64_any_dtype(frame[f.name]):
                continue
            raw = frame[f.name]
            parsed = pd.to_datetime(raw, errors="coerce", format="mixed", dayfirst=True)
            bad = parsed.isna().to_numpy() & ~blank(raw)
            run.flag(DATE_INVALID, name, bad, f.name, lambda p, v: f'"{fmt(v)}" is not a date.', raw)
            frame = frame.copy() if frame is run.dataset.tables.get(name) else frame
            frame[f.name] = parsed.astype("datetime64[ns]")
            run.frames[name] = frame


def date_order(run: Run) -> None:
    for table, earlier, later, kind in SAME_ROW_ORDER:
        if table not in run.frames:
            continue
        frame = run.frames[table]
        a, b = frame[earlier], frame[later]
        bad = (b < a).fillna(False).to_numpy()
        run.flag(kind, table, bad, later,
                 lambda p, v, a=a, earlier=earlier, later=later:
                 f"{later} {fmt(v)} is before {earlier} {fmt(a.iloc[p])}.", b)
    if "assessment" in run.frames and run.present("request"):
        received = run.lookup("assessment", "request", "received_date")
        out = run.frames["assessment"]["assessment_outcome_date"]
        bad = (out < received).fillna(False).to_numpy()
        run.flag(DATE_ORDER, "assessment", bad, "assessment_outcome_date",
                 lambda p, v: f"assessment_outcome_date {fmt(v)} is before the request's received_date "
                              f"{fmt(received.iloc[p])}.", out)
    if "request" in run.frames and run.present("person"):
        birth = run.lookup("request", "person", "birth_date")
        received = run.frames["request"]["received_date"]
        bad = (received < birth).fillna(False).to_numpy()
        run.flag(DATE_ORDER, "request", bad, "received_date",
                 lambda p, v: f"received_date {fmt(v)} is before the child's birth_date {fmt(birth.iloc[p])}.",
                 received)
    _review_before_plan(run)


def _review_before_plan(run: Run) -> None:
    """An active plan's latest review decision before the plan was made (Annex A: initial plan after review)."""
    if "active_plan" not in run.frames:
        return
    made = pd.Series(pd.NaT, index=run.frames["active_plan"].index, dtype="datetime64[ns]")
    what = pd.Series("", index=made.index, dtype=object)
    for parent, col in (("named_plan", "start_date"), ("assessment", "assessment_outcome_date")):
        if run.present(parent):
            found = run.lookup("active_plan", parent, col)
            fill = made.isna() & found.notna()
            made = made.where(~fill, found)
            what = what.where(~fill, f"the {parent.replace('_', ' ')}'s {col}")
    last = run.frames["active_plan"]["last_review"]
    bad = (last < made).fillna(False).to_numpy()
    run.flag(DATE_ORDER_QUERY, "active_plan", bad, "last_review",
             lambda p, v: f"last_review {fmt(v)} is before the plan was made ({what.iloc[p]} "
                          f"{fmt(made.iloc[p])}).", last)


def future(run: Run) -> None:
    for name, frame in run.frames.items():
        for f in TABLES[name].fields:
            if f.kind != DATE or f.name not in frame or _may_be_future(name, f):
                continue
            s = frame[f.name]
            bad = (s > run.as_at).fillna(False).to_numpy()
            run.flag(DATE_FUTURE, name, bad, f.name,
                     lambda p, v, f=f: f"{f.name} {fmt(v)} is after the as-at date "
                                       f"{run.as_at.strftime('%Y-%m-%d')}.", s)


def ages(run: Run) -> None:
    if "person" not in run.frames:
        return
    person = run.frames["person"]
    birth = person["birth_date"]
    missing = run.blank("person", "birth_date")
    if len(person) and missing.all():
        run.table_issue(BIRTH_DATE_MISSING, "person", "birth_date is not given for anyone, so no age can be "
                                                      "worked out.", column="birth_date")
    else:
        run.flag(BIRTH_DATE_MISSING, "person", missing, "birth_date",
                 lambda p, v: "birth_date is blank, so this person's age cannot be worked out.")
    ref = pd.Series(run.as_at, index=person.index, dtype="datetime64[ns]")
    if run.present("named_plan") and run.present("request"):
        # Someone whose every plan has ceased is judged at their latest cease date, not today.
        _, req_pos = run.link("named_plan", "request_id", "request", "request_id")
        p_code, _ = run.link("request", "person_id", "person", "person_id")
        plan_person = np.where(req_pos >= 0, p_code[np.maximum(req_pos, 0)], -1)
        n_people = len(run.factor("person", "person_id")[1])
        known = plan_person >= 0
        cease = run.frames["named_plan"]["cease_date"]
        open_plan = cease.isna().to_numpy()
        open_count = np.bincount(plan_person[known], weights=open_plan[known], minlength=n_people)
        plan_count = np.bincount(plan_person[known], minlength=n_people)
        last = np.full(n_people, np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(last, plan_person[known], cease.to_numpy(dtype="datetime64[ns]").view(np.int64)[known])
        all_ceased = (plan_count > 0) & (open_count == 0)
        codes = run.factor("person", "person_id")[0]
        has = codes >= 0
        use = np.zeros(len(person), dtype=bool)
        use[has] = all_ceased[codes[has]]
        ceased_at = np.full(len(person), np.datetime64("NaT"), dtype="datetime64[ns]")
        ceased_at[use] = last[codes[use]].view("datetime64[ns]")
        ceased_at = pd.Series(ceased_at, index=person.index)
        ref = ref.where(~(ceased_at < run.as_at).fillna(False), ceased_at)
    years = age(birth, ref)
    run.flag(AGE_NEGATIVE, "person", (years < 0).fillna(False).to_numpy(), "birth_date",
             lambda p, v: f"birth_date {fmt(v)} is after the as-at date {run.as_at.strftime('%Y-%m-%d')}.", birth)
    run.flag(AGE_26_PLUS, "person", (years >= 26).fillna(False).to_numpy(), "birth_date",
             lambda p, v: f"birth_date {fmt(v)} makes this person {int(years.iloc[p])} on "
                          f"{fmt(ref.iloc[p])}: outside the 0-25 SEND system.", birth)
    run.flag(AGE_25, "person", (years == 25).fillna(False).to_numpy(), "birth_date",
             lambda p, v: f"birth_date {fmt(v)} makes this person 25 on {fmt(ref.iloc[p])}; the plan should end "
                          "at the end of this academic year.", birth)
