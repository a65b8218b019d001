"""The SEN2 guide's conditional rules (G1-G9): what must be recorded, or must not be, given what else is.

G1-G9 are the conditional rules as listed in the SEN2 reference (A.5). DfE's own numbered validation rules
were not available, so no DfE rule numbers are quoted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import ERROR, QUERY
from .collector import Run
from .registry import GUIDE, check
from .vectors import age, blank, first_positions, fmt, take

RECEIVED_DATE_MISSING = check(
    "RECEIVED-DATE-MISSING", ERROR,
    "G1: the request has an outcome other than H (historical) but no date received, so no statutory clock can "
    "start.",
    action="Record the date the request was received; if it is a historical request, record outcome H.",
    source=f"{GUIDE} item 2.1 (ReceivedDate not required only when RequestOutcome = H)", tables="request")
REQUEST_OUTCOME_DATE_MISSING = check(
    "REQUEST-OUTCOME-DATE-MISSING", ERROR, "G2: the decision whether to assess is Y or N but its date is blank.",
    action="Record the date the decision whether to assess was sent to the family.",
    source=f"{GUIDE} items 2.4-2.5 (not required when the outcome is A, W or H)", tables="request")
ASSESSMENT_OUTCOME_DATE_MISSING = check(
    "ASSESSMENT-OUTCOME-DATE-MISSING", ERROR, "G5: the decision whether to issue a plan is Y or N but its date is "
                                              "blank.",
    action="Record the date the decision whether to issue a plan was made.",
    source=f"{GUIDE} item 3.2 (required when AssessmentOutcome is Y or N)", tables="assessment")
SETTING_NOT_ONE = check(
    "SETTING-NOT-ONE", ERROR,
    "G6: a plan setting or placement names no setting at all (no URN, UKPRN or SEN setting type), or gives a "
    "setting type as well as a URN or UKPRN, so it cannot be told whether the child has a place. A URN with a "
    "UKPRN is fine (academies and colleges have both): the URN, which names the establishment, is the one "
    "the rules and reports use.",
    action="Record the school's URN (and the provider's UKPRN if the system holds it), or the setting type when "
           "there is neither.", source=f"{GUIDE} items 4.7a-c and 5.7a-c (complete only one)",
    tables="plan_detail, placement")
REQUEST_UNDECIDED_HAS_ASSESSMENT = check(
    "REQUEST-UNDECIDED-HAS-ASSESSMENT", QUERY,
    "G2: the decision whether to assess is N, A or W, yet the assessment records an outcome.",
    action="Check the request's outcome: if the LA did assess, record Y.",
    source=f"{GUIDE} item 2.5 (if A, W or H nothing further is required)", tables="assessment")
EXPORTED_HAS_LATER_DATA = check(
    "EXPORTED-HAS-LATER-DATA", QUERY,
    "G3: the request was exported to another LA, yet a plan or active plan is recorded here.",
    action="Check whether the child moved before the plan was made; if so, the plan belongs to the new LA.",
    source=f"{GUIDE} item 2.8", tables="named_plan, active_plan")
ASSESSMENT_UNDECIDED_HAS_PLAN = check(
    "ASSESSMENT-UNDECIDED-HAS-PLAN", QUERY,
    "G4: the decision whether to issue a plan is A or W, yet a plan or active plan is recorded.",
    action="Check the assessment's outcome: if a plan was issued, record Y and its date.",
    source=f"{GUIDE} item 3.1 (if A or W nothing further in this or later modules)",
    tables="named_plan, active_plan")
SETTING_OTHER_DETAIL_MISSING = check(
    "SETTING-OTHER-DETAIL-MISSING", QUERY,
    "G7: SEN setting is OTH or NIEO but no detail (SENSettingOther) is given.",
    action="Describe the setting in SENSettingOther.", source=f"{GUIDE} item 5.7c(i)",
    tables="plan_detail, placement")
ATTENDANCE_PATTERN_MISSING = check(
    "ATTENDANCE-PATTERN-MISSING", QUERY,
    "G8 (2023 returns only): no attendance pattern for a placement of a child of compulsory school age.",
    action="Record whether the placement is full time (FT) or part time (PT).", source=f"{GUIDE} 2023 item 5.5g",
    tables="placement")
SEN_NEED_NO_PRIMARY = check(
    "SEN-NEED-NO-PRIMARY", QUERY, "Types of need are recorded but none is ranked 1 (primary).",
    action="Rank the child's primary type of need 1.", source="SEN2 technical specification (SENneed: one with "
                                                               "rank 1)",
    tables="sen_need", annex_a="No primary need")
OTHER_CODE_FREQUENT = check(
    "OTHER-CODE-FREQUENT", QUERY,
    "G9: an 'other' code (RequestSource 5, CeaseReason 9, SEN setting OTH/NIEO) is used for more than 10% of at "
    "least 20 coded rows; COLLECT queries this.",
    action="Use a specific code where one fits; COLLECT will ask for an explanation otherwise.",
    source=f"{GUIDE} code notes (COLLECT query)")

OTHER_CODES = (("request", "request_source", ("5",)), ("named_plan", "cease_reason", ("9",)),
               ("plan_detail", "sen_setting", ("OTH",)), ("placement", "sen_setting", ("OTH", "NIEO")))
OTHER_SHARE, OTHER_MIN_ROWS = 0.10, 20


def conditional(run: Run) -> None:
    """The SEN2 guide's conditional rules G1-G8."""
    if "request" in run.frames:
        req = run.frames["request"]
        outcome = req["request_outcome"]
        # G1: received date needed unless historical (H) or the outcome itself is unknown.
        unread = run.reader_rejected["request"]  # a cell the reader could not read is reported there, not here
        g1 = blank(req["received_date"]) & ~run.blank("request", "request_outcome") & (outcome != "H").to_numpy() \
            & ~unread
        run.flag(RECEIVED_DATE_MISSING, "request", g1, "received_date",
                 lambda p, v: f'received_date is blank but the request outcome is "{fmt(v)}"; only historical '
                              '(H) requests may leave it blank.', outcome)
        g2 = blank(req["request_outcome_date"]) & outcome.isin(["Y", "N"]).to_numpy() & ~unread
        run.flag(REQUEST_OUTCOME_DATE_MISSING, "request", g2, "request_outcome_date",
                 lambda p, v: f'request_outcome_date is blank but the decision whether to assess is "{fmt(v)}".',
                 outcome)
    if "assessment" in run.frames:
        ass = run.frames["assessment"]
        outcome = ass["assessment_outcome"]
        g5 = blank(ass["assessment_outcome_date"]) & outcome.isin(["Y", "N"]).to_numpy() \
            & ~run.reader_rejected["assessment"]
        run.flag(ASSESSMENT_OUTCOME_DATE_MISSING, "assessment", g5, "assessment_outcome_date",
                 lambda p, v: f'assessment_outcome_date is blank but the decision whether to issue a plan is '
                              f'"{fmt(v)}".', outcome)
        if run.present("request"):
            req_outcome = run.lookup("assessment", "request", "request_outcome")
            g2b = ~run.blank("assessment", "assessment_outcome") & req_outcome.isin(["N", "A", "W"]).to_numpy()
            run.flag(REQUEST_UNDECIDED_HAS_ASSESSMENT, "assessment", g2b, "assessment_outcome",
                     lambda p, v: f'the assessment records outcome "{fmt(outcome.iloc[p])}" but the decision '
                                  f'whether to assess is "{fmt(v)}".', req_outcome)
    for child in ("named_plan", "active_plan"):
        if child not in run.frames:
            continue
        what = child.replace("_", " ")
        if run.present("request"):
            exported = run.lookup(child, "request", "exported")
            run.flag(EXPORTED_HAS_LATER_DATA, child, ~blank(exported), "request_id",
                     lambda p, v, what=what: f'the request was exported to LA "{fmt(v)}", so the exporting LA '
                                             f'should not record a {what}.', exported)
        if run.present("assessment"):
            a_outcome = run.lookup(child, "assessment", "assessment_outcome")
            run.flag(ASSESSMENT_UNDECIDED_HAS_PLAN, child, a_outcome.isin(["A", "W"]).to_numpy(), "request_id",
                     lambda p, v, what=what: f'the decision whether to issue a plan is "{fmt(v)}", yet a {what} '
                                             "is recorded.", a_outcome)
    for name in ("plan_detail", "placement"):
        if name not in run.frames:
            continue
        frame = run.frames[name]
        # A URN and a UKPRN together name one establishment twice (GIAS and UKRLP), which the guide's "complete
        # only one" was never meant to refuse: both LIIA sample returns, and many academies, give both.
        identified = ~run.blank(name, "urn") | ~run.blank(name, "ukprn")
        typed = ~run.blank(name, "sen_setting")

        def msg(p, v, identified=identified):
            return ("no setting: give the urn (or ukprn), or the sen_setting type when there is neither."
                    if not identified[p] else
                    f'sen_setting "{fmt(v)}" is given as well as a urn or ukprn; a setting type is only for a '
                    "place with neither, so it cannot be told which is right.")
        run.flag(SETTING_NOT_ONE, name, identified == typed, "urn", msg, frame["sen_setting"])
        other = frame["sen_setting"].isin(["OTH", "NIEO"]).to_numpy() & run.blank(name, "sen_setting_other")
        run.flag(SETTING_OTHER_DETAIL_MISSING, name, other, "sen_setting_other",
                 lambda p, v: f'sen_setting is "{fmt(v)}" but sen_setting_other (the detail) is blank.',
                 frame["sen_setting"])
    _attendance_pattern(run)


