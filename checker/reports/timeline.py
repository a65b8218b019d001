"""A child's statutory timeline: every recorded event and every deadline of one child, in date order.

The chronology a complaint, a Local Government and Social Care Ombudsman enquiry or a tribunal bundle needs:
what the record says happened (each date with the file, sheet, row and column it came from), what the law
required and by when (each finding of the run for that child, with its status, its clock and its citation),
and what in the record could not be relied on (the data issues on the child's rows, beside the events they
concern). "Today" is the run's as-at date; deadlines still to come follow it.

Nothing here decides anything about the law: the deadlines are the run's own findings, so a timeline can never
disagree with findings.csv or the manager report. The events come from the canonical tables *as read* (every
row, including one a data error kept from being checked, because the bundle must show what the record says).

:func:`build` makes the :class:`Timeline`; :mod:`checker.reports.timeline_output` renders it as text, HTML or
CSV. ``sendcheck timeline`` and the web app's timeline page both call these two.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

import pandas as pd

from ..dataset import Dataset
from ..engine.explain import match_records
from ..model import DATE, TABLES
from ..result import counts

EVENT, DEADLINE, TODAY, ISSUE = "event", "deadline", "today", "data_issue"

# What each recorded date means, in the words a chronology uses. A date field not named here still appears,
# under its data-dictionary description (so a field added to the model is never silently left out).
EVENT_WORDS: dict[tuple[str, str], str] = {
    ("request", "received_date"): "Request for an EHC needs assessment received",
    ("request", "request_outcome_date"): "Decision whether to assess notified",
    ("request", "mediation_requested_date"): "Mediation requested",
    ("request", "mediation_declined_date"): "Mediation adviser told that mediation is not wanted",
    ("request", "mediation_held_date"): "Mediation held",
    ("request", "mediation_certificate_date"): "Mediation certificate issued",
    ("assessment", "assessment_outcome_date"): "Outcome of the assessment notified",  # worded by the outcome below
    ("assessment", "exception_start"): "20-week time limit exception began",
    ("assessment", "exception_end"): "20-week time limit exception ended",
    ("assessment", "draft_plan_date"): "Draft EHC plan sent",
    ("assessment", "draft_response_date"): "Response to the draft EHC plan received",
    ("named_plan", "start_date"): "EHC plan start date",
    ("named_plan", "cease_consultation_date"): "Consulted about ceasing the EHC plan",
    ("named_plan", "cease_notice_date"): "Notice of the decision to cease the EHC plan sent",
    ("named_plan", "cease_appeal_date"): "Appeal against ceasing the EHC plan lodged",
    ("named_plan", "cease_appeal_decided_date"): "Appeal against ceasing decided or withdrawn",
    ("named_plan", "cease_date"): "EHC plan ceased",
    ("named_plan", "move_date"): "Moved to another local authority's area",
    ("named_plan", "move_known_date"): "This authority became aware of the move",
    ("named_plan", "transfer_out_date"): "EHC plan transferred to the new authority",
    ("active_plan", "review_meeting"): "Annual review meeting held",
    ("active_plan", "last_review"): "Decision after the annual review notified",
    ("active_plan", "review_draft"): "Amendment notice (draft amended plan) sent after the review",
    ("active_plan", "phase_transfer_due_date"): "Phase transfer: amended plan due by (as recorded)",
    ("active_plan", "phase_transfer_final_date"): "Phase transfer: final amended EHC plan issued",
    ("active_plan", "transfer_in_date"): "EHC plan transferred in from another authority",
    ("active_plan", "transfer_notice_date"): "Notice that the EHC plan has transferred (reg 15(4))",
    ("active_plan", "post16_transfer_date"): "Planned move between post-16 institutions",
    ("placement", "entry_date"): "Placement started",
    ("placement", "leaving_date"): "Placement ended",
    ("review", "meeting_date"): "Annual review meeting held",
    ("review", "invitations_sent_date"): "Review invitations and advice requests sent",
    ("review", "advice_circulated_date"): "Advice circulated to those invited to the review",
    ("review", "report_sent_date"): "Review report sent",
    ("review", "decision_date"): "Decision after the annual review notified",
    ("review", "amendment_notice_date"): "Amendment notice (draft amended plan) sent after the review",
    ("review", "final_amended_date"): "Final amended EHC plan issued",
    ("advice", "requested_date"): "Advice requested",
    ("advice", "received_date"): "Advice received",
    ("personal_budget", "pb_requested_date"): "Personal budget requested",
    ("personal_budget", "pb_prepared_date"): "Personal budget prepared",
    ("personal_budget", "pb_refused_date"): "Personal budget refused",
    ("personal_budget", "dp_first_payment_date"): "First direct payment made",
    ("personal_budget", "dp_first_review_date"): "First direct-payment review",
    ("personal_budget", "dp_last_review_date"): "Latest direct-payment review",
    ("personal_budget", "dp_change_date"): "Direct payments reduced or stopped",
    ("personal_budget", "dp_change_notice_date"): "Notice of the change to direct payments sent",
    ("health_provision", "specified_date"): "Health provision specified in the EHC plan",
    ("health_provision", "arranged_date"): "Health provision first arranged",
    ("tribunal_order", "order_date"): "SEND Tribunal order made",
    ("tribunal_order", "notified_tribunal_date"): "Tribunal told the appeal would not be opposed",
    ("tribunal_order", "assess_notice_date"): "Notice that the authority will assess, under the order",
    ("tribunal_order", "no_plan_notice_date"): "Notice of a decision not to issue a plan, under the order",
    ("tribunal_order", "draft_date"): "Draft EHC plan sent, under the order",
    ("tribunal_order", "complied_date"): "Tribunal order complied with",
}

# Mediation and appeals SEN2 records as yes/no without a date: shown, undated, when recorded as yes.
UNDATED_FLAGS: dict[tuple[str, str], str] = {
    ("request", "request_mediation"): "Mediation held about the decision whether to assess",
    ("request", "request_tribunal"): "Appeal made against the decision whether to assess",
    ("assessment", "assessment_mediation"): "Mediation held about the decision whether to issue a plan",
    ("assessment", "assessment_tribunal"): "Appeal made against a decision not to issue a plan",
    ("assessment", "other_mediation"): "Mediation held about another appealable decision",
    ("assessment", "other_tribunal"): "Appeal made about another matter",
}

DECISION_WORDS = {"Y": "agreed to assess", "N": "refused", "A": "awaiting decision", "W": "withdrawn",
                  "H": "historical"}
ASSESSMENT_WORDS = {"Y": "Final EHC plan issued", "N": "Notice of a decision not to issue an EHC plan sent"}
REVIEW_WORDS = {"M": "maintain the plan", "A": "amend the plan", "C": "cease the plan"}
CEASE_WORDS = {"1": "reached maximum age", "2": "needs met without a plan", "3": "moved to higher education",
               "4": "paid employment", "5": "moved to another local authority", "6": "no longer wishes to engage",
               "7": "moved outside England", "8": "deceased", "9": "other"}

# Identifier columns a RECORD may name, in the order they are tried (as ``sendcheck explain`` tries them).
_PERSON_KEYS = (("person", "person_id", "person id"), ("person", "upn", "UPN"), ("person", "uln", "ULN"))
_RECORD_KEYS = (("request", "request_id", "request id"), ("named_plan", "request_id", "plan id"),
                ("active_plan", "request_id", "plan id"), ("tribunal_order", "order_id", "tribunal order id"))
_LINK = re.compile(r"https://[^\s<>\"']+")


class UnknownRecord(LookupError):
    """No child in the input has this person id, UPN, request id, plan id or record id."""


@dataclass(frozen=True)
class Source:
    """Where a date came from: the file, sheet, spreadsheet row (or XML line) and column as the council wrote it."""

    file: str
    sheet: str
    row: int | None
    column: str

    def text(self) -> str:
        parts = [self.file or "input"]
        if self.sheet:
            parts.append(f'sheet "{self.sheet}"')
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f'column "{self.column}"')
        return ", ".join(parts)


@dataclass(frozen=True)
class Issue:
    """A data issue on one of the child's rows, as data_issues.csv has it."""

    issue_id: str
    severity: str  # "error" (the record was not checked) or "query"
    message: str  # already opens with file, sheet, row and column
    source: Source


