"""A synthetic RunResult for the report tests: the engine's contract, without the engine.

``make_result`` builds people, plans, schools and findings the way the engine will hand them over
(FINDING_COLUMNS, datetime64 dates, Int64 days late) with every status and several families, so each report
has something in each of its sections. ``hostile=True`` puts formula-like and markup-like text in every free
text field the reports show.
"""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

import pandas as pd

from checker.dataset import ISSUE_COLUMNS, Dataset
from checker.model import empty_frame
from checker.result import FINDING_COLUMNS, RunResult

AS_AT = dt.date(2025, 11, 28)
HOSTILE = ['=HYPERLINK("http://x.test","click")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1",
           "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


def rule(id, title, family, strength="must", severity="breach", applies_to="request", source=None, action=""):
    return SimpleNamespace(id=id, title=title, family=family, strength=strength, owed_by="local authority",
                           description=f"{title}.", source=source or ["SEND Regulations 2014, reg 13(2)"],
                           action=action or "Act now and record the date.", severity=severity,
                           applies_to=applies_to)


RULES = [
    rule("EHC-DECISION-6W", "Decision whether to assess within 6 weeks", "assessment",
         source=["SEND Regulations 2014, reg 4(1), 5(1)", "SEND Code of Practice 2015, para 9.14"]),
    rule("EHC-FINAL-20W", "Final EHC plan issued within 20 weeks of the request", "assessment",
         source=["SEND Regulations 2014, reg 13(2)-(3)", "SEND Code of Practice 2015, para 9.40-9.42"]),
    rule("ADVICE-6W-OTHERS", "Advice from non-s31 advisers within 6 weeks", "assessment", strength="should",
         source=["SEND Code of Practice 2015, ch.9"]),
    rule("REVIEW-12M", "Plan reviewed within 12 months", "reviews", applies_to="active_plan",
         source=["Children and Families Act 2014, s44(1)", "SEND Regulations 2014, reg 18"]),
    rule("PHASE-15FEB", "Phase transfer plan amended by 15 February", "phase_transfer", applies_to="active_plan",
         source=["SEND Regulations 2014, reg 18(1)(a)"]),
    rule("SCH-SENCO-DESIGNATE", "School has a SENCO", "schools", applies_to="school",
         source=["Children and Families Act 2014, s67(2)"]),
    rule("SCH-SEN-INFO-REPORT", "SEN information report published in the last 12 months", "schools",
         applies_to="school", source=["SEND Regulations 2014, reg 51", "SEND Code of Practice 2015, para 6.79"]),
    rule("SCH-ACCESS-PLAN", "Accessibility plan covers the current 3 years", "schools", applies_to="school",
         source=["Equality Act 2010, Sch 10 para 3"]),
]

SCHOOLS = [("100001", "Oak Primary School", "mainstream"), ("100002", "Elm Academy", "mainstream"),
           ("100003", "Birch Special School", "special")]
NEEDS = ["ASD", "SEMH", "SLCN", "MLD", "SPLD"]


def _ts(d):
    return pd.NaT if d is None else pd.Timestamp(d)


def make_result(n_people: int = 60, seed: int = 1, hostile: bool = False, n_findings: int | None = None) -> RunResult:
    rnd = random.Random(seed)
    people, requests, assessments, named, active, placements, needs = [], [], [], [], [], [], []
    findings = []
    teams = ["East", "West"] if not hostile else ["East", HOSTILE[0]]
    workers = ["A. Khan", "B. Jones", "C. Smith"] if not hostile else ["A. Khan", HOSTILE[1], HOSTILE[6]]

    def add(rule_id, table, record_id, person, status, clock_start, due, stopped=None, days_late=None, urn=None,
            exception="", message="", team="", caseworker=""):
        r = next(r for r in RULES if r.id == rule_id)
        findings.append({
            "rule_id": rule_id, "table": table, "record_id": record_id,
            "person_id": person["person_id"] if person else None, "upn": person["upn"] if person else None,
            "status": status, "clock_start": _ts(clock_start), "due_date": _ts(due), "stopped_date": _ts(stopped),
            "days_late": days_late, "exception": exception, "team": team, "caseworker": caseworker,
            "source": f"extract.xlsx, sheet \"Requests\", row {len(findings) + 2}", "message": message,
            "family": r.family, "strength": r.strength, "severity": r.severity, "title": r.title, "urn": urn,
            "note": "",
        })

    for i in range(n_people):
        pid = f"P{i:04d}"
        rid = f"R{i:04d}"
        birth = dt.date(2008, 1, 1) + dt.timedelta(days=rnd.randrange(0, 365 * 14))
        surname = HOSTILE[(i % len(HOSTILE))] if hostile and i % 3 == 0 else f"Surname{i:04d}x"
        person = {"person_id": pid, "surname": surname, "forename": f"Forename{i:04d}q", "birth_date": _ts(birth),
                  "postcode": f"ZZ{i % 90 + 10} 9Q{chr(65 + i % 26)}", "upn": f"A{800000000000 + i:012d}",
                  "uln": f"{9000000000 + i}", "team": teams[i % 2], "caseworker": workers[i % 3],
                  "_file": "extract.xlsx", "_sheet": "People", "_row": i + 2}
        people.append(person)
        received = AS_AT - dt.timedelta(days=rnd.randrange(30, 700))
        issued = received + dt.timedelta(days=rnd.randrange(90, 220))
        urn = SCHOOLS[i % 3][0]
        requests.append({"request_id": rid, "person_id": pid, "received_date": _ts(received), "team": person["team"],
                         "caseworker": person["caseworker"], "_file": "extract.xlsx", "_sheet": "Requests",
                         "_row": i + 2})
        has_plan = issued <= AS_AT
        assessments.append({"request_id": rid, "assessment_outcome": "Y" if has_plan else None,
                            "assessment_outcome_date": _ts(issued if has_plan else None),
                            "week20": "1" if i % 11 == 0 else "0",
                            "_file": "extract.xlsx", "_sheet": "Requests", "_row": i + 2})
        own = dict(team=person["team"], caseworker=person["caseworker"])
        decision = received + dt.timedelta(days=rnd.randrange(20, 60))
        due6 = received + dt.timedelta(weeks=6)
        add("EHC-DECISION-6W", "request", rid, person, "compliant" if decision <= due6 else "late", received, due6,
            decision, (decision - due6).days, urn, **own)
        due20 = received + dt.timedelta(weeks=20)
        if has_plan:
            status = "excepted" if i % 11 == 0 else ("compliant" if issued <= due20 else "late")
            add("EHC-FINAL-20W", "assessment", rid, person, status, received, due20, issued, (issued - due20).days,
                urn, exception="reg 10(4)(c)" if status == "excepted" else "", **own)
            named.append({"request_id": rid, "start_date": _ts(issued) if i % 7 else pd.NaT,
                          "_file": "extract.xlsx", "_sheet": "Plans", "_row": i + 2})
            last_review = issued + dt.timedelta(days=rnd.randrange(300, 420)) if i % 4 else None
            if last_review and last_review > AS_AT:
                last_review = None
            active.append({"request_id": rid, "last_review": _ts(last_review), "_file": "extract.xlsx",
                           "_sheet": "Plans", "_row": i + 2})
            if i % 9:
                placements.append({"request_id": rid, "urn": urn, "placement_rank": "1",
                                   "entry_date": _ts(issued), "_file": "extract.xlsx", "_sheet": "Plans",
                                   "_row": i + 2})
            elif i % 2:
                placements.append({"request_id": rid, "sen_setting": "EHE", "placement_rank": "1",
                                   "entry_date": _ts(issued), "_file": "extract.xlsx", "_sheet": "Plans",
                                   "_row": i + 2})
            needs.append({"request_id": rid, "sen_type": NEEDS[i % 5], "sen_type_rank": "1", "_file": "extract.xlsx",
                          "_sheet": "Plans", "_row": i + 2})
            anchor = last_review or issued
            due_review = anchor + dt.timedelta(days=365)
            if due_review < AS_AT:
                status, late = "overdue", (AS_AT - due_review).days
            elif due_review <= AS_AT + dt.timedelta(days=28):
                status, late = "due_soon", None
            else:
                status, late = "pending", None
            add("REVIEW-12M", "active_plan", rid, person, status, anchor, due_review, None, late, urn, **own)
        else:
            status = "overdue" if due20 < AS_AT else ("due_soon" if due20 <= AS_AT + dt.timedelta(days=28)
                                                      else "pending")
            add("EHC-FINAL-20W", "assessment", rid, person, status, received, due20, None,
                (AS_AT - due20).days if status == "overdue" else None, urn, **own)
        if i % 5 == 0:
            add("ADVICE-6W-OTHERS", "advice", rid, person, "late", received, received + dt.timedelta(weeks=6),
                received + dt.timedelta(weeks=8), 14, urn, message=HOSTILE[2] if hostile else "", **own)
        if i % 13 == 0:
            add("EHC-FINAL-20W", "assessment", rid + "-X", person, "insufficient_data", None, None, None, None, urn,
                message="No request date", **own)
    for n, (urn, _name, _kind) in enumerate(SCHOOLS):
        add("SCH-SENCO-DESIGNATE", "school", urn, None, "compliant" if n != 1 else "overdue", None, None, None, None,
            urn)
        add("SCH-SEN-INFO-REPORT", "school", urn, None, "late" if n == 2 else "compliant", None, None, None, None, urn)
        add("SCH-ACCESS-PLAN", "school", urn, None, "compliant", None, None, None, None, urn)
    frame = pd.DataFrame(findings, columns=FINDING_COLUMNS)
    if n_findings is not None:
        reps = -(-n_findings // len(frame))
        frame = pd.concat([frame] * reps, ignore_index=True).iloc[:n_findings]
    for col in ("clock_start", "due_date", "stopped_date"):
        frame[col] = pd.to_datetime(frame[col])
    frame["days_late"] = frame["days_late"].astype("Int64")

    ds = Dataset()
    for name, rows in (("person", people), ("request", requests), ("assessment", assessments),
                       ("named_plan", named), ("active_plan", active), ("placement", placements),
                       ("sen_need", needs)):
        base = empty_frame(name)
        df = pd.DataFrame(rows)
        for col in base.columns:
            if col in df.columns and str(base[col].dtype).startswith("datetime"):
                df[col] = pd.to_datetime(df[col])
        ds.add(name, df)
    ds.add("school", pd.DataFrame([{"urn": u, "school_name": n, "school_type": k, "_file": "schools.csv",
                                    "_sheet": "", "_row": j + 2} for j, (u, n, k) in enumerate(SCHOOLS)]))
    issue_rows = [
        {"issue_id": "DATE-NOT-A-DATE", "severity": "error", "table": "request", "record_id": "R0003",
         "file": "extract.xlsx", "sheet": "Requests", "row": 5, "column": "Date Received",
         "value": HOSTILE[0] if hostile else "31/02/2025",
         "message": 'extract.xlsx, sheet "Requests", row 5, column "Date Received": "31/02/2025" is not a date.'},
        {"issue_id": "CODE-UNKNOWN", "severity": "query", "table": "sen_need", "record_id": "R0004",
         "file": "extract.xlsx", "sheet": "Plans", "row": 6, "column": "Primary need", "value": "AUT",
         "message": 'extract.xlsx, sheet "Plans", row 6, column "Primary need": "AUT" is not a known need code.'},
    ]
    issues = pd.DataFrame(issue_rows, columns=ISSUE_COLUMNS)
    accounting = pd.DataFrame([{"table": "request", "rows_read": n_people, "rows_evaluated": n_people - 1,
                                "rows_rejected": 1, "rejected_by_reason": "DATE-NOT-A-DATE: 1"}])
    return RunResult(as_at=AS_AT, findings=frame, issues=issues, rules=list(RULES), dataset=ds,
                     accounting=accounting, settings={}, inputs=["extract.xlsx", "schools.csv"])


def personal_values(result: RunResult) -> list[str]:
    """Every personal value in the input, as text a report might print it (for leak scans)."""
    from checker.model import PERSONAL_FIELDS

    values = set()
    for frame in result.dataset.tables.values():
        for col in PERSONAL_FIELDS:
            if col in frame.columns:
                for v in frame[col].dropna():
                    if isinstance(v, pd.Timestamp):
                        values.update({v.strftime("%d/%m/%Y"), v.strftime("%Y-%m-%d"), f"{v.day} {v:%B %Y}"})
                    else:
                        values.add(str(v))
    return sorted(v for v in values if v)


def test_synthetic_result_has_every_status():
    result = make_result()
    assert set(result.findings.columns) == set(FINDING_COLUMNS)
    assert {"compliant", "late", "overdue", "due_soon", "pending", "excepted", "insufficient_data"} <= set(
        result.findings["status"])
