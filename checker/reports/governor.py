"""What a school's governors see: the school's own duties and counts about its pupils' plans, never a child.

Only counts leave this module. A count from 1 up to the threshold is shown as "fewer than N" so that a small
school's figures cannot point to one child; zero is shown as 0 because it says nothing about anyone.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from ..distinct import per_unique
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


def _per_school(result, urn: pd.Series) -> dict[str, dict]:
    """Everything a school's page counts, for every school at once (grouped, not filtered school by school:
    a national run has over 20,000 schools)."""
    counted = ["family", "rule_id", "title", "status", "strength", "person_id", "due_date", "record_id"]
    findings = result.findings[counted].assign(school_urn=urn)  # only these: a national run has millions of rows
    rules = {str(getattr(r, "id", "")): r for r in result.rules}
    out: dict[str, dict] = defaultdict(lambda: {"duties": [], "pupil_rows": []})

    duties = findings[findings["family"].eq("schools")].sort_values(["school_urn", "rule_id"], kind="stable")
    for row in duties[["school_urn", "rule_id", "title", "status", "strength"]].itertuples(index=False):
        rule = rules.get(row.rule_id)
        sources = getattr(rule, "source", None) or []
        out[row.school_urn]["duties"].append({
            "rule_id": row.rule_id, "title": row.title, "status": row.status,
            "status_label": status_label(row.status), "strength": row.strength,
            "source": "; ".join([sources] if isinstance(sources, str) else list(sources)),
            "action": getattr(rule, "action", "") if row.status in ("late", "overdue") else ""})

    pupils = findings[findings["family"].isin(PUPIL_FAMILIES)]
    keys = ["school_urn", "rule_id", "title"]
    if len(pupils):
        counts = pupils.groupby(keys + ["status"], sort=True).size().unstack("status", fill_value=0)
        families = pupils.groupby(keys, sort=True)["family"].first()
        for (school, rule_id, title), row in zip(counts.index, counts.to_dict("records")):
            out[school]["pupil_rows"].append({"rule_id": rule_id, "title": title,
                                              "family": family_label(families[(school, rule_id, title)]),
                                              "counts": row, "total": sum(row.values())})

    reviews = findings[findings["rule_id"].eq(hl.REVIEW_12M)]
    review_counts = reviews.groupby(["school_urn", "status"]).size().unstack("status", fill_value=0)
    people = reviews.groupby("school_urn")["person_id"].nunique()
    soon = hl.due_within(pupils, result.as_at)["school_urn"].value_counts()
    for school in set(review_counts.index) | set(people.index) | set(soon.index):
        got = out[school]
        got["plans"] = int(people.get(school, 0))
        for status in ("overdue", "compliant", "late"):
            got[f"reviews_{status}"] = int(review_counts.at[school, status]) if (
                school in review_counts.index and status in review_counts.columns) else 0
        got["due_soon"] = int(soon.get(school, 0))
    return out


def school_view(urn: str, counted: dict, names: dict[str, str], threshold: int) -> dict:
    duties = counted.get("duties", [])
    return {
        "urn": urn, "name": names.get(urn, NO_SCHOOL if urn == "" else f"School {urn}"),
        "duties": duties,
        "duties_met": sum(d["status"] == "compliant" for d in duties), "duties_total": len(duties),
        "plans": suppress(counted.get("plans", 0), threshold),
        "reviews_overdue": suppress(counted.get("reviews_overdue", 0), threshold),
        "reviews_on_time": suppress(counted.get("reviews_compliant", 0), threshold),
        "reviews_late": suppress(counted.get("reviews_late", 0), threshold),
        "due_soon": suppress(counted.get("due_soon", 0), threshold),
        "pupil_rows": [{"rule_id": r["rule_id"], "title": r["title"], "family": r["family"],
                        "cells": {s: suppress(r["counts"].get(s, 0), threshold) for s in STATUS_ORDER},
                        "total": suppress(r["total"], threshold)} for r in counted.get("pupil_rows", [])],
    }


def build(result, threshold: int) -> dict:
    names = school_names(result)
    urn_col = _stripped(result.findings["urn"])
    counted = _per_school(result, urn_col)
    views = [school_view(urn, counted.get(urn, {}), names, threshold) for urn in school_urns(result)]
    statuses = list(STATUS_ORDER)
    return {"schools": views, "threshold": threshold, "statuses": statuses,
            "status_labels": {s: status_label(s) for s in statuses},
            "unassigned": suppress(int(((urn_col == "") & result.findings["rule_id"].eq(hl.REVIEW_12M)).sum()),
                                   threshold)}


def _stripped(urns: pd.Series) -> pd.Series:
    """URNs as trimmed text, "" for none; each distinct URN trimmed once."""
    return per_unique(urns, lambda u: u.map(lambda v: str(v).strip()).astype("string"), "")