@dataclass(frozen=True)
class Deadline:
    """One finding of the run for this child: a duty's clock, its deadline and how it stands."""

    rule_id: str
    title: str
    strength: str  # must / should
    owed_by: str
    status: str  # one of checker.result.STATUSES
    clock_start: dt.date | None
    due_date: dt.date | None
    stopped_date: dt.date | None
    days_late: int | None
    exception: str
    note: str
    citation: str
    links: tuple[str, ...]
    action: str
    window: bool = False  # a "not before" rule: the date is the earliest permitted day, not a deadline


@dataclass(frozen=True)
class Entry:
    """One line of the chronology: an event the record holds, or a deadline from the findings."""

    date: dt.date | None
    kind: str  # EVENT or DEADLINE
    record: str  # the request, plan, review or order it concerns
    what: str
    detail: str = ""
    sources: tuple[Source, ...] = ()
    issues: tuple[Issue, ...] = ()
    deadline: Deadline | None = None


@dataclass
class ChildTimeline:
    person_id: str
    name: str
    upn: str
    birth_date: dt.date | None
    team: str
    caseworker: str
    records: list[str]  # the child's requests (and plans, which share the request's id)
    entries: list[Entry]  # dated, in date order
    undated: list[Entry]  # events and deadlines with no date to place them by
    other_issues: list[Issue]  # data issues on the child's rows not shown beside an event
    figures: dict  # checker.result.counts of the child's findings and issues
    as_at: dt.date = field(repr=False, default=dt.date.min)

    @property
    def past(self) -> list[Entry]:
        """Entries on or before the as-at date (an event on that day has happened by the time of the extract)."""
        return [e for e in self.entries if e.date <= self.as_at]

    @property
    def future(self) -> list[Entry]:
        return [e for e in self.entries if e.date > self.as_at]

    @property
    def heading(self) -> str:
        who = self.name or (f"person {self.person_id}" if self.person_id else "no person recorded")
        return who if not self.upn else f"{who} (UPN {self.upn})"


