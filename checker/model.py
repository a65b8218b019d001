"""The canonical data model: the tables every reader produces and every rule reads.

The tables follow the DfE SEN2 person-level return (modules 1-5) so that a SEN2 XML file, its flat forms and
an LA's own caseload extract all land in the same shape. What SEN2 does not carry but LA trackers do (exception
reasons, draft dates, advice requests, review paperwork, personal budgets, health provision, tribunal orders,
schools) lives in extension tables keyed the same way.

Keys: every child table carries ``request_id`` (one request for assessment = one SEN2 ``<Requests>`` element;
its assessment, named plan and active plan hang off it). ``person_id`` links a request to its person.

This module is data, not behaviour: ``docs/data-dictionary.md`` is generated from it
(``sendcheck data-dictionary``) so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

# Field kinds. Readers convert every cell to one of these; anything that will not convert is a data issue.
ID = "id"  # identifier, kept as text exactly as given (stripped)
TEXT = "text"
DATE = "date"
CODE = "code"  # text restricted to ``codes``
FLAG = "flag"  # 1/0 (accepts Y/N, yes/no, true/false)
INT = "int"

YES_NO = ("1", "0")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    description: str
    sen2: str | None = None  # "item element" in the DfE guide, e.g. "2.1 ReceivedDate"
    required: bool = False
    codes: tuple[str, ...] | None = None
    personal: bool = False  # identifies a child: never in governor or published reports


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    parent: str | None = None
    sen2_module: str | None = None
    extension: bool = False  # not in SEN2: comes from LA extracts only

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")


SEN_SETTING_PLAN = ("OLA", "OPA", "EHE", "EYP", "OTH")
SEN_SETTING_PLACEMENT = SEN_SETTING_PLAN + ("NEET", "NIEC", "NIEO")
OUTCOME_CODES = ("Y", "N", "A", "W", "H")

_owner = (
    Field("team", TEXT, "SEN team that owns the case (LA extract; not in SEN2)"),
    Field("caseworker", TEXT, "Named caseworker (LA extract; not in SEN2)"),
)

PERSON = Table(
    "person",
    "One row per child or young person (SEN2 module 1).",
    key=("person_id",),
    sen2_module="1 Person",
    fields=(
        Field("person_id", ID, "The LA's person identifier (SEN2 flat forms: Person ID)", required=True),
        Field("surname", TEXT, "Legal surname", "1.1 Surname", personal=True),
        Field("forename", TEXT, "Forename", "1.2 Forename", personal=True),
        Field("birth_date", DATE, "Date of birth", "1.3 PersonBirthDate", personal=True),
        Field("sex", CODE, "Sex (2023 GenderCurrent 1/2 is translated to M/F; 0/9 to U)", "1.4 Sex",
              codes=("M", "F", "U")),
        Field("ethnicity", TEXT, "CBDS ethnicity code", "1.5 Ethnicity"),
        Field("postcode", TEXT, "Home postcode", "1.6 PostCode", personal=True),
        Field("upn", ID, "Unique Pupil Number (13 characters, check letter first)", "1.7a UPN", personal=True),
        Field("uln", ID, "Unique Learner Number (10 digits)", "1.7b UniqueLearnerNumber", personal=True),
        Field("upn_unknown", CODE, "Reason UPN and ULN are both absent", "1.7c UPNunknown",
              codes=("UN1", "UN2", "UN3", "UN5", "UN8", "UN9", "UN10")),
        Field("nc_year", INT, "National curriculum year group (LA extract; -1 nursery, 0 reception)"),
        Field("correspondence_with", CODE,
              "Who the LA corresponds with: parent, young person, or an alternative person (LA extract)",
              codes=("parent", "young_person", "alternative_person")),
        Field("lacks_capacity", FLAG, "Young person assessed as lacking capacity (MCA 2005) (LA extract)"),
        *_owner,
    ),
)

REQUEST = Table(
    "request",
    "One row per request for an EHC needs assessment (SEN2 module 2).",
    key=("request_id",),
    parent="person",
    sen2_module="2 Requests",
    fields=(
        Field("request_id", ID, "The LA's request identifier; for SEN2 XML built from UPN/ULN/person and received date",
              required=True),
        Field("person_id", ID, "Person the request is for", required=True),
        Field("received_date", DATE, "Date the LA received the request (statutory clock start)", "2.1 ReceivedDate"),
        Field("request_source", CODE, "Who made the request", "2.2 RequestSource", codes=("1", "2", "3", "4", "5")),
        Field("rya", FLAG, "Request made in relevant youth accommodation", "2.3 RYA"),
        Field("request_outcome_date", DATE, "Date the decision whether to assess was notified",
              "2.4 RequestOutcomeDate"),
        Field("request_outcome", CODE, "Decision whether to assess", "2.5 RequestOutcome", codes=OUTCOME_CODES),
        Field("request_mediation", FLAG, "Mediation held about the decision to assess", "2.6 RequestMediation"),
        Field("request_tribunal", FLAG, "Appeal about the decision to assess", "2.7 RequestTribunal"),
        Field("exported", TEXT, "LA the child moved to before the assessment completed", "2.8 Exported"),
        Field("decision_exception", TEXT,
              "Reg 5(4) exception to the 6-week decision recorded (reason text or code) (LA extract)"),
        *_owner,
        Field("reassessment", FLAG, "Request is for a re-assessment of an existing plan (s44(2)) (LA extract)"),
        Field("mediation_requested_date", DATE, "Parent/young person told the LA they want mediation (LA extract)"),
        Field("mediation_declined_date", DATE, "Mediation adviser told that mediation is not wanted (LA extract)"),
        Field("mediation_held_date", DATE, "Mediation took place (concluded) (LA extract)"),
        Field("mediation_certificate_date", DATE, "Mediation certificate issued (LA extract)"),
    ),
)

ASSESSMENT = Table(
    "assessment",
    "The EHC needs assessment following a request (SEN2 module 3), with LA-extract extensions for the 20-week "
    "exception and the draft plan.",
    key=("request_id",),
    parent="request",
    sen2_module="3 Assessment",
    fields=(
        Field("request_id", ID, "Request assessed", required=True),
        Field("assessment_outcome", CODE, "Decision whether to issue a plan", "3.1 AssessmentOutcome",
              codes=OUTCOME_CODES),
        Field("assessment_outcome_date", DATE,
              "If Y: date the final plan was issued; if N: date of notice not to issue", "3.2 AssessmentOutcomeDate"),
        Field("assessment_mediation", FLAG, "Mediation about the decision to issue", "3.3 AssessmentMediation"),
        Field("assessment_tribunal", FLAG, "Appeal about a decision not to issue", "3.4 AssessmentTribunal"),
        Field("other_mediation", FLAG, "Mediation on other appealable decisions", "3.5 OtherMediation"),
        Field("other_tribunal", FLAG, "Appeal on other matters", "3.6 OtherTribunal"),
        Field("week20", FLAG, "20-week time limit exceptions apply (reg 13(3) / 10(4))", "3.7 Week20"),
        Field("exception_reason", TEXT, "Which reg 10(4) exception applied (LA extract)"),
        Field("exception_start", DATE, "Start of the exception period (LA extract)"),
        Field("exception_end", DATE, "End of the exception period (LA extract)"),
        Field("draft_plan_date", DATE, "Date the draft plan was served (LA extract)"),
        Field("draft_response_date", DATE,
              "Date the parent/young person responded to the draft, ending the 15-day period early (LA extract)"),
    ),
)

NAMED_PLAN = Table(
    "named_plan",
    "The EHC plan made after assessment (SEN2 module 4), including ceased plans.",
    key=("request_id",),
    parent="assessment",
    sen2_module="4 NamedPlan",
    fields=(
        Field("request_id", ID, "Request the plan came from", required=True),
        Field("start_date", DATE, "EHC plan start date", "4.1 StartDate"),
        Field("plan_res", CODE, "Residential setting named in plan", "4.2 PlanRes", codes=("A", "B")),
        Field("plan_wbp", CODE, "Work-based learning in plan", "4.3 PlanWBP", codes=("A", "T", "S")),
        Field("pb", FLAG, "Personal budget taken up", "4.4a PB"),
        Field("oa", FLAG, "Personal budget: organised arrangements", "4.4b OA"),
        Field("dp", CODE, "Personal budget: direct payments", "4.4c DP", codes=("E", "S", "H", "I")),
        Field("cease_date", DATE, "Date the plan ceased", "4.5 CeaseDate"),
        Field("cease_reason", CODE, "Reason the plan ceased", "4.6 CeaseReason",
              codes=tuple(str(i) for i in range(1, 10))),
        Field("section_j", FLAG, "Section J (direct payments) present in the plan (LA extract)"),
        Field("section_i_blank", FLAG, "Section I names neither a setting nor a type (LA extract)"),
        Field("cease_consultation_date", DATE, "Parent/young person and setting consulted about ceasing (LA extract)"),
        Field("cease_notice_date", DATE, "Notice of the decision to cease sent (LA extract)"),
        Field("cease_appeal_date", DATE, "Appeal against the decision to cease lodged (LA extract)"),
        Field("cease_appeal_decided_date", DATE, "Appeal against ceasing decided or withdrawn (LA extract)"),
        Field("move_date", DATE, "Child/young person moved to another LA's area (LA extract)"),
        Field("move_known_date", DATE, "Date this LA became aware of the move (LA extract)"),
        Field("transfer_out_date", DATE, "Plan transferred to the new LA (LA extract)"),
    ),
)

_setting_fields = (
    Field("urn", ID, "Setting URN (GIAS, 6 digits)", "URN"),
    Field("ukprn", ID, "Provider UKPRN (8 digits)", "UKPRN"),
    Field("sen_setting", CODE, "Setting type when there is no URN or UKPRN", "SENsetting", codes=SEN_SETTING_PLACEMENT),
    Field("sen_setting_other", TEXT, "Detail for 'other' settings", "SENSettingOther"),
    Field("placement_rank", CODE, "1 primary, 2 secondary", "PlacementRank", codes=("1", "2")),
    Field("sen_unit", FLAG, "SEN unit", "SENunitIndicator"),
    Field("resourced_provision", FLAG, "Resourced provision", "ResourcedProvisionIndicator"),
)

PLAN_DETAIL = Table(
    "plan_detail",
    "Setting(s) named in the plan, at most two (SEN2 module 4, PlanDetail).",
    key=("request_id", "placement_rank"),
    parent="named_plan",
    sen2_module="4 PlanDetail",
    fields=(Field("request_id", ID, "Plan", required=True), *_setting_fields),
)

ACTIVE_PLAN = Table(
    "active_plan",
    "The plan as maintained during the year: latest review and phase transfer (SEN2 module 5, ActivePlans).",
    key=("request_id",),
    parent="request",
    sen2_module="5 ActivePlans",
    fields=(
        Field("request_id", ID, "Plan", required=True),
        Field("transfer_la", TEXT, "LA the plan transferred in from this year", "5.1 TransferLA"),
        Field("review_meeting", DATE, "Most recent annual review meeting", "5.4a ReviewMeeting"),
        Field("last_review", DATE, "Date the LA notified its decision after the latest review (review concluded)",
              "5.4b LastReview"),
        Field("review_outcome", CODE, "Decision after the latest review: maintain, amend, cease", "5.4c ReviewOutcome",
              codes=("M", "A", "C")),
        Field("review_draft", DATE, "Draft amended plan / amendment notice issued after the review",
              "5.4d ReviewDraft"),
        Field("phase_transfer_due_date", DATE, "Date any amended plan was due for a phase transfer",
              "5.6a PhaseTransferDueDate"),
        Field("phase_transfer_final_date", DATE, "Date the final amended plan for a phase transfer was issued",
              "5.6b PhaseTransferFinalDate"),
        Field("transfer_in_date", DATE, "Date the plan transferred in from another LA (LA extract)"),
        Field("transfer_notice_date", DATE, "New LA's reg 15(4) notice that the plan has transferred (LA extract)"),
        Field("post16_transfer_date", DATE, "Planned move between post-16 institutions (reg 18(2)) (LA extract)"),
        Field("post16_destination", CODE,
              "Where the young person goes after Year 11: a school (its own or another school's sixth form) or a "
              "post-16 institution (FE or sixth-form college, 16-19 academy, independent specialist provider, "
              "training provider). Only a move to a post-16 institution is a reg 18(1)(a) transfer (CFA s83(2): "
              "a post-16 institution is not a school) (LA extract)",
              codes=("school", "post16_institution")),
    ),
)

PLACEMENT = Table(
    "placement",
    "Settings attended during the year by someone with an active plan (SEN2 module 5, PlacementDetail).",
    key=("request_id", "placement_rank", "entry_date"),
    parent="active_plan",
    sen2_module="5 PlacementDetail",
    fields=(
        Field("request_id", ID, "Plan", required=True),
        *_setting_fields,
        Field("entry_date", DATE, "Placement start", "5.7e EntryDate"),
        Field("leaving_date", DATE, "Placement end", "5.7f LeavingDate"),
        Field("res", CODE, "Residential placement", "5.2 Res", codes=("A", "B")),
        Field("wbp", CODE, "Work-based learning", "5.3 WBP", codes=("A", "T", "S")),
        Field("attendance_pattern", CODE, "Full or part time (2023 only)", "5.5g AttendancePattern",
              codes=("FT", "PT")),
    ),
)

SEN_NEED = Table(
    "sen_need",
    "Type of need in the plan, at most two (SEN2 module 5, SENneed).",
    key=("request_id", "sen_type_rank"),
    parent="active_plan",
    sen2_module="5 SENneed",
    fields=(
        Field("request_id", ID, "Plan", required=True),
        Field("sen_type", CODE, "Type of need", "5.8a SENtype",
              codes=("SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "DS", "OTH")),
        Field("sen_type_rank", CODE, "1 primary or only, 2 secondary", "5.8b SENtypeRank", codes=("1", "2")),
    ),
)

REVIEW = Table(
    "review",
    "One row per review meeting of a plan, with its paperwork. SEN2 readers make one row from ActivePlans "
    "(ReviewMeeting, LastReview, ReviewOutcome, ReviewDraft); LA extracts may give the whole history.",
    key=("request_id", "meeting_date"),
    parent="active_plan",
    extension=True,
    fields=(
        Field("request_id", ID, "Plan reviewed", required=True),
        Field("meeting_date", DATE, "Review meeting date", "5.4a ReviewMeeting"),
        Field("invitations_sent_date", DATE, "Invitations and advice requests sent (LA extract)"),
        Field("advice_circulated_date", DATE, "Advice circulated to invitees (LA extract)"),
        Field("report_sent_date", DATE, "Review report sent to the LA and invitees (LA extract)"),
        Field("decision_date", DATE, "LA decision notice (maintain/amend/cease) sent", "5.4b LastReview"),
        Field("outcome", CODE, "Decision: maintain, amend, cease", "5.4c ReviewOutcome", codes=("M", "A", "C")),
        Field("amendment_notice_date", DATE, "Notice of proposed amendments (draft amended plan) sent",
              "5.4d ReviewDraft"),
        Field("final_amended_date", DATE, "Final amended plan issued (LA extract)"),
        Field("pfa_considered", FLAG, "Preparing for adulthood considered at the review (LA extract)"),
        Field("convened_by", CODE, "Who arranged the meeting (LA extract)", codes=("LA", "school")),
        Field("urn", ID, "School that convened the meeting (LA extract)"),
    ),
)

ADVICE = Table(
    "advice",
    "Advice requested during an EHC needs assessment (LA extract; not in SEN2).",
    key=("request_id", "advice_type", "requested_date"),
    parent="request",
    extension=True,
    fields=(
        Field("request_id", ID, "Assessment the advice is for", required=True),
        Field("advice_type", CODE, "Kind of advice",
              codes=("health", "educational", "psychology", "social_care", "pfa", "other")),
        Field("provider", TEXT, "Body asked for advice"),
        Field("requested_date", DATE, "Date the body received the request for advice"),
        Field("received_date", DATE, "Date the advice was received"),
        Field("exception", TEXT, "Reg 8(2) exception recorded (a, b, c or missed appointment)"),
    ),
)

PERSONAL_BUDGET = Table(
    "personal_budget",
    "Personal budget and direct-payment dates (LA extract; SEN2 has only the PB/OA/DP flags).",
    key=("request_id",),
    parent="named_plan",
    extension=True,
    fields=(
        Field("request_id", ID, "Plan", required=True),
        Field("pb_requested_date", DATE, "Parent/young person asked for a personal budget"),
        Field("pb_prepared_date", DATE, "Personal budget prepared"),
        Field("pb_refused_date", DATE, "Personal budget refused"),
        Field("pb_refusal_reason", TEXT, "Reasons given for refusing"),
        Field("dp_first_payment_date", DATE, "First direct payment"),
        Field("dp_first_review_date", DATE, "First direct-payment review"),
        Field("dp_last_review_date", DATE, "Latest direct-payment review"),
        Field("dp_change_date", DATE, "Direct payments reduced or stopped"),
        Field("dp_change_notice_date", DATE, "Written notice of the reduction or stop"),
    ),
)

HEALTH_PROVISION = Table(
    "health_provision",
    "Health provision specified in section G and who arranges it (LA extract).",
    key=("request_id", "provision"),
    parent="named_plan",
    extension=True,
    fields=(
        Field("request_id", ID, "Plan", required=True),
        Field("provision", TEXT, "Health provision in section G"),
        Field("commissioner", TEXT, "Responsible commissioning body (CCG to 30 June 2022, ICB from 1 July 2022)"),
        Field("specified_date", DATE, "Date the provision was specified in the plan"),
        Field("arranged_date", DATE, "Date the provision was first arranged"),
    ),
)

TRIBUNAL_ORDER = Table(
    "tribunal_order",
    "SEND Tribunal orders, unopposed appeals and recommendations (LA extract).",
    key=("order_id",),
    parent="request",
    extension=True,
    fields=(
        Field("order_id", ID, "Tribunal order identifier", required=True),
        Field("request_id", ID, "Plan or request the appeal concerned"),
        Field("order_type", CODE, "Kind of order",
              codes=("assess", "make_plan", "amend", "placement", "continue", "cease_dismissed",
                     "health_recommendation", "social_care_recommendation")),
        Field("order_date", DATE, "Date the order was made (sent)"),
        Field("unopposed", FLAG, "Appeal conceded by the LA (reg 45)"),
        Field("complied_date", DATE, "Date the LA (or ICB) complied or responded"),
        Field("draft_date", DATE, "Draft plan date where the order requires one"),
        Field("exception", TEXT, "Reg 44(3) exception recorded"),
        Field("notified_tribunal_date", DATE,
              "Unopposed appeal: date the LA told the tribunal it would not oppose (reg 45)"),
        Field("assess_notice_date", DATE, "Order to assess: notice that the LA will assess"),
        Field("no_plan_notice_date", DATE, "Order to assess: notice of a decision not to issue a plan"),
    ),
)

SCHOOL = Table(
    "school",
    "Schools and their own SEN duties (LA or trust extract).",
    key=("urn",),
    extension=True,
    fields=(
        Field("urn", ID, "School URN", required=True),
        Field("school_name", TEXT, "School name"),
        Field("phase", TEXT, "Phase (nursery, primary, middle, secondary, all-through, special, post-16)"),
        Field("school_type", TEXT, "Type of establishment (mainstream, special, independent, ...)"),
        Field("senco_name", TEXT, "SENCO (a member of staff, not a child)"),
        Field("senco_appointed_date", DATE, "Date the SENCO took up the role"),
        Field("senco_qts", FLAG, "SENCO is a qualified teacher (or the head/acting head)"),
        Field("senco_award", CODE, "SENCO qualification held", codes=("NASENCO", "NPQSENCO", "none")),
        Field("senco_award_course_start", DATE, "Start of the SENCO qualification course"),
        Field("senco_award_date", DATE, "Date the SENCO qualification was awarded"),
        Field("senco_previous_experience", FLAG, "SENCO for more than 12 months before 1 Sept 2009"),
        Field("sen_report_date", DATE, "SEN information report last published"),
        Field("access_plan_date", DATE, "Accessibility plan start date"),
        Field("senco_vacant_from", DATE, "SENCO post vacant since (no SENCO designated)"),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (PERSON, REQUEST, ASSESSMENT, NAMED_PLAN, PLAN_DETAIL, ACTIVE_PLAN, PLACEMENT, SEN_NEED, REVIEW, ADVICE,
              PERSONAL_BUDGET, HEALTH_PROVISION, TRIBUNAL_ORDER, SCHOOL)
}

# Columns every canonical row carries so a problem can be traced to its cell.
PROVENANCE = ("_file", "_sheet", "_row")

PERSONAL_FIELDS = sorted({f.name for t in TABLES.values() for f in t.fields if f.personal})


def empty_frame(table: str):
    """A canonical table with no rows and every column present (readers fill what they have)."""
    import pandas as pd

    t = TABLES[table]
    return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if t.field(c).kind == DATE else "object")
                         for c in t.columns} | {p: pd.Series(dtype="object") for p in PROVENANCE})


def data_dictionary_markdown(rules=None) -> str:
    """The data dictionary as Markdown (docs/data-dictionary.md is this, written by the CLI).

    The "feeds" column lists the rules each field is an input to, worked out from ``rules`` (by default the
    bundled rule files) and the subject views' declarations (``checker.feeds``), so it follows the rules. SEN2
    item numbers and code lists that change by collection year come from checker/data/sen2-years.yaml."""
    from .feeds import rules_by_field
    from .readers.sen2_years import code_words, item_words

    if rules is None:
        from .engine.rules import load_rules

        rules = load_rules()
    feeds = rules_by_field(rules)
    lines = ["# Data dictionary", "",
             "Generated from `checker/model.py` by `sendcheck data-dictionary`. Every reader produces these tables;"
             " every rule reads them. *Personal* fields never appear in governor or published reports.", "",
             "SEN2 item numbers are the 2025/26 guide's, with earlier years' in brackets where they differ (a "
             "message about a SEN2 return names the item by its number in that return's year). Code lists that "
             "change by collection year say so; a SEN2 return is held to its own year's list "
             "(`SEN2-CODE-NOT-IN-YEAR`). Both come from `checker/data/sen2-years.yaml`.", "",
             "*Feeds* lists the rules a field is an input to: read directly, or through a fact worked out from it "
             "(the date a plan was made, the next phase transfer, an age). It is derived from the rule files and "
             "the subject views (`checker/feeds.py`), so a file that supplies a rule's fields gets that rule "
             "evaluated. Identifiers, owners (team, caseworker) and UPNs link and label findings and are not "
             "listed.", ""]
    for t in TABLES.values():
        origin = f"SEN2 module {t.sen2_module}" if t.sen2_module else "extension (LA extracts only)"
        lines += [f"## `{t.name}`", "", t.description, "", f"Key: `{', '.join(t.key)}` · Source: {origin}", "",
                  "| field | kind | SEN2 item | required | codes | personal | meaning | feeds |",
                  "|---|---|---|---|---|---|---|---|"]
        for f in t.fields:
            codes = ", ".join(f.codes) if f.codes else ""
            codes += f" ({code_words(t.name, f.name)})" if code_words(t.name, f.name) else ""
            item = item_words(t.name, f.name, f.sen2 or "")
            fed = ", ".join(feeds.get((t.name, f.name), ()))
            lines.append(f"| `{f.name}` | {f.kind} | {item} | {'yes' if f.required else ''} | {codes} |"
                         f" {'yes' if f.personal else ''} | {f.description} | {fed} |")
        lines.append("")
    return "\n".join(lines)
