"""Machine-readable outputs: findings (CSV and JSON lines), data issues, accounting and a run summary.

Byte-identical for the same input and as-at date: rows are sorted, dates are ISO, floats never appear, and the
summary carries no clock time (the generated-at line lives only in the human reports).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd

from .result import FINDING_COLUMNS, STATUSES, RunResult

DATE_COLUMNS = ("clock_start", "due_date", "stopped_date")


def _cell(value) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def inert_text(values: pd.Series) -> pd.Series:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP "CSV injection").

    Managers open findings.csv and data_issues.csv in Excel, and a surname typed as =HYPERLINK(...) in the case
    system must not become a live formula there. findings.jsonl keeps every value exactly as read.
    """
    from .reports.safety import FORMULA_TRIGGERS

    text = values.astype(object)
    risky = text.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_TRIGGERS))
    return text.where(~risky, "'" + text.astype(str)) if risky.any() else values


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col].dtype):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = inert_text(out[col])
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def write_jsonl(findings: pd.DataFrame, path: Path) -> None:
    """One JSON object per finding, keys in FINDING_COLUMNS order, dates as YYYY-MM-DD, missing as null.

    Serialised by pandas' C encoder: a national run has millions of findings.
    """
    frame = findings[FINDING_COLUMNS].copy()
    for col in DATE_COLUMNS:  # an empty run's frame has object columns: coerce rather than trust the dtype
        frame[col] = pd.to_datetime(frame[col], errors="coerce").dt.strftime("%Y-%m-%d")
    frame["days_late"] = frame["days_late"].astype("Int64")
    # pandas escapes "/" as "\/" (valid JSON, but noisy); every real backslash is doubled, so this is exact
    text = frame.to_json(orient="records", lines=True, force_ascii=False, date_format="iso").replace("\\/", "/")
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(text if text.endswith("\n") or not text else text + "\n")


def status_counts(findings: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per rule, how many records are in each status."""
    out: dict[str, dict[str, int]] = {}
    if findings.empty:
        return out
    table = findings.groupby(["rule_id", "status"]).size()
    for (rule_id, status), n in table.items():
        out.setdefault(rule_id, {s: 0 for s in STATUSES})[status] = int(n)
    return dict(sorted(out.items()))


def summary(result: RunResult) -> dict:
    return {
        "as_at": result.as_at.isoformat(),
        "inputs": result.inputs,
        "settings": result.settings,
        "rules_evaluated": sorted({r.id for r in result.rules} - set(result.not_evaluated)),
        "rules_not_evaluated": dict(sorted(result.not_evaluated.items())),
        "accounting": result.accounting.astype(object).where(result.accounting.notna(), None).to_dict("records"),
        "data_issues": {"error": int((result.issues["severity"] == "error").sum()) if len(result.issues) else 0,
                        "query": int((result.issues["severity"] == "query").sum()) if len(result.issues) else 0},
        "findings_by_rule": status_counts(result.findings),
    }


def write_machine_outputs(result: RunResult, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "findings.csv", out_dir / "findings.jsonl", out_dir / "data_issues.csv",
             out_dir / "accounting.csv", out_dir / "summary.json"]
    write_csv(result.findings[FINDING_COLUMNS], paths[0])
    write_jsonl(result.findings, paths[1])
    write_csv(result.issues, paths[2])
    write_csv(result.accounting, paths[3])
    paths[4].write_text(json.dumps(summary(result), indent=2, ensure_ascii=False, default=_cell) + "\n",
                        encoding="utf-8")
    return paths