@dataclass
class Timeline:
    record: str  # as asked for
    matched_by: str  # "person id", "UPN", "request id", ...
    as_at: dt.date
    children: list[ChildTimeline]
    not_evaluated: dict[str, str]  # rule id -> why the run did not evaluate it
    inputs: list[str]


def from_run(result, tables: Dataset, record: str) -> Timeline:
    """The timeline of ``record`` from a finished :func:`checker.run.check` and the tables as read.

    ``tables`` is the dataset before rows with data errors were set aside (``check(..., dataset=tables)``
    leaves it whole); ``result.dataset`` holds only the rows that were checked."""
    return build(record, tables=tables, findings=result.findings, issues=result.issues, rules=result.rules,
                 as_at=result.as_at, not_evaluated=result.not_evaluated, inputs=result.inputs)


def people_for(record: str, tables: Dataset) -> tuple[list[str], str]:
    """The person ids a record names in the tables, and what it was found as ("person id", "UPN", ...).

    Tried in a fixed order and the first kind of identifier that matches wins, as ``sendcheck explain`` does.
    A request or plan with no person recorded is returned as ``"request:<id>"``."""
    record = str(record).strip()
    if not record:
        return [], ""
    for table, column, words in _PERSON_KEYS:
        frame = tables.table(table)
        values = _ids(frame[column])
        hit = frame[values.str.upper() == record.upper()] if column in ("upn", "uln") else frame[values == record]
        if len(hit):
            return _unique(_ids(hit["person_id"])), words
    for table, column, words in _RECORD_KEYS:
        frame = tables.table(table)
        hit = frame[_ids(frame[column]) == record]
        if not len(hit):
            continue
        if table == "tribunal_order":
            request_ids = _unique(_ids(hit["request_id"]))
        else:
            request_ids = [record]
        requests = tables.table("request")
        owners = requests[_ids(requests["request_id"]).isin(request_ids)]
        found = _unique(_ids(owners["person_id"]))
        known = set(_ids(owners["request_id"]))
        return found + [f"request:{r}" for r in request_ids if r and r not in known], words
    return [], ""


def build(record: str, *, tables: Dataset, findings: pd.DataFrame, issues: pd.DataFrame, rules: list,
          as_at: dt.date, not_evaluated: dict | None = None, inputs=()) -> Timeline:
    """Gather every event, deadline and data issue of the child (or children) ``record`` names.

    UnknownRecord when nothing matches. A record that names more than one child (a UPN given to two person
    ids, say) gives one timeline per child, so nothing is hidden by guessing."""
    record = str(record).strip()
    people, how = people_for(record, tables)
    if not people and len(findings):  # a record id only the findings know: a review or advice record, say
        hit = match_records(findings, record)
        people, how = _unique(_ids(hit["person_id"])), "record id in the findings"
    if not people:
        raise UnknownRecord(record)
    by_rule = {r.id: r for r in rules}
    children = [_child(p, tables, findings, issues, by_rule, as_at) for p in people]
    return Timeline(record=record, matched_by=how, as_at=as_at, children=children,
                    not_evaluated=dict(sorted((not_evaluated or {}).items())), inputs=list(inputs))


