"""The small condition language of rule files, compiled two ways from one definition.

``when`` and ``exceptions`` entries are mappings such as ``{field: assessment_outcome, in: [Y, A]}``,
``{field: week20, equals: "1"}``, ``{field: draft_response_date, present: true}``, ``{field: age, ge: 14}`` or
``{any: [...]}``. A missing value never equals anything and is always "not in" a list. The vectorised evaluator needs them as pandas masks; the durable_rules engine needs them as
its JSON condition syntax. Compiling both from the same mapping is what keeps the two engines in step.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NUMERIC_OPS = {"lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}


def _text(value) -> str:
    return str(value).strip()


def mask(cond: dict, frame: pd.DataFrame) -> pd.Series:
    """Boolean Series: rows of ``frame`` meeting the condition (missing values never meet a value test)."""
    if "any" in cond:
        out = pd.Series(False, index=frame.index)
        for c in cond["any"]:
            out |= mask(c, frame)
        return out
    col = frame[cond["field"]] if cond["field"] in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    present = col.notna()
    if "present" in cond:
        return present if cond["present"] else ~present
    if "in" in cond or "not_in" in cond or "equals" in cond or "not_equals" in cond:
        values = cond.get("in") or cond.get("not_in") or [cond.get("equals", cond.get("not_equals"))]
        wanted = [_text(v) for v in values]
        # decided once per distinct value, not once per row (a national view has millions of rows, few codes)
        codes, uniques = pd.factorize(col.to_numpy(dtype=object), use_na_sentinel=True)
        member = np.array([_text(u) in wanted for u in uniques] + [False], dtype=bool)
        hit = pd.Series(member[codes], index=frame.index)
        # not_in / not_equals: a missing value is "not in" the list (an outcome not yet recorded is still open)
        return hit if ("in" in cond or "equals" in cond) else ~hit
    for op in NUMERIC_OPS:
        if op in cond:
            num = pd.to_numeric(col, errors="coerce")
            bound = float(cond[op])
            cmp = {"lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}[op]
            return pd.Series(cmp(num.to_numpy(dtype=float, na_value=np.nan), bound), index=frame.index) & num.notna()
    raise ValueError(f"unsupported condition {cond!r}")


def all_of(conditions, frame: pd.DataFrame) -> pd.Series:
    out = pd.Series(True, index=frame.index)
    for cond in conditions:
        out &= mask(cond, frame)
    return out


def any_of(conditions, frame: pd.DataFrame) -> pd.Series:
    out = pd.Series(False, index=frame.index)
    for cond in conditions:
        out |= mask(cond, frame)
    return out


# --- durable_rules JSON -------------------------------------------------------------------------------------

def durable(cond: dict) -> dict:
    """The condition in durable_rules' JSON syntax (facts carry None for missing values)."""
    if "any" in cond:
        return {"$or": [durable(c) for c in cond["any"]]}
    name = cond["field"]
    if "present" in cond:
        return {"$neq": {name: None}} if cond["present"] else {name: None}
    if "in" in cond or "equals" in cond:
        values = cond.get("in") or [cond.get("equals")]
        parts = [{name: _text(v)} for v in values]
        return parts[0] if len(parts) == 1 else {"$or": parts}
    if "not_in" in cond or "not_equals" in cond:
        values = cond.get("not_in") or [cond.get("not_equals")]
        return {"$or": [{name: None}, {"$and": [{"$neq": {name: _text(v)}} for v in values]}]}
    for op, dop in NUMERIC_OPS.items():
        if op in cond:
            return {"$and": [{"$neq": {name: None}}, {dop: {name: float(cond[op])}}]}
    raise ValueError(f"unsupported condition {cond!r}")


def durable_negate(cond: dict) -> dict:
    """The logical negation (used for 'no exception applies')."""
    if "any" in cond:
        return {"$and": [durable_negate(c) for c in cond["any"]]}
    name = cond["field"]
    if "present" in cond:
        return {name: None} if cond["present"] else {"$neq": {name: None}}
    if "in" in cond or "equals" in cond:
        values = cond.get("in") or [cond.get("equals")]
        return {"$or": [{name: None}, {"$and": [{"$neq": {name: _text(v)}} for v in values]}]}
    if "not_in" in cond or "not_equals" in cond:
        values = cond.get("not_in") or [cond.get("not_equals")]
        parts = [{name: _text(v)} for v in values]
        return parts[0] if len(parts) == 1 else {"$or": parts}
    for op, dop in NUMERIC_OPS.items():
        if op in cond:
            inverse = {"$lt": "$gte", "$lte": "$gt", "$gt": "$lte", "$gte": "$lt"}[dop]
            return {"$or": [{name: None}, {inverse: {name: float(cond[op])}}]}
    raise ValueError(f"unsupported condition {cond!r}")


def fact_value(value, numeric: bool):
    """A cell as a durable_rules fact value: None when missing, float for numeric fields, else stripped text."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if numeric:
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    return _text(value)


def numeric_fields(conditions) -> set[str]:
    out: set[str] = set()
    for cond in conditions:
        if "any" in cond:
            out |= numeric_fields(cond["any"])
        elif any(op in cond for op in NUMERIC_OPS):
            out.add(cond["field"])
    return out
