"""What a school's governors see: the school's own duties and counts about its pupils' plans, never a child.

Only counts leave this module. A count from 1 up to the threshold is shown as "fewer than N" so that a small
school's figures cannot point to one child; zero is shown as 0 because it says nothing about anyone.
"""

from __future__ import annotations


from . import headline as hl
from .fmt import STATUS_ORDER, family_label, status_label

PUPIL_FAMILIES = ("reviews", "phase_transfer")
NO_SCHOOL = "No school recorded"


def suppress(n: int, threshold: int) -> str:
    n = int(n)
    if 0 < n < threshold:
        return f"fewer than {threshold}"
    return f"{n:,}"


def school_names(result) -> dict[str, str]:
    schools = result.dataset.table("school")
    names = {}
    for urn, name in zip(schools["urn"], schools["school_name"]):
        if isinstance(urn, str) and urn.strip():
            names[urn.strip()] = name.strip() if isinstance(name, str) and name.strip() else f"School {urn.strip()}"
    return names


def school_urns(result) -> list[str]:
    """Every school the run knows about: from the school table and from the findings' URNs."""
    urns = set(school_names(result))
    urns.update(u.strip() for u in result.findings["urn"].dropna().astype(str) if u.strip())
    return sorted(urns)


def school_view(result, urn: str, names: dict[str, str], threshold: int, findings_by_urn=None) -> dict:
    findings = findings_by_urn.get(urn) if findings_by_urn is not None else None
    if findings is None:
        findings = result.findings[result.findings["urn"].astype(str).str.strip().eq(urn)]
    duties_frame = findings[findings["family"].eq("schools")].sort_values(["rule_id"], kind="stable")
    rules = {str(getattr(r, "id", "")): r for r in result.rules}
    duties = []
    for row in duties_frame.itertuples(index=False):
        rule = rules.get(row.rule_id)
        sources = getattr(rule, "source", None) or []
        duties.append({"rule_id": row.rule_id, "title": row.title, "status": row.status,
                       "status_label": status_label(row.status), "strength": row.strength,
                       "source": "; ".join([sources] if isinstance(sources, str) else list(sources)),
                       "action": getattr(rule, "action", "") if row.status in ("late", "overdue") else ""})
    pupils = findings[findings["family"].isin(PUPIL_FAMILIES)]
    plans = findings[findings["rule_id"].eq(hl.REVIEW_12M)]
    soon = hl.due_within(pupils, result.as_at)
    rows = []
    for (rule_id, title), group in pupils.groupby(["rule_id", "title"], sort=True):
        counts = group["status"].value_counts()
        rows.append({"rule_id": rule_id, "title": title, "family": family_label(group["family"].iloc[0]),
                     "cells": {s: suppress(counts.get(s, 0), threshold) for s in STATUS_ORDER},
                     "total": suppress(len(group), threshold)})
    return {
        "urn": urn, "name": names.get(urn, NO_SCHOOL if urn == "" else f"School {urn}"),
        "duties": duties,
        "duties_met": sum(d["status"] == "compliant" for d in duties), "duties_total": len(duties),
        "plans": suppress(plans["person_id"].nunique(), threshold),
        "reviews_overdue": suppress(int(plans["status"].eq("overdue").sum()), threshold),
        "reviews_on_time": suppress(int(plans["status"].eq("compliant").sum()), threshold),
        "reviews_late": suppress(int(plans["status"].eq("late").sum()), threshold),
        "due_soon": suppress(len(soon), threshold),
        "pupil_rows": rows,
    }


def build(result, threshold: int) -> dict:
    names = school_names(result)
    urn_col = result.findings["urn"].astype("string").str.strip().fillna("")
    by_urn = {u: g for u, g in result.findings.groupby(urn_col, sort=False)}
    empty = result.findings.iloc[0:0]
    views = [school_view(result, urn, names, threshold, {urn: by_urn.get(urn, empty)}) for urn in school_urns(result)]
    statuses = list(STATUS_ORDER)
    return {"schools": views, "threshold": threshold, "statuses": statuses,
            "status_labels": {s: status_label(s) for s in statuses},
            "unassigned": suppress(int(((urn_col == "") & result.findings["rule_id"].eq(hl.REVIEW_12M)).sum()),
                                   threshold)}
