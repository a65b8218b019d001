"""The rule catalogue as the reports print it: what each rule checks, who owes it and where the law says so."""

from __future__ import annotations

import pandas as pd

from .fmt import family_label


def _sources(rule) -> list[str]:
    source = getattr(rule, "source", None) or []
    if isinstance(source, str):
        return [source]
    return [str(s) for s in source]


def rule_rows(rules: list, findings: pd.DataFrame) -> list[dict]:
    """One dict per rule, ordered by family then id, with how many findings it produced."""
    counts = findings["rule_id"].value_counts().to_dict() if len(findings) else {}
    rows = []
    for rule in rules:
        rid = str(getattr(rule, "id", ""))
        family = getattr(rule, "family", "") or ""
        strength = getattr(rule, "strength", "") or ""
        rows.append({
            "id": rid, "title": getattr(rule, "title", "") or "", "family": family,
            "family_label": family_label(family), "strength": strength,
            "owed_by": getattr(rule, "owed_by", "") or "", "description": getattr(rule, "description", "") or "",
            "sources": _sources(rule), "action": getattr(rule, "action", "") or "",
            "applies_to": getattr(rule, "applies_to", "") or "", "findings": int(counts.get(rid, 0)),
        })
    return sorted(rows, key=lambda r: (r["family_label"], r["strength"] != "must", r["id"]))
