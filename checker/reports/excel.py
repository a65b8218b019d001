"""The Excel workbooks: the breach workbook for the SEND team and the inspection pack's evidence.

Written with openpyxl in write-only mode (rows stream to disk, so a national run does not hold every cell in
memory). Each data sheet has a styled, frozen header row, an autofilter, set column widths, real Excel dates,
and a text status that conditional formatting colours. Text cells are always string cells, and those that
look like formulas also carry the quote prefix (see :mod:`checker.reports.safety`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import headline as hl
from .catalogue import rule_rows
from .fmt import STATUS_LABELS, family_label, status_label
from .safety import cell_text, is_dangerous

MAX_ROWS = 1_048_575  # Excel's row limit less the header row; longer tables continue on a numbered sheet
DATE_FORMAT = "dd/mm/yyyy"
HEADER_FILL = PatternFill("solid", fgColor="0B0C0C")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=16)
BOLD = Font(bold=True)
# Conditional formatting fills (GOV.UK tag colours); the status text is always there as well.
STATUS_FILLS = {
    "overdue": ("F4CDC6", "2A0B06"), "late": ("FCD6C3", "6E3619"), "due_soon": ("FFF7BF", "594D00"),
    "insufficient_data": ("E5E6E7", "282D30"), "pending": ("D2E2F1", "0C2D4A"), "excepted": ("EFDFED", "491644"),
    "compliant": ("CCE2D8", "005A30"),
}


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: str = "text"  # text, date, int, number
    width: float = 14


FINDING_SHEET_COLUMNS = [
    Column("Status", "status_text", width=18), Column("Days late", "days_late", "int", 10),
    Column("Rule", "rule_id", width=22), Column("What is checked", "title", width=44),
    Column("Kind", "strength_text", width=12), Column("Record", "record_id", width=16),
    Column("Person ID", "person_id", width=14), Column("UPN", "upn", width=15), Column("Team", "team", width=16),
    Column("Caseworker", "caseworker", width=18), Column("Clock start", "clock_start", "date", 12),
    Column("Due", "due_date", "date", 12), Column("Done", "stopped_date", "date", 12),
    Column("Exception", "exception", width=18), Column("School URN", "urn", width=11),
    Column("Message", "message", width=50), Column("Where in the input", "source", width=40),
    Column("Note", "note", width=30),
]
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
    def __init__(self):
        self.wb = Workbook(write_only=True)
        self.used: set[str] = set()

    def _header_cells(self, ws, headers):
        cells = []
        for h in headers:
            c = WriteOnlyCell(ws, value=h)
            c.font, c.fill = HEADER_FONT, HEADER_FILL
            c.alignment = Alignment(wrap_text=True, vertical="top")
            cells.append(c)
        return cells

    def table(self, name: str, columns: list[Column], frame: pd.DataFrame, status_key: str | None = "status"):
        """Write a frame as one or more sheets (Excel holds about a million rows per sheet)."""
        chunks = [frame.iloc[i:i + MAX_ROWS] for i in range(0, max(len(frame), 1), MAX_ROWS)] or [frame]
        for part, chunk in enumerate(chunks):
            title = sheet_title(name if part == 0 else f"{name} {part + 1}", self.used)
            self._write_table(title, columns, chunk, status_key)

    def _write_table(self, title, columns, frame, status_key):
        ws = self.wb.create_sheet(title)
        for i, col in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = col.width
        ws.freeze_panes = "A2"
        n = len(frame)
        last = get_column_letter(len(columns))
        ws.auto_filter.ref = f"A1:{last}{n + 1}"
        if status_key and "status" in frame.columns and columns and columns[0].key == "status_text" and n:
            for status, (fill, font) in STATUS_FILLS.items():
                ws.conditional_formatting.add(
                    f"A2:A{n + 1}", FormulaRule(formula=[f'$A2="{STATUS_LABELS[status]}"'],
                                                fill=PatternFill("solid", fgColor=fill, bgColor=fill),
                                                font=Font(color=font)))
        ws.append(self._header_cells(ws, [c.header for c in columns]))
        series = [_column_values(frame, c) for c in columns]
        kinds = [c.kind for c in columns]
        date_cols = [i for i, k in enumerate(kinds) if k == "date"]
        text_cols = [i for i, k in enumerate(kinds) if k == "text"]
        for values in zip(*series):
            row = list(values)
            for i in date_cols:
                v = row[i]
                if v is not None:
                    cell = WriteOnlyCell(ws, value=v)
                    cell.number_format = DATE_FORMAT
                    row[i] = cell
            for i in text_cols:
                v = row[i]
                if v and is_dangerous(v):
                    row[i] = _text_cell(ws, v)
            ws.append(row)

    def key_values(self, name: str, title: str, sections: list[tuple[str, list[list]]]):
        """A summary sheet: a title, then captioned blocks of rows (first row of each block is its header)."""
        ws = self.wb.create_sheet(sheet_title(name, self.used))
        ws.column_dimensions["A"].width = 58
        for letter in "BCDEFGH":
            ws.column_dimensions[letter].width = 18
        ws.column_dimensions["E"].width = 60
        head = WriteOnlyCell(ws, value=title)
        head.font = TITLE_FONT
        ws.append([head])
        for caption, rows in sections:
            ws.append([])
            cap = WriteOnlyCell(ws, value=caption)
            cap.font = BOLD
            ws.append([cap])
            for j, row in enumerate(rows):
                if j == 0:
                    ws.append(self._header_cells(ws, row))
                else:
                    ws.append([_safe(ws, v) for v in row])

    def save(self, path: Path):
        self.wb.save(path)


def _text_cell(ws, text: str):
    cell = WriteOnlyCell(ws, value=None)
    cell._value, cell.data_type = text, "s"  # never "f": a string cell, whatever it starts with
    cell.quotePrefix = True
    return cell


def _safe(ws, value):
    if isinstance(value, str):
        text = cell_text(value)
        return _text_cell(ws, text) if is_dangerous(text) else text
    if isinstance(value, (dt.date, pd.Timestamp)):
        cell = WriteOnlyCell(ws, value=pd.Timestamp(value).to_pydatetime())
        cell.number_format = DATE_FORMAT
        return cell
    return value


def _column_values(frame: pd.DataFrame, col: Column) -> list:
    if col.key not in frame.columns:
        return [None] * len(frame)
    s = frame[col.key]
    if col.kind == "date":
        s = pd.to_datetime(s, errors="coerce")
        arr = s.dt.to_pydatetime() if len(s) else []
        return [None if v is pd.NaT or v is None or (isinstance(v, float)) else v for v in np.asarray(arr, dtype=object)]
    if col.kind == "int":
        num = pd.to_numeric(s, errors="coerce")
        return [None if pd.isna(v) else int(v) for v in num.tolist()]
    if col.kind == "number":
        num = pd.to_numeric(s, errors="coerce")
        return [None if pd.isna(v) else float(v) for v in num.tolist()]
    return [cell_text(v) or None for v in s.tolist()]


def prepare_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings in the order people read them: worst status first, most days late first."""
    from .fmt import STATUS_ORDER

    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    frame = findings.assign(
        status_text=findings["status"].map(status_label),
        strength_text=findings["strength"].map(lambda s: "must" if s == "must" else "should"),
        _order=findings["status"].map(order).fillna(len(order)),
        _late=-pd.to_numeric(findings["days_late"], errors="coerce").fillna(-10**9),
    )
    return frame.sort_values(["_order", "_late", "due_date", "rule_id", "record_id"], kind="stable")


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
    w = WorkbookWriter()
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
        ("Headline figures", headline_rows(head)),
        ("Findings by area (must = statutory duty; should = statutory guidance, not a breach of law)", counts),
    ])
    groups = findings.groupby([findings["family"].fillna(""), findings["strength_text"]], sort=False)
    for (family, strength), g in sorted(groups, key=lambda kv: (kv[0][1] != "must", family_label(kv[0][0]))):
        name = family_label(family) if strength == "must" else f"{family_label(family)} (guidance)"
        w.table(name, FINDING_SHEET_COLUMNS, g)
    soon = hl.due_within(findings, result.as_at)
    w.table("Due soon", FINDING_SHEET_COLUMNS, soon)
    write_issue_sheet(w, result.issues)
    write_rules_sheet(w, result)
    w.save(path)
    return path


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


PLAN_COLUMNS = [
    Column("Person ID", "person_id", width=14), Column("UPN", "upn", width=15), Column("Surname", "surname", width=18),
    Column("Forename", "forename", width=18), Column("Date of birth", "birth_date", "date", 12),
    Column("Age", "age", "int", 6), Column("Age band", "age_band", width=12), Column("Request", "request_id", width=14),
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
    w = WorkbookWriter()
    w.key_values("Summary", "Inspection pack: EHC plans and timeliness", [
        ("Run", [["Item", "Value"], ["Data as at", result.as_at], ["Timeliness period", head.period]]),
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
    w.table("20-week plans", FINDING_SHEET_COLUMNS, prepare_findings(plans))
    decisions = hl.issued(findings, hl.DECISION_6W)
    w.table("6-week decisions", FINDING_SHEET_COLUMNS, prepare_findings(decisions))
    w.table("Reviews", FINDING_SHEET_COLUMNS, prepare_findings(findings[findings["rule_id"].eq(hl.REVIEW_12M)]))
    w.table("Due soon", FINDING_SHEET_COLUMNS, prepare_findings(hl.due_within(findings, result.as_at)))
    w.save(path)
    return path