# -- one child ---------------------------------------------------------------------------------------------------

def _child(person: str, tables: Dataset, findings: pd.DataFrame, issues: pd.DataFrame, rules: dict,
           as_at: dt.date) -> ChildTimeline:
    if person.startswith("request:"):
        person_id, request_ids = "", [person.split(":", 1)[1]]
    else:
        person_id = person
        requests = tables.table("request")
        request_ids = _unique(_ids(requests.loc[_ids(requests["person_id"]) == person_id, "request_id"]))
    rows = _child_rows(tables, person_id, request_ids)
    mine = _child_findings(findings, person_id, request_ids)
    ids = {person_id, *request_ids, *(_ids(mine["record_id"]) if len(mine) else ())} - {""}
    child_issues = _child_issues(issues, rows, ids)
    events, undated = _events(rows, tables, child_issues)
    deadlines = [_deadline_entry(f, rules) for f in mine.to_dict("records")]
    beside = {id(i) for e in events for i in e.issues}
    dated = [e for e in events + deadlines if e.date is not None]
    undated += [e for e in deadlines if e.date is None]
    dated.sort(key=_order)
    person_row = rows.get("person")
    first = person_row.iloc[0] if person_row is not None and len(person_row) else {}
    owner = _owner(rows, mine)
    frame = _issue_frame(child_issues)
    figures = counts(SimpleNamespace(findings=mine, issues=frame, not_evaluated={}))
    return ChildTimeline(
        person_id=person_id,
        name=" ".join(t for t in (_text(first.get("forename")), _text(first.get("surname"))) if t),
        upn=_text(first.get("upn")), birth_date=_date(first.get("birth_date")),
        team=owner[0], caseworker=owner[1], records=request_ids, entries=dated, undated=undated,
        other_issues=[i for i in child_issues if id(i) not in beside], figures=figures, as_at=as_at)


def _child_rows(tables: Dataset, person_id: str, request_ids: list[str]) -> dict[str, pd.DataFrame]:
    """The child's rows in every canonical table, in file and row order: the person's own rows (read for the
    heading and for data issues) and every row of the child's requests. Schools are not a child's rows."""
    out = {}
    for name in TABLES:
        if name == "school":
            continue
        frame = tables.table(name)
        key, wanted = ("person_id", [person_id]) if name == "person" else ("request_id", request_ids)
        hit = frame[_ids(frame[key]).isin([w for w in wanted if w]).to_numpy()]
        if len(hit):
            out[name] = hit
    return out


def _child_findings(findings: pd.DataFrame, person_id: str, request_ids: list[str]) -> pd.DataFrame:
    if not len(findings):
        return findings
    person = _ids(findings["person_id"])
    mask = person == person_id if person_id else pd.Series(False, index=findings.index)
    if request_ids:
        record = _ids(findings["record_id"])
        base = record.str.split(r"[@/]", n=1, regex=True).str[0]  # reviews "R1@date", advice "R1/type/date"
        mask = mask | (person.eq("") & base.isin(request_ids))
    return findings[mask.to_numpy()]


def _owner(rows: dict[str, pd.DataFrame], findings: pd.DataFrame) -> tuple[str, str]:
    """The team and caseworker: from the latest request that names them, else the person's row."""
    for name in ("request", "person"):
        frame = rows.get(name)
        if frame is None:
            continue
        for _, row in frame.iloc[::-1].iterrows():
            team, worker = _text(row.get("team")), _text(row.get("caseworker"))
            if team or worker:
                return team, worker
    if len(findings):
        last = findings.iloc[-1]
        return _text(last.get("team")), _text(last.get("caseworker"))
    return "", ""


# -- events ------------------------------------------------------------------------------------------------------

