"""The Excel workbooks: the breach workbook for the SEND team and the inspection pack's evidence.

Written with :mod:`checker.reports.xlsx`, which encodes each column once per distinct value (ten times faster
than a cell-by-cell writer on these tables) and gives a byte-identical file for the same findings.

Each data sheet has a styled, frozen header row, an autofilter, set column widths, real Excel dates, and a
text status that conditional formatting colours. Text cells are always string cells, and those that
look like formulas also carry the quote prefix (see :mod:`checker.reports.safety`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..distinct import per_unique
from . import headline as hl
from .catalogue import rule_rows
from .fmt import STATUS_LABELS, family_label, family_sheet, status_label
from .safety import identifier_masker
from .xlsx import MAX_ROWS, Column, Workbook

# Conditional formatting fills (GOV.UK tag colours); the status text is always there as well.
STATUS_FILLS = {
    "overdue": ("F4CDC6", "2A0B06"), "late": ("FCD6C3", "6E3619"), "due_soon": ("FFF7BF", "594D00"),
    "insufficient_data": ("E5E6E7", "282D30"), "pending": ("D2E2F1", "0C2D4A"), "excepted": ("EFDFED", "491644"),
    "compliant": ("CCE2D8", "005A30"),
}
STATUS_HIGHLIGHTS = {STATUS_LABELS[status]: colours for status, colours in STATUS_FILLS.items()}

FINDING_SHEET_COLUMNS = [
    Column("Status", "status_text", width=18), Column("Days late", "days_late", "int", 10),
    Column("Rule", "rule_id", width=22), Column("What is checked", "title", width=44),
    Column("Kind", "strength_text", width=12), Column("Record", "record_id", width=16),
    Column("Person ID", "person_id", width=14), Column("UPN", "upn", width=15), Column("Team", "team", width=16),
    Column("Caseworker", "caseworker", width=18), Column("Clock start", "clock_start", "date", 12),
    Column("Due", "due_date", "date", 12), Column("Done", "stopped_date", "date", 12),
    Column("Exception", "exception", width=18), Column("School URN", "urn", width=11),
    Column("Message", "message", width=50), Column("Legal source", "source", width=40),
    Column("Note", "note", width=30),
]
INSPECTION_FINDING_COLUMNS = [c for c in FINDING_SHEET_COLUMNS if c.key != "upn"]
ISSUE_SHEET_COLUMNS = [
    Column("Severity", "severity_text", width=10), Column("Check", "issue_id", width=22),
    Column("File", "file", width=22), Column("Sheet", "sheet", width=16), Column("Row", "row", "int", 8),
    Column("Column", "column", width=20), Column("Value", "value", width=20), Column("Table", "table", width=14),
    Column("Record", "record_id", width=16), Column("Message", "message", width=80),
]
RULE_SHEET_COLUMNS = [
    Column("Rule", "id", width=22), Column("What is checked", "title", width=44),
    Column("Area", "family_label", width=30), Column("Kind", "strength_text", width=12),
    Column("Owed by", "owed_by", width=20), Column("Source", "sources_text", width=60),
    Column("What to do", "action", width=50), Column("Applies to", "applies_to", width=14),
    Column("Findings", "findings", "int", 10),
]


def sheet_title(name: str, used: set[str]) -> str:
    """A valid, unique sheet name (31 characters, none of []:*?/\\)."""
    clean = "".join("-" if c in '[]:*?/\\' else c for c in name).strip("'")[:31] or "Sheet"
    title, n = clean, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


class WorkbookWriter:
    """The reports' sheets, named and split the way the reports want them, written on :meth:`close`."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.book = Workbook(title="sendcheck report")
        self.used: set[str] = set()

    def table(self, name: str, columns: list[Column], frame: pd.DataFrame, status_key: str | None = "status"):
        """Write a frame as one or more sheets (Excel holds about a million rows per sheet)."""
        chunks = [frame.iloc[i:i + MAX_ROWS] for i in range(0, len(frame), MAX_ROWS)] or [frame]
        coloured = bool(status_key and columns and columns[0].key == "status_text")
        for part, chunk in enumerate(chunks):
            title = sheet_title(name if part == 0 else f"{name} {part + 1}", self.used)
            self.book.add_table(title, columns, chunk, STATUS_HIGHLIGHTS if coloured else None)

    def key_values(self, name: str, title: str, sections: list[tuple[str, list[list]]]):
        """A summary sheet: a title, then captioned blocks of rows (first row of each block is its header)."""
        rows = [[(title, "title")]]
        for caption, block in sections:
            rows.append([])
            rows.append([(caption, "bold")])
            for j, row in enumerate(block):
                rows.append([(v, "header" if j == 0 else None) for v in row])
        self.book.add_cells(sheet_title(name, self.used), rows, [58, 18, 18, 18, 60])

    def close(self) -> Path:
        return self.book.save(self.path)


