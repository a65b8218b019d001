"""Which rules each canonical field feeds, worked out from the rule files and the subject views' declarations.

A council with a partial file (the inspection's Annex A list, one sheet of a tracker) needs to know which duties
its columns let the checker evaluate. A rule names the fields it reads (``Rule.fields_used``: clock start and stop,
deadline fields, conditions, exceptions); each subject view declares which canonical fields it takes
(``checker/engine/views.py``). The fields a view derives (the date the plan was made, the next phase transfer,
age) are traced back here to the canonical fields they are worked out from: :data:`DERIVED_FROM` must name every
derived field the views declare (a test holds it to that), so the data dictionary that prints this cannot drift
from the rules.
"""

from __future__ import annotations

from .engine.views import ALL, EVERY_SUBJECT, SUBJECTS
from .model import TABLES

_PLACEMENT = ("placement.urn", "placement.sen_setting", "placement.entry_date", "placement.leaving_date",
              "placement.placement_rank")
_SCHOOL_OF_CHILD = (*_PLACEMENT, "plan_detail.urn", "plan_detail.placement_rank")

# What each derived view field is worked out from: canonical fields as ``table.field``, or other derived fields.
# Mirrors the derivations in checker/engine/views.py and checker/engine/derive.py.
DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "record_id": (),
    "condition_date": (),  # the day before the run date
    "urn": _SCHOOL_OF_CHILD + ("review.urn",),
    "review_urn": ("review.urn",),
    "person_team": ("person.team",),
    "person_caseworker": ("person.caseworker",),
    "age_at_request": ("person.birth_date", "request.received_date"),
    "plan_made_date": ("named_plan.start_date", "assessment.assessment_outcome_date",
                       "assessment.assessment_outcome"),
    "last_review_decision": ("active_plan.last_review", "review.decision_date"),
    "review_clock_start": ("last_review_decision", "plan_made_date"),
    "age": ("person.birth_date",),
    "cease_allowed_from": ("named_plan.cease_appeal_date", "named_plan.cease_appeal_decided_date"),
    "transfer_out_due": ("named_plan.move_date", "named_plan.move_known_date"),
    "nc_year_now": ("person.nc_year", "person.birth_date"),
    "current_urn": _PLACEMENT,
    "current_sen_setting": _PLACEMENT,
    "provision_gap": (*_PLACEMENT, "plan_made_date"),
    "provision_gap_since": (*_PLACEMENT, "plan_made_date"),
    "transfer_kind": ("nc_year_now", "current_urn", "urn", "school.phase", "school.school_name"),
    "transfer_year": ("transfer_kind",),
    "transfer_date": ("transfer_year",),
    "phase_transfer_final_date_earlier": ("active_plan.phase_transfer_final_date", "transfer_year"),
    "phase_transfer_maintained_date": ("active_plan.last_review", "active_plan.review_outcome",
                                       "review.decision_date", "review.outcome", "transfer_year"),
    "compulsory_school_age_end": ("person.birth_date",),
    "plan_end_25": ("person.birth_date",),
    "transfer_review_due": ("review_clock_start", "active_plan.transfer_in_date"),
    "nc_year_at_meeting": ("review.meeting_date", "person.nc_year", "person.birth_date"),
    "senco_award_due": ("school.senco_appointed_date",),
    "senco_appointed_before_2009": ("school.senco_appointed_date",),
    "senco_award_date_recorded": ("school.senco_award_date",),
    "pb_due_date": ("personal_budget.pb_requested_date", "assessment.assessment_outcome_date",
                    "assessment.assessment_outcome"),
    "commissioner_kind": ("health_provision.specified_date",),
    "dmo": (),  # SEN2 header items, not a canonical table
    "dco": (),
    "dsco": (),
}

# Identifiers and owners every view carries: they link and label a finding, they do not decide it.
_NOT_INPUTS = set(EVERY_SUBJECT) - {"condition_date"}


def _canonical(subject: str) -> dict[str, list[tuple[str, str]]]:
    """View field -> the canonical (table, field) pairs a subject view takes it from."""
    out: dict[str, list[tuple[str, str]]] = {}
    spec = SUBJECTS[subject]
    if spec.extends:
        out.update(_canonical(spec.extends))
    for table, columns in spec.tables.items():
        for name in (TABLES[table].columns if columns is ALL else columns):
            out.setdefault(name, []).append((table, name))
    return out


def _derived(subject: str) -> set[str]:
    """The fields a subject view (and the one it extends) derives rather than takes from a table."""
    spec = SUBJECTS[subject]
    return set(spec.derived) | (_derived(spec.extends) if spec.extends else set())


def inputs_of(subject: str, field: str, _seen: frozenset = frozenset()) -> set[tuple[str, str]]:
    """The canonical (table, field) pairs a view field of ``subject`` is read or worked out from."""
    if field in _NOT_INPUTS or field in _seen:
        return set()
    direct = _canonical(subject).get(field)
    if direct and field not in _derived(subject):
        return set(direct)
    out: set[tuple[str, str]] = set()
    for source in DERIVED_FROM.get(field, ()):
        if "." in source:
            table, name = source.split(".", 1)
            out.add((table, name))
        else:
            out |= inputs_of(subject, source, _seen | {field})
    return out


def rules_by_field(rules) -> dict[tuple[str, str], list[str]]:
    """(table, field) -> the ids of the rules it feeds, in the rules' own order."""
    out: dict[tuple[str, str], list[str]] = {}
    for rule in rules:
        for name in rule.fields_used():
            for pair in sorted(inputs_of(rule.applies_to, name)):
                ids = out.setdefault(pair, [])
                if rule.id not in ids:
                    ids.append(rule.id)
    return out


def derived_fields_declared() -> set[str]:
    """Every derived field the subject views declare (what :data:`DERIVED_FROM` must cover)."""
    return {name for spec in SUBJECTS.values() for name in spec.derived} | set(EVERY_SUBJECT)