def _events(rows: dict[str, pd.DataFrame], tables: Dataset, issues: list[Issue]) -> tuple[list[Entry], list[Entry]]:
    """Every date the child's rows hold, one entry per (date, record, meaning); the same fact recorded in two
    places (SEN2's latest review and a review history, say) is one entry with both sources."""
    headers = tables.source_headers
    schools = _school_names(tables)
    merged: dict[tuple, dict] = {}
    undated: list[Entry] = []
    for name, frame in rows.items():
        if name == "person":  # the date of birth heads the timeline; it is not an event
            continue
        table = TABLES[name]
        for _, row in frame.iterrows():
            record = _text(row.get("request_id")) or _text(row.get("order_id"))
            for f in table.fields:
                if f.kind == DATE:
                    when = _date(row.get(f.name))
                    if when is None:
                        continue
                    what, detail = _words(name, f.name, row, schools)
                    where = _source(row, name, f.name, headers)
                    key = (when, record, what, detail)
                    slot = merged.setdefault(key, {"sources": [], "issues": []})
                    slot["sources"].append(where)
                    slot["issues"] += [i for i in issues if _concerns(i, where, f.name) and i not in slot["issues"]]
                elif (name, f.name) in UNDATED_FLAGS and _text(row.get(f.name)) == "1":
                    where = _source(row, name, f.name, headers)
                    undated.append(Entry(None, EVENT, record, UNDATED_FLAGS[(name, f.name)],
                                         "recorded as yes, without a date", (where,),
                                         tuple(i for i in issues if _concerns(i, where, f.name))))
    events = [Entry(when, EVENT, record, what, detail, tuple(slot["sources"]), tuple(slot["issues"]))
              for (when, record, what, detail), slot in merged.items()]
    return events, undated


def _words(table: str, name: str, row, schools: dict[str, str]) -> tuple[str, str]:
    """What a date means, and the detail from its row that says more (an outcome, a reason, a setting)."""
    what = EVENT_WORDS.get((table, name)) or TABLES[table].field(name).description
    detail = ""
    if (table, name) == ("request", "request_outcome_date"):
        detail = _coded(row.get("request_outcome"), DECISION_WORDS)
    elif (table, name) == ("assessment", "assessment_outcome_date"):
        what = ASSESSMENT_WORDS.get(_text(row.get("assessment_outcome")), what)
    elif (table, name) in (("active_plan", "last_review"), ("review", "decision_date")):
        detail = _coded(row.get("review_outcome" if table == "active_plan" else "outcome"), REVIEW_WORDS)
    elif (table, name) == ("named_plan", "cease_date"):
        detail = _coded(row.get("cease_reason"), CEASE_WORDS)
    elif (table, name) == ("assessment", "exception_start"):
        detail = _text(row.get("exception_reason"))
    elif (table, name) == ("active_plan", "transfer_in_date"):
        detail = f"from {_text(row.get('transfer_la'))}" if _text(row.get("transfer_la")) else ""
    elif table == "placement":
        detail = _setting(row, schools)
    elif table == "advice":
        kind = _text(row.get("advice_type")).replace("_", " ")
        provider = _text(row.get("provider"))
        detail = " ".join(p for p in (f"{kind} advice" if kind else "", f"from {provider}" if provider else "") if p)
        if name == "received_date" and _text(row.get("exception")):
            detail += f"; exception recorded: {_text(row.get('exception'))}"
    elif table == "tribunal_order":
        kind = _text(row.get("order_type")).replace("_", " ")
        order = _text(row.get("order_id"))
        detail = "; ".join(p for p in (f"order {order}" if order else "", kind,
                                       "unopposed" if _text(row.get("unopposed")) == "1" else "") if p)
    elif table == "health_provision":
        detail = "; ".join(p for p in (_text(row.get("provision")), _text(row.get("commissioner"))) if p)
    elif (table, name) == ("personal_budget", "pb_refused_date"):
        detail = _text(row.get("pb_refusal_reason"))
    return what, detail


def _setting(row, schools: dict[str, str]) -> str:
    urn = _text(row.get("urn"))
    if urn:
        return f"{schools[urn]} (URN {urn})" if urn in schools else f"URN {urn}"
    if _text(row.get("ukprn")):
        return f"UKPRN {_text(row.get('ukprn'))}"
    from .fmt import SETTING_LABELS

    code = _text(row.get("sen_setting"))
    return SETTING_LABELS.get(code, code)


def _school_names(tables: Dataset) -> dict[str, str]:
    school = tables.table("school")
    names = school.dropna(subset=["urn", "school_name"]) if len(school) else school
    return {_text(u): _text(n) for u, n in zip(names.get("urn", []), names.get("school_name", []))}


def _coded(value, words: dict[str, str]) -> str:
    code = _text(value)
    return words.get(code, code)


def _source(row, table: str, name: str, headers: dict) -> Source:
    file, sheet = _text(row.get("_file")), _text(row.get("_sheet"))
    header = headers.get((file, sheet, table, name)) or headers.get((file, sheet, name))
    return Source(file, sheet, _row_number(row.get("_row")), header or name)