def prepare_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings in the order people read them: worst status first, most days late first."""
    from .fmt import STATUS_ORDER

    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    status = findings["status"].astype(object)
    frame = findings.assign(
        status_text=per_unique(status, lambda u: u.map(status_label), ""),  # a few statuses, many findings
        strength_text=np.where(findings["strength"].eq("must").fillna(False).to_numpy(bool), "must", "should"),
        _order=status.map(order).fillna(len(order)),
        _late=-pd.to_numeric(findings["days_late"], errors="coerce").fillna(-10**9),
    )
    return frame.sort_values(["_order", "_late", "due_date", "rule_id", "record_id"], kind="stable")


def notice_block(result) -> list[tuple[str, list[list]]]:
    """The run's notices (checker/notices.py) as a summary-sheet block, before the figures; none when all is
    well."""
    notices = getattr(result, "notices", None) or []
    if not notices:
        return []
    return [("Before you read this", [["Kind", "Notice"]] +
             [["Warning" if n.level == "warning" else "Note", n.text] for n in notices])]


def headline_rows(head: hl.Headline) -> list[list]:
    rows = [["Measure", "Here", "Cases", "England", "National year and source"]]
    for f in head.figures():
        nat = f.national
        rows.append([f.label, f.display, f.counts, nat.display if nat else "not published",
                     f"{nat.period}; {nat.source}" if nat else ""])
    rows.append(["Statutory duties late or overdue (must)", head.breaches, "", "", ""])
    rows.append(["Departures from statutory guidance (should): not breaches of law", head.departures, "", "", ""])
    return rows


def write_breach_workbook(result, head: hl.Headline, path: Path) -> Path:
    findings = prepare_findings(result.findings)
    w = WorkbookWriter(path)
    counts = [["Area", "Kind", "Findings", "Late", "Overdue", "Due soon", "Not enough data"]]
    for (family, strength), g in sorted(findings.groupby([findings["family"].fillna(""),
                                                          findings["strength_text"]]),
                                        key=lambda kv: (family_label(kv[0][0]), kv[0][1])):
        vc = g["status"].value_counts()
        counts.append([family_label(family), strength, len(g), int(vc.get("late", 0)), int(vc.get("overdue", 0)),
                       int(vc.get("due_soon", 0)), int(vc.get("insufficient_data", 0))])
    w.key_values("Summary", "SEND statutory compliance: breach workbook", [
        ("Run", [["Item", "Value"], ["Data as at", result.as_at], ["Timeliness period", head.period],
                 ["Input files", ", ".join(Path(str(p)).name for p in result.inputs)]]),
        *notice_block(result),
        ("Headline figures", headline_rows(head)),
        ("Findings by area (must = statutory duty; should = statutory guidance, not a breach of law)", counts),
    ])
    groups = findings.groupby([findings["family"].fillna(""), findings["strength_text"]], sort=False)
    for (family, strength), g in sorted(groups, key=lambda kv: (kv[0][1] != "must", family_label(kv[0][0]))):
        name = family_sheet(family) if strength == "must" else f"{family_sheet(family)} (guidance)"
        w.table(name, FINDING_SHEET_COLUMNS, g)
    soon = hl.due_within(findings, result.as_at)
    w.table("Due soon", FINDING_SHEET_COLUMNS, soon)
    write_issue_sheet(w, result.issues)
    write_rules_sheet(w, result)
    return w.close()


def write_issue_sheet(w: WorkbookWriter, issues: pd.DataFrame):
    frame = issues.assign(severity_text=issues["severity"].map({"error": "Error", "query": "Query"}))
    frame = frame.sort_values(["severity", "file", "sheet", "row", "column"], kind="stable",
                              key=lambda s: s.astype(str))
    w.table("Data issues", ISSUE_SHEET_COLUMNS, frame, status_key=None)


def write_rules_sheet(w: WorkbookWriter, result):
    rows = rule_rows(result.rules, result.findings)
    frame = pd.DataFrame(rows, columns=["id", "title", "family_label", "strength", "owed_by", "sources", "action",
                                        "applies_to", "findings"])
    frame["sources_text"] = frame["sources"].map(lambda s: "; ".join(s))
    frame["strength_text"] = frame["strength"]
    w.table("Rules", RULE_SHEET_COLUMNS, frame, status_key=None)


# No names, dates of birth or UPNs in the inspection pack: the person reference is the LA's own id (UPNs inside
# ids are masked by safety.identifier_masker), and age replaces the date of birth.
PLAN_COLUMNS = [
    Column("Person ID", "person_id", width=14), Column("Age", "age", "int", 6),
    Column("Age band", "age_band", width=12), Column("Request", "request_id", width=14),
    Column("Initial plan date", "initial_plan_date", "date", 14), Column("Last review", "last_review", "date", 12),
    Column("Establishment", "establishment", width=34), Column("Setting type", "setting_type", width=26),
    Column("Primary need", "primary_need", width=30), Column("Team", "team", width=14),
    Column("Caseworker", "caseworker", width=18), Column("Data checks", "data_checks", width=60),
]
TREND_COLUMNS = [
    Column("Period", "period", width=16), Column("Plans issued", "plans", "int", 12),
    Column("Exception cases", "excepted", "int", 12), Column("On time, excl. exceptions", "on_time_excl", "int", 14),
    Column("Plans, excl. exceptions", "plans_excl", "int", 14), Column("% excl. exceptions", "pct_excl", width=12),
    Column("On time, incl. exceptions", "on_time_incl", "int", 14), Column("% incl. exceptions", "pct_incl", width=12),
    Column("England excl.", "national_excl", width=12), Column("England incl.", "national_incl", width=12),
    Column("National source", "national_source", width=50),
]
BREAKDOWN_COLUMNS = [
    Column("Group", "group", width=40), Column("Plans in force", "plans", "int", 12),
    Column("Reviews overdue", "reviews_overdue", "int", 12), Column("Plans issued in period", "issued", "int", 14),
    Column("% within 20 weeks, excl.", "pct_excl", width=14), Column("% within 20 weeks, incl.", "pct_incl", width=14),
]


def write_inspection_workbook(result, head: hl.Headline, insp: dict, path: Path) -> Path:
    findings = result.findings
    w = WorkbookWriter(path)
    w.key_values("Summary", "Inspection pack: EHC plans and timeliness", [
        ("Run", [["Item", "Value"], ["Data as at", result.as_at], ["Timeliness period", head.period]]),
        *notice_block(result),
        ("Headline figures", headline_rows(head)),
    ])
    w.table("Trend by year", TREND_COLUMNS, pd.DataFrame(insp["calendar"]), status_key=None)
    monthly = pd.DataFrame(insp["monthly"])
    w.table("Trend by month", TREND_COLUMNS, monthly, status_key=None)
    for name, key in (("By primary need", "by_need"), ("By age", "by_age"), ("By setting type", "by_setting")):
        w.table(name, BREAKDOWN_COLUMNS, pd.DataFrame(insp[key]), status_key=None)
    w.table("Children with plans", PLAN_COLUMNS, insp["plans"], status_key=None)
    plans = hl.issued(findings, hl.FINAL_20W)
    plans = plans.assign(
        note=np.where(plans["excepted"], "Exception: counted only in 'incl. exceptions'",
                      np.where(plans["on_time"], "Within 20 weeks", "Over 20 weeks")),
        in_period=(plans["stopped_date"] >= pd.Timestamp(head.period_start))
        & (plans["stopped_date"] <= pd.Timestamp(head.period_end)))
    plans["note"] = plans["note"] + np.where(plans["in_period"], "; in headline period", "")
    mask = identifier_masker(result.dataset)

    def evidence(frame):
        frame = prepare_findings(frame)
        for col in ("person_id", "record_id"):
            frame[col] = mask(frame[col])
        return frame

    w.table("20-week plans", INSPECTION_FINDING_COLUMNS, evidence(plans))
    decisions = hl.issued(findings, hl.DECISION_6W)
    w.table("6-week decisions", INSPECTION_FINDING_COLUMNS, evidence(decisions))
    w.table("Reviews", INSPECTION_FINDING_COLUMNS, evidence(findings[findings["rule_id"].eq(hl.REVIEW_12M)]))
    w.table("Due soon", INSPECTION_FINDING_COLUMNS, evidence(hl.due_within(findings, result.as_at)))
    return w.close()
