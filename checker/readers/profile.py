"""Mapping profiles: how one council's extract headers become canonical fields.

Every case-management system exports its own headers ("Date Request Received", "REQ_RCVD_DT", ...). A profile
names the sheets, maps the headers and translates local codes, so the same rules run on every council's data.
A broken profile is refused with the key that is wrong, never half-applied.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import re
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml

from .. import resources
from ..dataset import InputError
from ..model import TABLES

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same result, faster


KEY_FIELDS = ("person_id", "request_id")  # link fields: an unqualified mapping feeds every listed table

# ``one_row_per``: what one data row of a sheet is, and so the tables it makes a record in even when the row's
# other cells are blank (a list of children with EHC plans: every row is a child, a request and a plan).
ONE_ROW_PER = {"person": ("person",), "request": ("person", "request"),
               "plan": ("person", "request", "named_plan")}
_TEMPLATE_FIELD = re.compile(r"{([a-z0-9_.]+)}")
# An Annex A style label before a coded value: "k) ASD", "a) Male", "b) No".
LETTER_LABEL = re.compile(r"^[a-z]{1,2}\)\s*(\S.*)$", re.IGNORECASE)


def code_key(value) -> str:
    """A local code as translations match it: lower case, runs of spaces and line breaks as one space."""
    return " ".join(str(value).lower().split())


def one_line(header) -> str:
    """A header cell as one line: a line break typed in the cell (Alt+Enter in Excel) reads as a space."""
    return re.sub(r"\s*[\r\n]+\s*", " ", str(header)).strip()


def fold(header) -> str:
    """A header reduced to lower-case letters and digits, so spelling of case, spaces and punctuation never matters."""
    return re.sub(r"[^0-9a-z]+", "", str(header).lower())


def fold_short(header) -> str:
    """The fold without bracketed notes such as "(dd/mm/yyyy)" or "(1=Primary, 2=Secondary)"."""
    return fold(re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", str(header)))


# Common LA spellings of canonical fields. A target is a field name (fed to every table of the sheet that has
# it) or ``table.field``; several targets mean "the first whose table the sheet feeds".
_ALIAS_LIST: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("person_id",), ("Child ID", "Person ID", "Child Ref", "Child Reference", "Person Ref", "Person Reference",
                      "Client ID", "Pupil ID", "Young Person ID", "CYP ID", "Unique ID", "LA Child ID", "Mosaic ID",
                      "Person ID (This must be a unique ID for each Person record)", "Child Unique ID")),
    (("person.surname",), ("Surname", "Last Name", "Family Name", "Legal Surname", "Child Surname")),
    (("person.forename",), ("Forename", "First Name", "Given Name", "Forenames", "Child Forename")),
    (("person.birth_date",), ("DOB", "Date of Birth", "Birth Date", "Dob (ccyy-mm-dd)", "Child DOB")),
    (("person.sex",), ("Sex", "Gender", "Gender Current")),
    (("person.ethnicity",), ("Ethnicity", "Ethnic Group", "Ethnic Code", "Ethnic Origin")),
    (("person.postcode",), ("Postcode", "Post Code", "Home Postcode")),
    (("person.upn",), ("UPN", "Unique Pupil Number", "Pupil Number")),
    (("person.uln",), ("ULN", "Unique Learner Number")),
    (("person.upn_unknown",), ("UPN Unknown", "UPN Unknown Reason", "Reason UPN Unknown")),
    (("person.nc_year",), ("NC Year", "NCY", "Year Group", "National Curriculum Year", "School Year")),
    (("person.correspondence_with",), ("Correspondence With", "Correspond With")),
    (("person.lacks_capacity",), ("Lacks Capacity", "Lacks Mental Capacity")),
    (("request_id",), ("Request ID", "Request Ref", "Request Reference", "Request Number", "Referral ID",
                       "Referral Ref", "Requests Record ID", "EHC Request ID", "Assessment Request ID", "EHCNA ID")),
    (("request.received_date",), ("Date Request Received", "Request Date", "Date Received", "Request Received",
                                  "Date request was received", "Referral Date", "Date of Request",
                                  "Request Received Date", "Date Request Was Received", "EHCNA Request Date")),
    (("request.request_source",), ("Request Source", "Source of Request", "Requested By",
                                   "Source of request for an EHC needs assessment")),
    (("request.rya",), ("RYA", "Initial Request Whilst In RYA", "Relevant Youth Accommodation")),
    (("request.request_outcome_date",), ("Request Outcome Date", "Decision to Assess Date",
                                         "Date of Decision to Assess", "Date Decision to Assess",
                                         "Request Decision Date", "Decision to Assess Notified")),
    (("request.request_outcome",), ("Request Outcome", "Decision to Assess", "Outcome of Request",
                                    "Agreed to Assess", "Request Decision")),
    (("request.request_mediation",), ("Request Mediation", "Mediation on Decision to Assess")),
    (("request.request_tribunal",), ("Request Tribunal", "Appeal on Decision to Assess")),
    (("request.exported",), ("Exported", "Exported To LA", "Moved To LA")),
    (("request.decision_exception",), ("Decision Exception", "6 Week Exception", "Six Week Exception",
                                       "Decision to Assess Exception")),
    (("assessment.assessment_outcome",), ("Assessment Outcome", "Assessment Outcome To Issue EHCP",
                                          "Decision to Issue", "Outcome of Assessment", "Decision to Issue Plan")),
    (("assessment.assessment_outcome_date",), ("Assessment Outcome Date", "Final Plan Issued", "EHCP Issue Date",
                                               "Date Final Plan Issued", "Final EHCP Issued", "Final Plan Date",
                                               "Date EHC Plan Issued", "Final Plan Issue Date",
                                               "Date Final EHCP Issued", "EHCP Issued")),
    (("assessment.assessment_mediation",), ("Assessment Mediation",)),
    (("assessment.assessment_tribunal",), ("Assessment Tribunal",)),
    (("assessment.week20",), ("Week20", "20 Week Exception", "20 Week Exception?", "20 Week Exception Applies",
                              "Twenty week time limit exceptions apply", "Twenty Weeks Time Limit Exceptions Apply",
                              "Exception Applies", "20 Week Exceptions Apply")),
    (("assessment.exception_reason",), ("Exception Reason", "Reason for Exception", "20 Week Exception Reason")),
    (("assessment.exception_start",), ("Exception Start", "Exception Start Date")),
    (("assessment.exception_end",), ("Exception End", "Exception End Date")),
    (("assessment.draft_plan_date",), ("Draft Plan Date", "Draft Plan Issued", "Draft EHCP Issued",
                                       "Date Draft Plan Issued", "Draft Issued", "Draft EHCP Date")),
    (("assessment.draft_response_date",), ("Draft Response Date", "Response to Draft", "Parent Response to Draft",
                                           "Draft Response Received")),
    (("named_plan.start_date",), ("EHC Plan Start Date", "Plan Start Date", "EHCP Start Date")),
    (("named_plan.plan_res",), ("Plan Res", "Residential Setting in Plan")),
    (("named_plan.plan_wbp",), ("Plan WBP", "Work Based Learning in Plan")),
    (("named_plan.pb",), ("Personal Budget", "PB")),
    (("named_plan.cease_date",), ("Cease Date", "Date EHC Plan Ceased", "Date Plan Ceased", "Plan Ceased Date",
                                  "EHCP Ceased Date", "Date Ceased")),
    (("named_plan.cease_reason",), ("Cease Reason", "Reason EHC plan ceased", "Reason Plan Ceased", "Reason Ceased")),
    (("placement.urn", "plan_detail.urn", "review.urn", "school.urn"),
     ("URN", "School URN", "Setting URN", "Establishment URN", "Placement URN")),
    (("placement.ukprn", "plan_detail.ukprn"), ("UKPRN", "Setting UKPRN", "Provider UKPRN")),
    (("placement.sen_setting", "plan_detail.sen_setting"), ("SEN Setting", "Setting Type",
                                                            "SEN Setting - Establishment type")),
    (("placement.placement_rank", "plan_detail.placement_rank"), ("Placement Rank",
                                                                  "Placement Rank (1=Primary, 2=Secondary)")),
    (("placement.entry_date",), ("Entry Date", "Placement Start", "Placement Start Date", "Date Started at Setting")),
    (("placement.leaving_date",), ("Leaving Date", "Placement End", "Placement End Date", "Date Left Setting")),
    (("active_plan.transfer_la",), ("Transfer LA", "Transferred From LA", "Previous LA")),
    (("active_plan.transfer_in_date",), ("Transfer In Date", "Date Transferred In")),
    (("active_plan.review_meeting", "review.meeting_date"), ("Review Meeting", "Review Meeting Date",
                                                             "Annual Review Meeting Date", "Annual Review Date",
                                                             "Last Annual Review", "Last Review Meeting",
                                                             "Date of Annual Review")),
    (("active_plan.last_review", "review.decision_date"), ("Last Review", "Review Decision Date",
                                                           "EHC Plan Review Decisions Date",
                                                           "Date Review Decision Notified", "Review Concluded")),
    (("active_plan.review_outcome", "review.outcome"), ("Review Outcome", "Annual Review Decision",
                                                        "Review Decision", "Annual Review Outcome")),
    (("active_plan.review_draft", "review.amendment_notice_date"), ("Review Draft", "Amendment Notice Date",
                                                                    "Draft Amended Plan Date",
                                                                    "Amendment Notice Sent")),
    (("active_plan.phase_transfer_due_date",), ("Phase Transfer Due Date",
                                                "Phase transfer review - due date for any amended plan")),
    (("active_plan.phase_transfer_final_date",), ("Phase Transfer Final Date", "Phase Transfer Final Plan Issued")),
    (("review.invitations_sent_date",), ("Invitations Sent", "Review Invitations Sent", "Invitations Sent Date")),
    (("review.advice_circulated_date",), ("Advice Circulated", "Advice Circulated Date")),
    (("review.report_sent_date",), ("Review Report Sent", "Report Sent Date", "Review Report Received")),
    (("review.final_amended_date",), ("Final Amended Plan Issued", "Final Amended Plan Date",
                                      "Amended Plan Issued")),
    (("review.convened_by",), ("Convened By", "Review Convened By")),
    (("sen_need.sen_type",), ("Primary Need", "SEN Type", "Type of Need", "Primary Need Type", "SEN Primary Need")),
    (("sen_need.sen_type_rank",), ("SEN Type Rank", "SEN Type of Need rank (1=Primary, 2=Secondary)", "Need Rank")),
    # The Ofsted/CQC area SEND inspection's Annex A, list 1 (children and young people with an EHC plan).
    (("named_plan.start_date",), ("Date initial EHC plan issued", "Date initial EHCP issued",
                                  "Initial EHC plan issued", "Date of initial EHC plan")),
    # The latest amended plan: read as the phase-transfer amendment when it falls in the transfer's school year.
    (("active_plan.phase_transfer_final_date",), ("Date updated EHC plan issued", "Date updated EHCP issued",
                                                  "Updated EHC plan issued")),
    (("active_plan.last_review", "review.decision_date"), ("Date EHC plan last reviewed", "Date EHCP last reviewed",
                                                           "EHC plan last reviewed")),
    (("plan_detail.urn",), ("Main education establishment - URN", "Main education establishment URN",
                            "Main establishment URN")),
    # data-to-insight's Standard Safeguarding Dataset (ssd-data-model): its person and EHCP tables.
    (("person_id",), ("pers_person_id", "send_person_id")),
    (("person.birth_date",), ("pers_dob",)),
    (("person.surname",), ("pers_surname",)),
    (("person.forename",), ("pers_forename",)),
    (("person.sex",), ("pers_sex",)),
    (("person.ethnicity",), ("pers_ethnicity",)),
    (("person.upn_unknown",), ("pers_upn_unknown", "send_upn_unknown")),
    (("person.upn",), ("send_upn",)),
    (("person.uln",), ("send_uln",)),
    (("request_id",), ("ehcr_ehcp_request_id", "ehca_ehcp_request_id", "ehcp_ehcp_request_id")),
    (("request.received_date",), ("ehcr_ehcp_req_date",)),
    (("request.request_outcome_date",), ("ehcr_ehcp_req_outcome_date",)),
    (("request.request_outcome",), ("ehcr_ehcp_req_outcome",)),
    (("assessment.assessment_outcome_date",), ("ehca_ehcp_assessment_outcome_date",)),
    (("assessment.assessment_outcome",), ("ehca_ehcp_assessment_outcome",)),
    (("assessment.week20",), ("ehca_ehcp_assessment_exceptions",)),
    (("named_plan.start_date",), ("ehcn_named_plan_start_date",)),
    (("named_plan.cease_date",), ("ehcn_named_plan_ceased_date", "ehcn_named_plan_cease_date")),
    (("named_plan.cease_reason",), ("ehcn_named_plan_ceased_reason", "ehcn_named_plan_cease_reason")),
    (("active_plan.last_review",), ("ehcp_active_ehcp_last_review_date",)),
    (("sen_need.sen_type",), ("senn_active_ehcp_need_type",)),
    (("sen_need.sen_type_rank",), ("senn_active_ehcp_need_rank",)),
    (("advice.advice_type",), ("Advice Type", "Type of Advice")),
    (("advice.provider",), ("Advice Provider", "Advice From")),
    (("advice.requested_date",), ("Advice Requested", "Date Advice Requested", "Advice Request Date")),
    (("advice.received_date",), ("Advice Received", "Date Advice Received", "Advice Received Date")),
    (("tribunal_order.order_id",), ("Order ID", "Tribunal Order ID", "Tribunal Ref", "Appeal Ref")),
    (("tribunal_order.order_type",), ("Order Type", "Tribunal Order Type")),
    (("tribunal_order.order_date",), ("Order Date", "Date of Order", "Tribunal Order Date")),
    (("tribunal_order.complied_date",), ("Complied Date", "Date Complied", "Order Complied")),
    (("health_provision.provision",), ("Health Provision", "Section G Provision")),
    (("health_provision.commissioner",), ("Commissioner", "ICB", "Commissioning Body")),
    (("school.school_name",), ("School Name", "Establishment Name", "Setting Name")),
    (("school.senco_name",), ("SENCO", "SENCO Name")),
    (("team", "request.team"), ("Team", "SEN Team", "Area Team", "Locality", "Area")),
    (("caseworker", "request.caseworker"), ("Caseworker", "Case Worker", "Case Officer", "SEN Officer",
                                            "Key Worker", "Keyworker", "Allocated Worker", "EHC Coordinator",
                                            "EHC Co-ordinator", "Caseworker Name")),
]


# Canonical names too vague to trust as a header on their own ("Outcome" could be any decision).
_GENERIC_NAMES = {"outcome", "provider", "phase", "exception", "provision", "res", "wbp", "dp", "oa", "pb",
                  "exported", "unopposed"}


def _build_aliases() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for targets, headers in _ALIAS_LIST:
        for h in headers:
            out.setdefault(fold(h), targets)
    # Canonical names and SEN2 element names are always understood.
    for t in TABLES.values():
        for f in t.fields:
            qualified = f.name if f.name in KEY_FIELDS else f"{t.name}.{f.name}"
            if f.name not in _GENERIC_NAMES:
                out.setdefault(fold(f.name), (qualified,))
            if f.sen2:
                out.setdefault(fold(f.sen2.split()[-1]), (qualified,))
    return out


ALIASES = _build_aliases()


@dataclass(frozen=True)
class Lookup:
    """A key this sheet's rows lack, found on another sheet: the row of sheet ``sheet`` whose ``row_id`` equals
    this row's ``column`` gives it (SSD-style tables linked by their own ids: named plan -> assessment ->
    request)."""

    sheet: str  # the ``name`` of the sheets entry holding the ids
    column: str  # header on this sheet holding the other sheet's id


@dataclass(frozen=True)
class SheetSpec:
    match: str
    tables: tuple[str, ...]
    columns: dict[str, str] = field(default_factory=dict)  # header as written -> target (field or table.field)
    header_row: int | None = None
    required: tuple[str, ...] = ()
    codes: dict[str, dict[str, str]] = field(default_factory=dict)  # target -> code_key(local value) -> code
    ignore: tuple[str, ...] = ()
    # One column feeding several fields: header -> the targets after the first (which is in ``columns``).
    extra_targets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)  # target -> the value every row of the sheet gets
    # Keys the file lacks, derived per row: field -> a template of this row's fields ("{person_id}") or a Lookup.
    keys: dict[str, str | Lookup] = field(default_factory=dict)
    one_row_per: str | None = None  # "person", "request" or "plan": what each data row is, whatever else it holds
    name: str | None = None  # how other entries' lookups name this one
    row_id: str | None = None  # header of this sheet's own row identifier (not a canonical field), for lookups

    def matches(self, name: str) -> bool:
        return fnmatch.fnmatchcase(name.lower(), self.match.lower())

    def names_exactly(self, name: str) -> bool:
        return self.match.lower() == name.lower()

    def targets(self, header: str) -> tuple[str, ...]:
        """Every target a mapped header feeds (usually one)."""
        first = self.columns.get(header)
        return () if first is None else (first, *self.extra_targets.get(header, ()))

    def record_tables(self) -> tuple[str, ...]:
        """Tables that get a row for every data row of the sheet (``one_row_per``), whatever the row holds."""
        return tuple(t for t in ONE_ROW_PER.get(self.one_row_per or "", ()) if t in self.tables)


@dataclass(frozen=True)
class Profile:
    name: str
    description: str = ""
    sheets: tuple[SheetSpec, ...] = ()
    date_formats: tuple[str, ...] = ()
    date1904: bool = False
    encoding: str | None = None
    source: str = ""

    def sheet_for(self, name: str, hidden: bool = False) -> SheetSpec | None:
        """The first entry whose pattern matches; a hidden sheet only if an entry names it exactly."""
        for spec in self.sheets:
            if (spec.names_exactly(name) if hidden else spec.matches(name)):
                return spec
        return None


def list_profiles() -> list[Traversable]:
    """The bundled profiles (profiles/*.yaml in the repository, installed as ``checker.profiles``), by name."""
    return resources.profile_files()


def profile_name(file: Traversable) -> str:
    """A profile file's name without its extension: how a bundled profile is named on the command line."""
    return Path(file.name).stem


def load_profile(ref: str | Path | Traversable | Profile) -> Profile:
    """A profile from a file path, a bundled profile name or a bundled profile file from ``list_profiles``;
    InputError naming the key that is wrong."""
    if isinstance(ref, Profile):
        return ref
    if isinstance(ref, (str, os.PathLike)):
        path = Path(ref)
        if not path.suffix and not path.exists():
            bundled = {profile_name(p): p for p in list_profiles()}
            if str(ref) not in bundled:
                names = ", ".join(bundled) or "none installed"
                raise InputError(f"profile {ref!r} not found; bundled profiles: {names}. Give a profile name or a "
                                 ".yaml file.")
            path = bundled[str(ref)]
        elif not path.exists():
            raise InputError(f"profile file {path.name} not found.")
    else:
        path = ref
    try:
        doc = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise InputError(f"profile {path.name}: not valid YAML{where} ({getattr(exc, 'problem', exc)}).") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"profile {path.name}: cannot be read ({exc}).") from None
    return parse_profile(doc, source=path.name, default_name=profile_name(path))


def parse_profile(doc, source: str = "profile", default_name: str = "profile") -> Profile:
    where = f"profile {source}"
    if not isinstance(doc, dict):
        raise InputError(f"{where}: expected a mapping with keys name, sheets, ...; got {type(doc).__name__}.")
    known = {"name", "description", "date_formats", "date1904", "encoding", "sheets"}
    _unknown_keys(doc, known, where)
    date_formats = doc.get("date_formats") or []
    if not isinstance(date_formats, list) or not all(isinstance(f, str) and "%" in f for f in date_formats):
        raise InputError(f'{where}: "date_formats" must be a list of strftime formats such as "%d/%m/%Y".')
    date1904 = doc.get("date1904", False)
    if not isinstance(date1904, bool):
        raise InputError(f'{where}: "date1904" must be true or false.')
    encoding = doc.get("encoding")
    if encoding is not None:
        import codecs

        try:
            codecs.lookup(str(encoding))
        except LookupError:
            raise InputError(f'{where}: "encoding" {encoding!r} is not a known text encoding (try utf-8-sig or '
                             "cp1252).") from None
    sheets = doc.get("sheets")
    if not isinstance(sheets, list) or not sheets:
        raise InputError(f'{where}: "sheets" must be a non-empty list of sheet entries.')
    specs = tuple(_parse_sheet(s, f"{where}, sheets[{i}]") for i, s in enumerate(sheets))
    _check_lookups(specs, where)
    return Profile(name=str(doc.get("name") or default_name), description=str(doc.get("description") or ""),
                   sheets=specs, date_formats=tuple(date_formats), date1904=date1904,
                   encoding=str(encoding) if encoding else None, source=source)


def _unknown_keys(doc: dict, known: set[str], where: str) -> None:
    for key in doc:
        if key not in known:
            near = difflib.get_close_matches(str(key), sorted(known), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else f"; expected one of {', '.join(sorted(known))}"
            raise InputError(f"{where}: unknown key {key!r}{hint}")


SHEET_KEYS = {"match", "header_row", "tables", "required", "columns", "codes", "ignore", "constants", "keys",
              "one_row_per", "name", "row_id"}


def _parse_sheet(s, where: str) -> SheetSpec:
    if not isinstance(s, dict):
        raise InputError(f"{where}: each sheet entry must be a mapping with match, tables and columns.")
    _unknown_keys(s, SHEET_KEYS, where)
    match = s.get("match")
    if not isinstance(match, str) or not match.strip():
        raise InputError(f'{where}: "match" must be a sheet name or file name pattern, e.g. "Requests*".')
    header_row = s.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1):
        raise InputError(f'{where}: "header_row" must be a row number (1 or more).')
    tables = s.get("tables")
    if isinstance(tables, str):
        tables = [tables]
    if not isinstance(tables, list) or not tables:
        raise InputError(f'{where}: "tables" must list the canonical tables this sheet feeds, e.g. [person, request].')
    for t in tables:
        if t not in TABLES:
            raise InputError(f'{where}: "tables" names {t!r}, which is not a canonical '
                             f'table{_did_you_mean(t, TABLES)}.')
    columns = s.get("columns") or {}
    if not isinstance(columns, dict):
        raise InputError(f'{where}: "columns" must map each header to a canonical field.')
    out_columns: dict[str, str] = {}
    extra: dict[str, tuple[str, ...]] = {}
    for header, target in columns.items():
        here = f'{where}, columns["{header}"]'
        targets = target if isinstance(target, list) else [target]
        if not targets or not all(isinstance(t, str) for t in targets):
            raise InputError(f"{here}: must name a canonical field, or a list of them for a column that feeds "
                             f"several, got {target!r}.")
        resolved = [resolve_target(t.strip(), tables, here) for t in targets]
        out_columns[str(header)] = resolved[0]
        if len(resolved) > 1:
            extra[str(header)] = tuple(resolved[1:])
    required = s.get("required") or []
    if not isinstance(required, list):
        raise InputError(f'{where}: "required" must be a list of field names.')
    for r in required:
        resolve_target(str(r), tables, f'{where}, required')
    codes = s.get("codes") or {}
    if not isinstance(codes, dict):
        raise InputError(f'{where}: "codes" must map a field to its translations, e.g. week20: {{"yes": "1"}}.')
    out_codes: dict[str, dict[str, str]] = {}
    for target, table in codes.items():
        resolve_target(str(target), tables, f'{where}, codes')
        if not isinstance(table, dict):
            raise InputError(f'{where}, codes["{target}"]: must map local values to codes, e.g. {{"yes": "1"}}.')
        out_codes[str(target)] = {code_key(k): ("" if v is None else str(v).strip()) for k, v in table.items()}
    ignore = s.get("ignore") or []
    if not isinstance(ignore, list):
        raise InputError(f'{where}: "ignore" must be a list of headers.')
    constants = _parse_constants(s.get("constants"), tables, where)
    name, row_id = s.get("name"), s.get("row_id")
    for key, value in (("name", name), ("row_id", row_id)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise InputError(f'{where}: "{key}" must be text, e.g. {key}: "send".')
    if bool(name) != bool(row_id):
        raise InputError(f'{where}: "name" and "row_id" go together: the name other entries look rows up by, and '
                         "the header of this sheet's own row identifier.")
    one_row_per = s.get("one_row_per")
    if one_row_per is not None and one_row_per not in ONE_ROW_PER:
        raise InputError(f'{where}: "one_row_per" must be one of {", ".join(ONE_ROW_PER)}, got {one_row_per!r}.')
    return SheetSpec(match=match.strip(), tables=tuple(tables), columns=out_columns, header_row=header_row,
                     required=tuple(str(r) for r in required), codes=out_codes, ignore=tuple(str(i) for i in ignore),
                     extra_targets=extra, constants=constants,
                     keys=_parse_keys(s.get("keys"), tables, out_columns, extra, where),
                     one_row_per=one_row_per, name=name.strip() if name else None,
                     row_id=row_id.strip() if row_id else None)


def _parse_constants(constants, tables, where: str) -> dict[str, str]:
    """``constants``: a value every data row of the sheet gets, e.g. ``sen_need.sen_type_rank: 1`` under a
    "primary need" column. Checked against the field's kind and code list now, not row by row later."""
    from ..model import CODE, DATE, FLAG, INT

    if constants is None:
        return {}
    if not isinstance(constants, dict):
        raise InputError(f'{where}: "constants" must map a field to the value every row gets, e.g. '
                         "sen_need.sen_type_rank: 1.")
    out = {}
    for target, value in constants.items():
        here = f'{where}, constants["{target}"]'
        target = resolve_target(str(target).strip(), tables, here)
        if value is None or isinstance(value, (dict, list)) or not str(value).strip():
            raise InputError(f"{here}: must be one value, e.g. 1.")
        text = str(value).strip()
        for table, name in targets_in(target, tables):
            fld = TABLES[table].field(name)
            if name in KEY_FIELDS and name in TABLES[table].key[:1]:
                raise InputError(f"{here}: {name} identifies each record, so it cannot be the same on every row; "
                                 "map the column that holds it, or derive it under keys.")
            if fld.kind == CODE and fld.codes and text not in fld.codes:
                raise InputError(f"{here}: {text!r} is not a {name} code; expected one of {', '.join(fld.codes)}.")
            if fld.kind == FLAG and text not in ("0", "1"):
                raise InputError(f"{here}: {name} is yes/no, so the value must be 1 or 0.")
            if fld.kind == INT and not re.fullmatch(r"-?\d+", text):
                raise InputError(f"{here}: {name} is a whole number, got {text!r}.")
            if fld.kind == DATE and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise InputError(f"{here}: {name} is a date; write it as YYYY-MM-DD.")
        out[target] = text
    return out


def _parse_keys(keys, tables, columns: dict[str, str], extra: dict, where: str) -> dict[str, str | Lookup]:
    """``keys``: how to make a key field the file lacks. A template of the row's own fields (one row per child:
    ``request_id: "{person_id}"``, a synthetic request id that is the person's id) or a lookup on another sheet
    (``person_id: {from: send, column: ehcr_send_table_id}``)."""
    if keys is None:
        return {}
    if not isinstance(keys, dict):
        raise InputError(f'{where}: "keys" must map a key field to how it is made, e.g. request_id: "{{person_id}}".')
    fields = {c for t in tables for c in TABLES[t].columns}
    out: dict[str, str | Lookup] = {}
    for name, how in keys.items():
        here = f'{where}, keys["{name}"]'
        name = str(name)
        if name not in KEY_FIELDS + ("order_id", "urn") or name not in fields:
            raise InputError(f"{here}: keys derive the identifiers that link records ({', '.join(KEY_FIELDS)}) "
                             f"of this sheet's tables; {name!r} is not one of them.")
        if name in [t.split(".")[-1] for t in columns.values()] + [t.split(".")[-1] for ts in extra.values()
                                                                    for t in ts]:
            raise InputError(f"{here}: {name} is already mapped from a column; derive it or map it, not both.")
        if isinstance(how, str):
            used = _TEMPLATE_FIELD.findall(how)
            if not used or _TEMPLATE_FIELD.sub("", how).count("{") or _TEMPLATE_FIELD.sub("", how).count("}"):
                raise InputError(f'{here}: a template names this row\'s fields in braces, e.g. "{{person_id}}" or '
                                 f'"{{person_id}}/plan"; got {how!r}.')
            for f in used:
                if f.split(".")[-1] == name:
                    raise InputError(f"{here}: the template cannot use {name} itself.")
                resolve_target(f, tables, here)
            out[name] = how
        elif isinstance(how, dict):
            _unknown_keys(how, {"from", "column"}, here)
            if not isinstance(how.get("from"), str) or not isinstance(how.get("column"), str):
                raise InputError(f'{here}: a lookup names the sheets entry and this sheet\'s column holding its '
                                 'id, e.g. {from: send, column: ehcr_send_table_id}.')
            out[name] = Lookup(how["from"].strip(), how["column"].strip())
        else:
            raise InputError(f'{here}: must be a template such as "{{person_id}}" or a lookup such as '
                             "{from: send, column: ehcr_send_table_id}.")
    return out


def _check_lookups(specs: tuple[SheetSpec, ...], where: str) -> None:
    """Every lookup names a sheets entry (by its ``name``) that maps the key it is asked for."""
    named = {s.name: s for s in specs if s.name}
    for i, spec in enumerate(specs):
        for key, how in spec.keys.items():
            if not isinstance(how, Lookup):
                continue
            here = f'{where}, sheets[{i}], keys["{key}"]'
            other = named.get(how.sheet)
            if other is None:
                names = ", ".join(sorted(named)) or "none has a name"
                raise InputError(f"{here}: no sheets entry is named {how.sheet!r} (named entries: {names}).")
            mapped = {t.split(".")[-1] for h in other.columns for t in other.targets(h)} | set(other.keys)
            if key not in mapped:
                raise InputError(f"{here}: the entry named {how.sheet!r} does not map {key}, so it cannot give it.")


def _did_you_mean(word: str, choices) -> str:
    near = difflib.get_close_matches(str(word), list(choices), n=1)
    return f"; did you mean {near[0]!r}?" if near else ""


def resolve_target(target: str, tables, where: str) -> str:
    """Check a mapping target (``field`` or ``table.field``) against the sheet's tables."""
    if "." in target:
        table, name = target.split(".", 1)
        if table not in TABLES:
            raise InputError(f"{where}: {target!r} names table {table!r}, which is not a canonical table"
                             f"{_did_you_mean(table, TABLES)}.")
        if table not in tables:
            raise InputError(f"{where}: {target!r} feeds table {table!r}, which is not in this sheet's tables "
                             f"({', '.join(tables)}).")
        if name not in TABLES[table].columns:
            raise InputError(f"{where}: {table} has no field {name!r}{_did_you_mean(name, TABLES[table].columns)}.")
        return target
    fields = {c for t in tables for c in TABLES[t].columns}
    if target not in fields:
        everywhere = {c for t in TABLES.values() for c in t.columns}
        if target in everywhere:
            owners = [t.name for t in TABLES.values() if target in t.columns]
            raise InputError(f"{where}: field {target!r} belongs to {', '.join(owners)}, none of which is in this "
                             f"sheet's tables ({', '.join(tables)}).")
        raise InputError(f"{where}: {target!r} is not a canonical field{_did_you_mean(target, sorted(everywhere))}.")
    return target


def targets_in(target: str, tables) -> list[tuple[str, str]]:
    """The (table, field) pairs a mapping target feeds within the sheet's tables."""
    if "." in target:
        table, name = target.split(".", 1)
        return [(table, name)] if table in tables else []
    return [(t, target) for t in tables if target in TABLES[t].columns]


def alias_targets(header) -> tuple[str, ...]:
    """Canonical targets a header means by the built-in alias list (empty if none)."""
    for key in (fold(header), fold_short(header)):
        if key and key in ALIASES:
            return ALIASES[key]
    return ()


def guess_field(header) -> tuple[str | None, bool]:
    """Best canonical target for a header, and whether the guess is sure (alias or exact fold) or a near match."""
    sure = alias_targets(header)
    if sure:
        return sure[0], True
    key = fold_short(header) or fold(header)
    if len(key) < 3:
        return None, False
    near = difflib.get_close_matches(key, list(ALIASES), n=1, cutoff=0.8)
    if near:
        return ALIASES[near[0]][0], False
    return None, False


def _guess_all(header) -> tuple[tuple[str, ...], bool]:
    sure = alias_targets(header)
    if sure:
        return sure, True
    target, _ = guess_field(header)
    return ((target,) if target else ()), False


# Words for codes a draft can translate without asking (only those seen in the file are written).
_DRAFT_WORDS = {"person.sex": {"male": "M", "female": "F", "not known": "U", "unknown": "U", "not specified": "U"}}
_PLAN_TABLES = {"named_plan", "active_plan", "plan_detail", "sen_need", "placement", "review"}


def draft_profile(path: Path) -> str:
    """YAML text of a draft profile for ``sendcheck profile new FILE``: every header mapped or listed to ignore.

    A list with one row per child and no request id (the inspection's Annex A list, a plan tracker) gets a
    synthetic request id made from the person's id, so each row is one person, one request and one plan."""
    from .extract import find_header_row, read_grids  # the grid reader lives with the extract reader

    path = Path(path)
    entries = []
    for grid in read_grids(path, header_probe_only=True):
        if grid.empty_sheet:
            continue
        header_row = find_header_row(grid.rows, None)
        if header_row is None:
            header_row = next((i + 1 for i, r in enumerate(grid.rows[:20])
                               if sum(1 for c in r if str(c).strip()) >= 2), 1)
        headers = [one_line(str(c).strip()) for c in grid.rows[header_row - 1]] if grid.rows else []
        guesses = {h: _guess_all(h) for h in headers if h}
        settled = {c[0].split(".", 1)[0] for c, _ in guesses.values() if len(c) == 1 and "." in c[0]}
        mapped, unsure, ignore = {}, set(), []
        for h, (candidates, sure) in guesses.items():
            target = next((c for c in candidates if c.split(".", 1)[0] in settled), None) or \
                (candidates[0] if candidates else None)
            if target is None or target in mapped.values():
                ignore.append(h)
                continue
            mapped[h] = target
            if not sure:
                unsure.add(h)
        targets = list(mapped.values())
        extras = _one_row_per_child(mapped, [r for r in grid.rows[header_row:] if any(str(c).strip() for c in r)],
                                    headers)
        if extras["keys"]:
            targets.append("request_id")
        tables = _tables_for(targets)
        entries.append((grid, header_row, tables, mapped, unsure, ignore, extras))
    if not entries:
        raise InputError(f"{path.name}: no sheet with headers found; nothing to draft a profile from.")
    name = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "la-extract"
    out = [f"# Draft mapping profile for {path.name}, written by `sendcheck profile new`.",
           "# Check every line marked '# ?' (a guess), then delete the '# ?'. Map or keep ignoring the headers",
           "# listed under 'ignore'. Canonical fields are listed by `sendcheck data-dictionary`.",
           *_bundled_match(path),
           f"name: {name}",
           f"description: {_q('Extract ' + path.name)}",
           "sheets:"]
    for grid, header_row, tables, mapped, unsure, ignore, extras in entries:
        out.append(f"  - match: {_q(grid.sheet or path.name)}")
        out.append(f"    header_row: {header_row}")
        out.append(f"    tables: [{', '.join(tables)}]")
        req = [f for f in ("request_id", "person_id") if f in mapped.values()]
        out.append(f"    required: [{', '.join(req)}]")
        if extras["keys"]:
            out += ["    # One row per child and no request id: each row is one child, one request and one plan, and",
                    "    # the request id is made from the child's id (a synthetic id, not the case system's).",
                    "    one_row_per: plan",
                    "    keys:",
                    '      request_id: "{person_id}"']
        if extras["constants"]:
            out.append("    constants:")
            out += [f"      {t}: {_q(v)}   # {why}" for t, (v, why) in extras["constants"].items()]
        out.append("    columns:" if mapped else "    columns: {}")
        for h, target in mapped.items():
            out.append(f"      {_q(h)}: {target}" + ("   # ?" if h in unsure else ""))
        if extras["codes"]:
            out.append("    codes:   # lettered codes such as \"k) ASD\" need no translation: the label is dropped")
            for target, words in extras["codes"].items():
                out.append(f"      {target}:")
                out += [f"        {_q(k)}: {_q(v)}" for k, v in words.items()]
        if ignore:
            out.append("    # Not recognised: map these to canonical fields under 'columns', or keep ignoring them.")
            out.append("    ignore:")
            out += [f"      - {_q(h)}" for h in ignore]
        else:
            out.append("    ignore: []")
    return "\n".join(out) + "\n"


def _bundled_match(path: Path) -> list[str]:
    """A comment naming the bundled profile that already fits the file, when one does (``check`` uses it)."""
    from . import choose_profile

    try:
        prof, score = choose_profile([path])
    except InputError:
        return []
    return [f"# The bundled profile {prof.name} matches this file ({score:.0%} of its headers found): "
            "`sendcheck check` uses it", "# by itself, so this draft is only needed to change it."]


def _one_row_per_child(mapped: dict[str, str], rows: list[list], headers: list[str]) -> dict:
    """What a draft adds for a list with one row per child: the synthetic request id, constants for a column
    that holds only the primary need, and translations of the code words seen in the sample rows."""
    out: dict = {"keys": False, "constants": {}, "codes": {}}
    values = set(mapped.values())
    tables = {t.split(".", 1)[0] for t in values if "." in t}
    if "person_id" in values and "request_id" not in values and tables & _PLAN_TABLES:
        out["keys"] = True
    for h, t in mapped.items():
        if t == "sen_need.sen_type" and "sen_need.sen_type_rank" not in values and "primary" in h.lower():
            out["constants"]["sen_need.sen_type_rank"] = ("1", f'"{h}" holds the primary need')
        if t in ("plan_detail.urn", "plan_detail.sen_setting") and "plan_detail.placement_rank" not in values \
                and "main" in h.lower():
            out["constants"]["plan_detail.placement_rank"] = ("1", f'"{h}" is the main setting')
        words = _DRAFT_WORDS.get(t)
        if words and h in headers:
            pos = headers.index(h)
            seen = {code_key(_label_dropped(r[pos])) for r in rows if pos < len(r) and str(r[pos]).strip()}
            found = {k: v for k, v in words.items() if k in seen}
            if found:
                out["codes"][t] = found
    return out


def _label_dropped(value) -> str:
    """A cell without an Annex A letter label ("a) Male" -> "Male")."""
    text = str(value).strip()
    m = LETTER_LABEL.match(text)
    return m.group(1) if m else text


def _tables_for(targets: list[str]) -> list[str]:
    """Tables a drafted sheet feeds: those with a mapped non-key field, in model order (person, request, ...)."""
    wanted = set()
    for t in targets:
        if "." in t:
            wanted.add(t.split(".", 1)[0])
    if not wanted:
        wanted = {"request"} if "request_id" in targets else ({"person"} if "person_id" in targets else set())
    if "request_id" in targets and wanted & {"assessment", "named_plan", "active_plan", "placement", "review",
                                              "sen_need", "plan_detail", "advice"}:
        wanted.add("request")
    if "person_id" in targets and "request" in wanted:
        wanted.add("person")
    return [t for t in TABLES if t in wanted] or ["request"]


def _q(text: str) -> str:
    """A YAML double-quoted scalar on one line: quotes, backslashes and line breaks (a heading typed with Alt+Enter)
    are escaped, so the draft always loads. JSON's string syntax is valid YAML."""
    return json.dumps(str(text), ensure_ascii=False)
