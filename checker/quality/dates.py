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
    "meeting (an LA's review history, one row per meeting with its own decision); exception period ending "
    "before it starts; draft response before the draft; child born after the request. A SEN2 return's review "
    "row never meets it: a ReviewMeeting later than LastReview is a review awaiting its decision, evaluated by "
    "REVIEW-DECISION-4W (see DATE-ORDER-QUERY).",
    action="Correct whichever of the two dates is wrong; the message names both.", source=OURS,
    tables="request, assessment, named_plan, placement, review")
DATE_ORDER_QUERY = check(
    "DATE-ORDER-QUERY", QUERY,
    "SEN2 active plan: the latest review decision (LastReview) is before the latest review meeting, so it "
    "belongs to the previous review and the meeting is awaiting its decision (evaluated as such by "
    "REVIEW-DECISION-4W: pending, due soon or overdue); or it is before the plan was made (the named plan's "
    "start date, else the decision to issue it).",
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
AGE_IMPLAUSIBLE = check(
    "AGE-IMPLAUSIBLE", ERROR,
    "The date of birth contradicts the record: the person was 26 or over on the day their first request for an "
    "assessment was received (nobody of that age can be asked about under the Act; a young person is under 25), "
    "or is 26 or over with neither a request nor a plan. Only a date of birth that contradicts another date is "
    "rejected: an age alone is not, since a plan still live years after the 26th birthday is the clearest "
    "breach of s46 (AGE-26-PLUS).",
    action="Correct the date of birth (or the request's received date).", source=OURS, tables="person")
AGE_26_PLUS = check(
    "AGE-26-PLUS", QUERY,
    "Aged 26 or over with a plan: at the as-at date when a plan is live, or when the last plan ceased. If the "
    "date of birth is right the plan is (or was) maintained beyond the limit in CFA s46 / SEND Regulations "
    "reg 46, which no branch of reg 46 allows: the person and the plan are evaluated (see PLAN-CEASE-25) and "
    "this query sits beside the finding.",
    action="Check the date of birth; if it is right, cease the plan lawfully (notice and appeal rights) now.",
    source="D2I Annex A SEND check 102b; CFA 2014 s46; SEND Regulations 2014 reg 46", tables="person",
    annex_a="Aged 26 or over")
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


PENDING_REVIEW = (" The meeting is treated as a review awaiting its decision (REVIEW-DECISION-4W); LastReview still "
                  "restarts the 12-month clock.")


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
        why = PENDING_REVIEW if (table, later) == ("active_plan", "last_review") else ""
        run.flag(kind, table, bad, later,
                 lambda p, v, a=a, earlier=earlier, later=later, why=why:
                 f"{later} {fmt(v)} is before {earlier} {fmt(a.iloc[p])}.{why}", b)
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


def _per_person(run: Run, table: str, col: str, reduce) -> np.ndarray:
    """For each person row: ``reduce`` (np.minimum or np.maximum) of a date column of ``table`` (request, or a
    table keyed by request_id) over the person's rows of it (NaT where they have none)."""
    n_people = len(run.factor("person", "person_id")[1])
    fill = np.iinfo(np.int64).max if reduce is np.minimum else np.iinfo(np.int64).min
    out = np.full(n_people, fill, dtype=np.int64)
    if run.present(table) and run.present("request"):
        p_code, _ = run.link("request", "person_id", "person", "person_id")
        if table == "request":
            who = p_code
        else:
            _, req_pos = run.link(table, "request_id", "request", "request_id")
            who = np.where(req_pos >= 0, p_code[np.maximum(req_pos, 0)], -1)
        dates = run.frames[table][col].to_numpy(dtype="datetime64[ns]")
        known = (who >= 0) & ~np.isnat(dates)
        reduce.at(out, who[known], dates.view(np.int64)[known])
    codes = run.factor("person", "person_id")[0]
    values = np.full(len(run.frames["person"]), np.datetime64("NaT"), dtype="datetime64[ns]")
    has = codes >= 0
    found = np.zeros(len(values), dtype=bool)
    found[has] = out[codes[has]] != fill
    values[found] = out[codes[found]].view("datetime64[ns]")
    return values


def ages(run: Run) -> None:
    """Ages that cannot be right, and ages past the end of the SEND system.

    A person is judged at the as-at date when any of their plans is live, at their latest cease date when every
    plan has ceased, at their latest request when they have no plan. Aged 26 or over there with a plan is
    evidence of a breach (s46, reg 46), so it is a query and the record goes on to the rules (AGE-26-PLUS); only a
    date of birth that contradicts the record is an error (AGE-IMPLAUSIBLE)."""
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
    as_at = np.datetime64(run.as_at.to_datetime64(), "ns")
    first_request = _per_person(run, "request", "received_date", np.minimum)
    last_request = _per_person(run, "request", "received_date", np.maximum)
    last_cease = _per_person(run, "named_plan", "cease_date", np.maximum)
    has_plan, has_live = _plans_per_person(run)
    has_request = ~np.isnat(last_request) | _has_rows(run, "request")
    ref = np.full(len(person), as_at, dtype="datetime64[ns]")
    ceased = has_plan & ~has_live & ~np.isnat(last_cease)
    ref[ceased] = np.minimum(last_cease[ceased], as_at)
    asked = ~has_plan & ~np.isnat(last_request)
    ref[asked] = np.minimum(last_request[asked], as_at)
    ref = pd.Series(ref, index=person.index, dtype="datetime64[ns]")
    years = age(birth, ref)
    at_first = age(birth, pd.Series(first_request, index=person.index, dtype="datetime64[ns]"))
    run.flag(AGE_NEGATIVE, "person", (years < 0).fillna(False).to_numpy(), "birth_date",
             lambda p, v: f"birth_date {fmt(v)} is after the as-at date {run.as_at.strftime('%Y-%m-%d')}.", birth)
    asked_too_old = (at_first >= 26).fillna(False).to_numpy()
    alone = ~has_plan & ~has_request & (years >= 26).fillna(False).to_numpy()
    implausible = asked_too_old | alone
    run.flag(AGE_IMPLAUSIBLE, "person", implausible, "birth_date",
             lambda p, v: (f"birth_date {fmt(v)} makes this person {int(at_first.iloc[p])} when their first request "
                           f"was received ({fmt(first_request[p])}): a request cannot be about someone aged 26 or "
                           "over, so the date of birth (or the received date) is wrong."
                           if asked_too_old[p] else
                           f"birth_date {fmt(v)} makes this person {int(years.iloc[p])} on {fmt(ref.iloc[p])}, and "
                           "they have no request or plan: outside the 0-25 SEND system."), birth)
    over = (years >= 26).fillna(False).to_numpy() & ~implausible & has_plan
    run.flag(AGE_26_PLUS, "person", over, "birth_date",
             lambda p, v: (f"birth_date {fmt(v)} makes this person {int(years.iloc[p])} on {fmt(ref.iloc[p])} "
                           + ("with a live plan: if the date of birth is right, the plan is maintained"
                              if has_live[p] else "when their last plan ceased: if the date of birth is right, the "
                              "plan was maintained")
                           + " beyond the limit in CFA s46 / SEND Regulations reg 46 (see PLAN-CEASE-25)."), birth)
    run.flag(AGE_25, "person", (years == 25).fillna(False).to_numpy(), "birth_date",
             lambda p, v: f"birth_date {fmt(v)} makes this person 25 on {fmt(ref.iloc[p])}; the plan should end "
                          "at the end of this academic year.", birth)


def _plans_per_person(run: Run) -> tuple[np.ndarray, np.ndarray]:
    """(has a plan, has a plan not ceased) for each person row."""
    n = len(run.frames["person"])
    if not (run.present("named_plan") and run.present("request")):
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    _, req_pos = run.link("named_plan", "request_id", "request", "request_id")
    p_code, _ = run.link("request", "person_id", "person", "person_id")
    plan_person = np.where(req_pos >= 0, p_code[np.maximum(req_pos, 0)], -1)
    n_people = len(run.factor("person", "person_id")[1])
    known = plan_person >= 0
    open_plan = run.frames["named_plan"]["cease_date"].isna().to_numpy()
    plans = np.bincount(plan_person[known], minlength=n_people)
    live = np.bincount(plan_person[known], weights=open_plan[known], minlength=n_people)
    codes = run.factor("person", "person_id")[0]
    has = codes >= 0
    has_plan, has_live = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    has_plan[has] = plans[codes[has]] > 0
    has_live[has] = live[codes[has]] > 0
    return has_plan, has_live


def _has_rows(run: Run, table: str) -> np.ndarray:
    """For each person row: whether ``table`` (request) has a row naming them."""
    n = len(run.frames["person"])
    if not run.present(table):
        return np.zeros(n, dtype=bool)
    p_code, _ = run.link(table, "person_id", "person", "person_id")
    n_people = len(run.factor("person", "person_id")[1])
    counts = np.bincount(p_code[p_code >= 0], minlength=n_people)
    codes = run.factor("person", "person_id")[0]
    out = np.zeros(n, dtype=bool)
    out[codes >= 0] = counts[codes[codes >= 0]] > 0
    return out
