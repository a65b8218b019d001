"""Where each SEN2 XML element lands in the canonical tables, for every collection year 2023-2026.

One map per SEN2 container element (Person, Requests, Assessment, ...). Element names are matched after
lower-casing, because real files disagree on case (``SENsetting`` in the DfE guide and Capita One,
``SENSetting`` in other suppliers' output) and some converters misspell ``PlanWBP``/``WBP`` as
``PlanWPB``/``WPB``; every spelling seen in the wild is listed as an alias here and nowhere else.

``years`` records the returns an item belongs to (sen2-data.md A.2) so that an element from the wrong year is
still read but queried: a 2025 file that still carries ``AttendancePattern`` was probably produced by software
that was not updated for the year.

The flat SEN2 forms (COLLECT Blade CSV, pre-submission workbook) use the same element names in lower case, so
their profiles (profiles/sen2-*.yaml) point at the same canonical fields.
"""

from __future__ import annotations

from dataclasses import dataclass

ALL_YEARS = frozenset(range(2022, 2100))


def _years(first: int, last: int | None = None) -> frozenset[int]:
    return frozenset(range(first, (last or 2099) + 1))


@dataclass(frozen=True)
class Element:
    name: str  # the DfE spelling, used in messages
    table: str
    field: str
    years: frozenset[int] = ALL_YEARS
    aliases: tuple[str, ...] = ()
    codes: dict | None = None  # translation applied to the text (e.g. 2023 GenderCurrent -> sex)


# GenderCurrent (2023): 0 not known, 1 male, 2 female, 9 not specified. Sex (2024+) is M/F.
GENDER_TO_SEX = {"0": "U", "1": "M", "2": "F", "9": "U"}

PERSON_ID_ELEMENTS = ("personid", "persontableid", "nativeid")  # a supplier's own person identifier, if any

# Container elements (lower case) -> the SEN2 element that holds them, as in the XML nesting.
CONTAINERS = {
    "person": "persons",
    "requests": "person",
    "assessment": "requests",
    "namedplan": "assessment",
    "plandetail": "namedplan",
    "activeplans": "requests",
    "placementdetail": "activeplans",
    "senneed": "activeplans",
}

# The DfE spelling of each container, for messages.
CONTAINER_NAMES = {
    "person": "Person", "requests": "Requests", "assessment": "Assessment", "namedplan": "NamedPlan",
    "plandetail": "PlanDetail", "activeplans": "ActivePlans", "placementdetail": "PlacementDetail",
    "senneed": "SENneed",
}

_SETTING = (
    Element("URN", "", "urn"),
    Element("UKPRN", "", "ukprn"),
    Element("SENsetting", "", "sen_setting"),
    Element("SENSettingOther", "", "sen_setting_other"),
    Element("PlacementRank", "", "placement_rank"),
    Element("SENunitIndicator", "", "sen_unit"),
    Element("ResourcedProvisionIndicator", "", "resourced_provision"),
)


def _in(table: str, elements: tuple[Element, ...]) -> tuple[Element, ...]:
    return tuple(Element(e.name, table, e.field, e.years, e.aliases, e.codes) for e in elements)