def _attendance_pattern(run: Run) -> None:
    """G8: 2023 returns only; compulsory school age = aged 5-15 on the 31 August before the as-at date."""
    if str(run.dataset.header.get("Year", "")).strip() != "2023" or "placement" not in run.frames:
        return
    if not (run.present("request") and run.present("person")):
        return
    pl = run.frames["placement"]
    _, req_pos = run.link("placement", "request_id", "request", "request_id")
    _, person_pos = run.link("request", "person_id", "person", "person_id")
    pos = np.where(req_pos >= 0, person_pos[np.maximum(req_pos, 0)], -1)
    birth = take(run.frames["person"]["birth_date"], pos, pl.index)
    sept_year = run.as_at.year if run.as_at.month >= 9 else run.as_at.year - 1
    years = age(birth, pd.Series(pd.Timestamp(sept_year, 8, 31), index=pl.index))
    cs_age = ((years >= 5) & (years <= 15)).fillna(False).to_numpy()
    run.flag(ATTENDANCE_PATTERN_MISSING, "placement", cs_age & run.blank("placement", "attendance_pattern"),
             "attendance_pattern", lambda p, v: "attendance_pattern (FT/PT) is blank for a child of compulsory "
                                                "school age (2023 return).")


def sen_need(run: Run) -> None:
    if "sen_need" not in run.frames or not len(run.frames["sen_need"]):
        return
    need = run.frames["sen_need"]
    codes, uniques = run.factor("sen_need", "request_id")
    known = codes >= 0
    primary = np.zeros(len(uniques), dtype=bool)
    primary[codes[known & (need["sen_type_rank"] == "1").to_numpy()]] = True
    bad = known & ~primary[np.maximum(codes, 0)] if len(uniques) else known
    bad &= ~(run.sole_row("sen_need") & run.blank("sen_need", "sen_type_rank"))
    # One query per request: flag its first row only.
    firsts = first_positions(codes, len(uniques))
    first = np.zeros(len(need), dtype=bool)
    first[firsts[firsts >= 0]] = True
    run.flag(SEN_NEED_NO_PRIMARY, "sen_need", bad & first, "sen_type_rank",
             lambda p, v: f'request "{fmt(v)}" has types of need but none ranked 1 (primary).', need["request_id"])


def other_codes(run: Run) -> None:
    for table, col, others in OTHER_CODES:
        if table not in run.frames:
            continue
        s = run.frames[table][col]
        coded = int((~run.blank(table, col)).sum())
        used = int(s.isin(others).sum())
        if coded >= OTHER_MIN_ROWS and used > OTHER_SHARE * coded:
            run.table_issue(OTHER_CODE_FREQUENT, table,
                            f"{col} is {'/'.join(others)} (other) on {used:,} of {coded:,} rows ({used / coded:.0%}); "
                            "COLLECT will query this: use a specific code where one fits.", column=col,
                            value="/".join(others))
