"""What the inspection's Annex A list needs of every EHC plan in force: a primary need, a current setting and
the date the plan was made.

A plan is in force at the as-at date when the request has a named or active plan and no named plan that
ceased on or before that date. These checks look only at the rows the compliance rules will evaluate (run
after the cascade), because the Annex A list is built from them; each raises its query on the plan's own
row (the active plan, else the named plan). When the input carries no types of need, or no placements, at
all, one query says so for the whole table instead of one per plan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import QUERY
from .collector import Run
from .registry import ANNEX_A, check

PRIMARY_NEED_MISSING = check(
    "PRIMARY-NEED-MISSING", QUERY,
    "An EHC plan in force has no type of need recorded (none that can be evaluated), so it has no primary need "
    "(needs recorded without a rank 1 are SEN-NEED-NO-PRIMARY). Once for the sen_need table when the input has "
    "no types of need at all.",
    action="Record the child's types of need, ranking the primary one 1.", source=f"{ANNEX_A}; SEN2 item 5.8",
    tables="active_plan, named_plan, sen_need", annex_a="No primary need")
PLACEMENT_MISSING = check(
    "PLACEMENT-MISSING", QUERY,
    "An EHC plan in force has no current placement (none recorded, or every one left on or before the as-at "
    "date), so the Annex A list has no establishment for the child. Once for the placement table when the input "
    "has no placements at all.",
    action="Record where the child is educated now (URN, UKPRN or setting type) and since when.",
    source=f"{ANNEX_A}; SEN2 item 5.7", tables="active_plan, named_plan, placement",
    annex_a="No establishment recorded")
PLAN_DATE_MISSING = check(
    "PLAN-DATE-MISSING", QUERY,
    "An EHC plan in force has no date it was made: neither the named plan's start date nor the date of the "
    "decision to issue it.",
    action="Record the date the final plan was issued (named plan StartDate).", source=f"{ANNEX_A}; SEN2 item 4.1",
    tables="active_plan, named_plan", annex_a="No initial plan date")


def _evaluated(run: Run, table: str) -> np.ndarray:
    return ~run.errors[table]


def plans_in_force(run: Run) -> dict[str, np.ndarray]:
    """For active_plan and named_plan, True on the one row that stands for each plan in force (the active
    plan's row if it has one, else the named plan's), among the rows that are evaluated."""
    ceased = pd.Series([], dtype=object)
    if run.present("named_plan"):
        plan = run.frames["named_plan"]
        gone = _evaluated(run, "named_plan") & (plan["cease_date"] <= run.as_at).fillna(False).to_numpy()
        ceased = plan["request_id"][gone]
    rows: dict[str, np.ndarray] = {}
    taken = ceased
    for table in ("active_plan", "named_plan"):
        if not run.present(table):
            continue
        ids = run.frames[table]["request_id"]
        codes, _ = run.factor(table, "request_id")
        candidates = np.flatnonzero(_evaluated(run, table) & (codes >= 0))
        first = np.zeros(len(ids), dtype=bool)
        first[candidates[np.unique(codes[candidates], return_index=True)[1]]] = True
        first &= ~ids.isin(taken).to_numpy()
        rows[table] = first
        taken = pd.concat([taken, ids[first]], ignore_index=True)
    return rows


def _held(run: Run, table: str, request_ids: pd.Series, mask: np.ndarray | None = None) -> np.ndarray:
    """True for each of ``request_ids`` that has an evaluated row in ``table`` (where ``mask`` is True)."""
    if not run.present(table):
        return np.zeros(len(request_ids), dtype=bool)
    ok = _evaluated(run, table) if mask is None else _evaluated(run, table) & mask
    return request_ids.isin(run.frames[table]["request_id"][ok]).to_numpy()


def plan_checks(run: Run) -> None:
    rows = plans_in_force(run)
    total = int(sum(int(r.sum()) for r in rows.values()))
    if not total:
        return
    for table, mask in rows.items():
        _plan_date(run, table, mask)
    for kind, table in ((PRIMARY_NEED_MISSING, "sen_need"), (PLACEMENT_MISSING, "placement")):
        if not run.present(table):
            what, lacking = (("types of need", "a primary need") if table == "sen_need" else
                             ("placements", "a current setting"))
            run.table_issue(kind, table, f"no {what} are given, so none of the {total:,} EHC plans in force has "
                                          f"{lacking}.")
            continue
        current = None
        if table == "placement":
            leaving = run.frames["placement"]["leaving_date"]
            current = (leaving.isna() | (leaving > run.as_at)).to_numpy()
        text = ("no type of need is recorded for this plan in force (none that can be evaluated)."
                if table == "sen_need" else
                "this plan in force has no current placement (none recorded, or every one has left).")
        for plan_table, mask in rows.items():
            missing = mask & ~_held(run, table, run.frames[plan_table]["request_id"], current)
            run.flag(kind, plan_table, missing, "request_id", lambda p, v, text=text: text)


def _plan_date(run: Run, table: str, mask: np.ndarray) -> None:
    """The date a plan was made: the named plan's start date, else the date of the decision to issue it."""
    known = np.zeros(len(run.frames[table]), dtype=bool)
    if table == "named_plan":
        known |= run.frames[table]["start_date"].notna().to_numpy()
    elif run.present("named_plan"):
        known |= run.lookup(table, "named_plan", "start_date").notna().to_numpy()
    if run.present("assessment"):
        known |= run.lookup(table, "assessment", "assessment_outcome_date").notna().to_numpy()
    run.flag(PLAN_DATE_MISSING, table, mask & ~known, "request_id",
             lambda p, v: "this plan in force has no start date and no date of the decision to issue it.")