_BY_CONTAINER: dict[str, tuple[Element, ...]] = {
    "person": (
        Element("Surname", "person", "surname"),
        Element("Forename", "person", "forename"),
        Element("PersonBirthDate", "person", "birth_date"),
        Element("Sex", "person", "sex", _years(2024)),
        Element("GenderCurrent", "person", "sex", _years(2022, 2023), codes=GENDER_TO_SEX),
        Element("Ethnicity", "person", "ethnicity"),
        Element("PostCode", "person", "postcode"),
        Element("UPN", "person", "upn"),
        Element("UniqueLearnerNumber", "person", "uln", aliases=("ULN",)),
        Element("UPNunknown", "person", "upn_unknown"),
    ),
    "requests": (
        Element("ReceivedDate", "request", "received_date"),
        Element("RequestSource", "request", "request_source", _years(2025)),
        Element("RYA", "request", "rya"),
        Element("RequestOutcomeDate", "request", "request_outcome_date"),
        Element("RequestOutcome", "request", "request_outcome"),
        Element("RequestMediation", "request", "request_mediation"),
        Element("RequestTribunal", "request", "request_tribunal"),
        Element("Exported", "request", "exported"),
    ),
    "assessment": (
        Element("AssessmentOutcome", "assessment", "assessment_outcome"),
        Element("AssessmentOutcomeDate", "assessment", "assessment_outcome_date"),
        Element("AssessmentMediation", "assessment", "assessment_mediation"),
        Element("AssessmentTribunal", "assessment", "assessment_tribunal"),
        Element("OtherMediation", "assessment", "other_mediation"),
        Element("OtherTribunal", "assessment", "other_tribunal"),
        Element("Week20", "assessment", "week20"),
    ),
    "namedplan": (
        Element("StartDate", "named_plan", "start_date"),
        Element("PlanRes", "named_plan", "plan_res"),
        Element("PlanWBP", "named_plan", "plan_wbp", aliases=("PlanWPB",)),
        Element("PB", "named_plan", "pb"),
        Element("OA", "named_plan", "oa"),
        Element("DP", "named_plan", "dp"),
        Element("CeaseDate", "named_plan", "cease_date"),
        Element("CeaseReason", "named_plan", "cease_reason"),
    ),
    "plandetail": _in("plan_detail", _SETTING),
    "activeplans": (
        Element("TransferLA", "active_plan", "transfer_la"),
        # 2023 put Res/WBP on the active plan; 2024+ on each placement. The reader copies them to the plan's
        # placements so the canonical placement table is the same shape every year.
        Element("Res", "placement", "res", _years(2022, 2023), aliases=("RES",)),
        Element("WBP", "placement", "wbp", _years(2022, 2023), aliases=("WPB",)),
        Element("ReviewMeeting", "active_plan", "review_meeting", _years(2024)),
        Element("ReviewOutcome", "active_plan", "review_outcome", _years(2024)),
        Element("ReviewDraft", "active_plan", "review_draft", _years(2025)),
        Element("PhaseTransferDueDate", "active_plan", "phase_transfer_due_date", _years(2025)),
        Element("PhaseTransferFinalDate", "active_plan", "phase_transfer_final_date", _years(2025)),
        Element("LastReview", "active_plan", "last_review"),  # moves to the end of the sequence in 2026
    ),
    "placementdetail": (
        *_in("placement", _SETTING),
        Element("EntryDate", "placement", "entry_date"),
        Element("LeavingDate", "placement", "leaving_date"),
        Element("Res", "placement", "res", _years(2024), aliases=("RES",)),
        Element("WBP", "placement", "wbp", _years(2024), aliases=("WPB",)),
        Element("AttendancePattern", "placement", "attendance_pattern", _years(2022, 2023)),
    ),
    "senneed": (
        Element("SENtype", "sen_need", "sen_type"),
        Element("SENtypeRank", "sen_need", "sen_type_rank"),
    ),
}

# container -> {lower-case element name or alias -> Element}
ELEMENTS: dict[str, dict[str, Element]] = {
    container: {n.lower(): e for e in elements for n in (e.name, *e.aliases)}
    for container, elements in _BY_CONTAINER.items()
}

# Header items (CollectionDetails and Source), DfE spelling by lower-case name. DSCO is 2025+.
HEADER_ITEMS = {n.lower(): n for n in (
    "Collection", "Year", "ReferenceDate", "SourceLevel", "LEA", "SoftwareCode", "Release", "SerialNo",
    "DateTime", "DMO", "DCO", "DSCO",
)}
HEADER_YEARS = {"dsco": _years(2025)}


def element_for(container: str, name: str) -> Element | None:
    """The map entry for an element inside ``container`` (both compared in lower case)."""
    return ELEMENTS.get(container.lower(), {}).get(name.lower())


def year_note(element: Element, year: int | None) -> str | None:
    """Why an element is unexpected in a return for ``year``, or None if it belongs there."""
    if year is None or year in element.years:
        return None
    first, last = min(element.years), max(element.years)
    if last >= 2099:
        return f"{element.name} is collected from the {first} return onwards"
    return f"{element.name} was collected only up to the {last} return" if first < 2023 else \
        f"{element.name} was collected only in the {first}-{last} returns"