# -- deadlines ---------------------------------------------------------------------------------------------------

def _deadline_entry(f: dict, rules: dict) -> Entry:
    rule = rules.get(f["rule_id"])
    deadline = Deadline(
        rule_id=f["rule_id"], title=_text(f.get("title")) or (rule.title if rule else ""),
        strength=_text(f.get("strength")) or (rule.strength if rule else ""),
        owed_by=rule.owed_by if rule else "", status=f["status"], clock_start=_date(f.get("clock_start")),
        due_date=_date(f.get("due_date")), stopped_date=_date(f.get("stopped_date")),
        days_late=None if _missing(f.get("days_late")) else int(f["days_late"]),
        exception=_text(f.get("exception")), note=_text(f.get("note")),
        citation=_text(f.get("source")) or (rule.citation if rule else ""), links=rule_links(rule),
        action=rule.action.strip() if rule else "", window=bool(rule and rule.is_window))
    return Entry(deadline.due_date, DEADLINE, _text(f.get("record_id")), deadline.title, deadline=deadline)


def rule_links(rule) -> tuple[str, ...]:
    """The web addresses of a rule's legal source, when its rule file carries them (https only)."""
    if rule is None:
        return ()
    found: list[str] = []
    for name in ("links", "link", "url", "urls", "source_links"):
        value = getattr(rule, name, None)
        if value:
            found += [value] if isinstance(value, str) else [str(v) for v in value]
    for text in getattr(rule, "source", ()) or ():
        found += _LINK.findall(str(text))
    return tuple(dict.fromkeys(u.rstrip(".,;)") for u in found if _LINK.fullmatch(u.rstrip(".,;)"))))


def _order(entry: Entry) -> tuple:
    """Date order; on one day the events first, by record and then in the order the tables and their columns
    come in the data model (the sort is stable), then the deadlines that fell that day, by record and rule."""
    d = entry.deadline
    return (entry.date, entry.kind != EVENT, entry.record, d.rule_id if d else "")


# -- data issues -------------------------------------------------------------------------------------------------

def _child_issues(issues: pd.DataFrame, rows: dict[str, pd.DataFrame], ids: set[str]) -> list[Issue]:
    """Issues on the child's rows (file, sheet and row) or naming one of the child's records."""
    if issues is None or not len(issues):
        return []
    places = {_place(r["_file"], r["_sheet"], r["_row"])
              for frame in rows.values() for r in frame[["_file", "_sheet", "_row"]].to_dict("records")}
    place = [_place(f, s, r) for f, s, r in zip(issues["file"], issues["sheet"], issues["row"])]
    on_row = pd.Series([p is not None and p in places for p in place], index=issues.index)
    mask = on_row | _ids(issues["record_id"]).isin(ids)
    out = []
    for i in issues[mask.to_numpy()].to_dict("records"):
        where = Source(_text(i.get("file")), _text(i.get("sheet")), _row_number(i.get("row")), _text(i.get("column")))
        out.append(Issue(_text(i["issue_id"]), _text(i["severity"]), _text(i["message"]), where))
    return out


def _place(file, sheet, row) -> tuple[str, str, int] | None:
    number = _row_number(row)
    return None if number is None else (_text(file), _text(sheet), number)


def _concerns(issue: Issue, where: Source, name: str) -> bool:
    """An issue is shown beside an event when it is about that very cell: same row and the same column (as the
    council wrote the header, as the canonical field, or as the two together, as messages put it)."""
    s = issue.source
    if (s.file, s.sheet, s.row) != (where.file, where.sheet, where.row) or not s.column:
        return False
    return s.column in (where.column, name, f"{where.column} ({name})")


def _issue_frame(issues: list[Issue]) -> pd.DataFrame:
    return pd.DataFrame({"severity": [i.severity for i in issues]}, dtype=object)


# -- small conversions -------------------------------------------------------------------------------------------

def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value) -> str:
    if _missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value) -> dt.date | None:
    if _missing(value) or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        return None


def _row_number(value) -> int | None:
    text = _text(value)
    try:
        return int(float(text)) if text else None
    except ValueError:
        return None


def _ids(column: pd.Series) -> pd.Series:
    """Identifiers as stripped text, blank for missing, so ids compare the same from any reader or CSV."""
    return column.astype(object).where(column.notna(), "").astype(str).str.strip()


def _unique(values) -> list[str]:
    return [v for v in dict.fromkeys(values) if v]
