"""What the SEND manager's report shows: headline, a glance per family, work lists, data issues, rules.

Statutory duties ("must") and statutory guidance ("should") are counted and listed apart throughout: a
departure from guidance is not a breach of law, and the report must never let the two be added together.
"""

from __future__ import annotations

import pandas as pd

from . import headline as hl
from .catalogue import rule_rows
from .fmt import STATUS_ORDER, family_label, status_label
from .svg import STATUS_FILL, Bar, bar_chart

LIST_LIMIT = 2000  # rows per work list in the HTML; the workbook always has every row
NO_TEAM = "No team recorded"
NO_CASEWORKER = "No caseworker recorded"


def family_glance(findings: pd.DataFrame, strength: str) -> list[dict]:
    """Per family: counts by status and a chart of them, for one strength of rule."""
    must = findings["strength"].eq("must").to_numpy(dtype=bool)
    chosen = must if strength == "must" else ~must
    # Counted, not copied (a national run has millions of findings); with a few families and statuses,
    # comparing against each is lighter than hashing millions of strings.
    family = findings["family"].fillna("").to_numpy(dtype=object)[chosen]
    status = findings["status"].to_numpy(dtype=object)[chosen]
    by_family: dict[str, dict[str, int]] = {}
    for name in set(family):
        in_family = status[family == name]
        by_family[name] = {s: int((in_family == s).sum()) for s in set(in_family)}
    out = []
    for family, found in sorted(by_family.items(), key=lambda kv: family_label(kv[0])):
        counts = {s: found[s] for s in STATUS_ORDER if found.get(s)}
        total = sum(found.values())
        label = family_label(family)
        bars = [Bar(status_label(s), n, f"{n:,}", STATUS_FILL.get(s, "#1d70b8")) for s, n in counts.items()]
        breaches = counts.get("late", 0) + counts.get("overdue", 0)
        desc = (f"{total:,} findings: " + ", ".join(f"{status_label(s).lower()} {n:,}" for s, n in counts.items()))
        out.append({"family": family, "label": label, "total": total, "breaches": breaches, "counts": counts,
                    "chart": bar_chart(f"chart-{strength}-{family or 'other'}", f"{label}: findings by status",
                                       desc, bars)})
    return out


def grouped_list(frame: pd.DataFrame, limit: int = LIST_LIMIT) -> tuple[list[dict], int]:
    """Findings grouped by team then caseworker, worst first inside each; returns (groups, rows left out)."""
    frame = frame.assign(
        _team=frame["team"].fillna("").astype(str).str.strip().replace("", NO_TEAM),
        _worker=frame["caseworker"].fillna("").astype(str).str.strip().replace("", NO_CASEWORKER),
        _late=pd.to_numeric(frame["days_late"], errors="coerce").fillna(-10**9),
    ).sort_values(["_team", "_worker", "_late", "due_date", "rule_id", "record_id"],
                  ascending=[True, True, False, True, True, True], kind="stable")
    shown = frame.iloc[:limit]
    totals = frame.groupby(["_team", "_worker"], sort=False).size()
    groups: list[dict] = []
    # Sorted by team and caseworker, so each group is one run of rows: one conversion for all the rows shown.
    for key, row in zip(zip(shown["_team"], shown["_worker"]), shown.to_dict("records")):
        if not groups or (groups[-1]["team"], groups[-1]["caseworker"]) != key:
            groups.append({"team": key[0], "caseworker": key[1], "rows": [], "total": int(totals[key])})
        groups[-1]["rows"].append(row)
    return groups, max(0, len(frame) - limit)


def issue_summary(issues: pd.DataFrame) -> list[dict]:
    """Data issues by check: how many, how serious, which files and columns to look in."""
    if not len(issues):
        return []
    out = []
    frame = issues.fillna("")
    for (issue_id, severity), group in frame.groupby(["issue_id", "severity"], sort=True):
        places = sorted({", ".join(p for p in (f, f'sheet "{s}"' if s else "", f'column "{c}"' if c else "") if p)
                         for f, s, c in zip(group["file"], group["sheet"], group["column"])})
        out.append({"issue_id": issue_id, "severity": severity, "count": len(group),
                    "example": group["message"].iloc[0], "places": places[:10],
                    "more_places": max(0, len(places) - 10)})
    return sorted(out, key=lambda r: (r["severity"] != "error", -r["count"], r["issue_id"]))


def build(result, head: hl.Headline, limit: int = LIST_LIMIT) -> dict:
    findings = result.findings
    overdue = findings[findings["status"].eq("overdue")]
    overdue_groups, overdue_more = grouped_list(overdue, limit)
    soon = hl.due_within(findings, result.as_at)
    soon_groups, soon_more = grouped_list(soon, limit)
    issues = result.issues
    issue_rows = issues.sort_values(["severity", "file", "sheet", "row", "column"], kind="stable",
                                    key=lambda s: s.astype(str)).fillna("")
    headline_chart = bar_chart(
        "chart-headline", "Timeliness against the national figure",
        "Percentage of new EHC plans issued within 20 weeks locally and in England.",
        [Bar("Here, excl. exceptions", head.timely_excl.percent or 0, head.timely_excl.display),
         Bar(f"England {head.timely_excl.national.year}" if head.timely_excl.national else "England",
             head.timely_excl.national.value if head.timely_excl.national else 0,
             head.timely_excl.national.display if head.timely_excl.national else "not published", "#505a5f")],
        max_value=100)
    return {
        "headline": head, "headline_chart": headline_chart,
        "must_families": family_glance(findings, "must"), "should_families": family_glance(findings, "should"),
        "overdue_groups": overdue_groups, "overdue_more": overdue_more, "overdue_total": len(overdue),
        "soon_groups": soon_groups, "soon_more": soon_more, "soon_total": len(soon),
        "issue_summary": issue_summary(issues), "issue_rows": issue_rows.iloc[:limit].to_dict("records"),
        "issue_more": max(0, len(issue_rows) - limit), "issue_total": len(issue_rows),
        "rules": rule_rows(result.rules, findings), "limit": limit,
    }
