"""Machine-readable outputs: findings (CSV and JSON lines), data issues, accounting and a run summary.

Byte-identical for the same input and as-at date: rows are sorted, dates are ISO, floats never appear, and the
summary carries no clock time (the generated-at line lives only in the human reports).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .engine.fingerprint import rules_fingerprint
from .reports.safety import FORMULA_START, FORMULA_TRIGGERS
from .result import FINDING_COLUMNS, STATUSES, RunResult, issue_counts
from .textscan import flagged, starting

DATE_COLUMNS = ("clock_start", "due_date", "stopped_date")


def _cell(value) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


# Rows are rendered a chunk at a time so that a national run (millions of findings) never holds its whole
# output text in memory, and each distinct value is encoded once: most columns (rule, status, dates, team,
# citation) have few distinct values, so a million rows cost a few thousand encodings plus one join per row.
CHUNK_ROWS = 50_000


def _missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def _csv_value(value) -> str:
    if _missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        text = "'" + text
    if any(c in text for c in ',"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def _json_value(value) -> str:
    if _missing(value):
        return "null"
    if isinstance(value, pd.Timestamp):
        return '"' + value.strftime("%Y-%m-%d") + '"'
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    return json.dumps(str(value), ensure_ascii=False)


# Text needing care: CSV quoting or a formula-like start; JSON escaping. A match only sends that value to the
# careful per-value encoder, so a false alarm costs time, never correctness.
_CSV_QUOTE = re.compile("[,\"\r\n]")
_JSON_SPECIAL = re.compile('["\\\\\x00-\x1f\u2028\u2029]')


def _encoded(column: pd.Series, encode, prefix: str = "") -> np.ndarray:
    """The column's cells as text, encoding each distinct value once.

    Dates, whole numbers and plain strings (the common case: ids, messages) are encoded in bulk with array
    operations; only the values a special pattern flags go through ``encode`` one by one.
    """
    json = encode is _json_value
    missing = prefix + encode(None)
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        codes, uniques = pd.factorize(column.to_numpy(), use_na_sentinel=True)
        texts = np.datetime_as_string(np.asarray(uniques).astype("datetime64[D]")).astype(object)
        return np.append(prefix + ('"' + texts + '"' if json else texts), missing)[codes]
    if pd.api.types.is_integer_dtype(column.dtype):
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        texts = np.asarray(uniques, dtype=np.int64).astype(str).astype(object)
        return np.append(prefix + texts, missing)[codes]
    codes, uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)  # objects: faster
    if not len(uniques) or pd.api.types.infer_dtype(uniques, skipna=False) != "string":
        return np.array([prefix + encode(u) for u in uniques] + [missing], dtype=object)[codes]
    values = uniques.tolist()
    if json:
        table = prefix + ('"' + np.asarray(uniques, dtype=object) + '"')
        for i in flagged(values, _JSON_SPECIAL):
            table[i] = prefix + encode(values[i])
    else:
        for i in starting(values, FORMULA_START):
            values[i] = "'" + values[i]
        for i in flagged(values, _CSV_QUOTE):
            values[i] = '"' + values[i].replace('"', '""') + '"'
        table = prefix + np.array(values, dtype=object) if prefix else np.array(values, dtype=object)
    return np.append(table, missing)[codes]


def _chunks(frame: pd.DataFrame):
    for start in range(0, len(frame), CHUNK_ROWS):
        yield frame.iloc[start:start + CHUNK_ROWS]


def _rows_text(cells: list[np.ndarray], opening: str, separator: str, closing: str) -> str:
    """Rows of encoded cells as one text, each row ``opening`` + cells joined by ``separator`` + ``closing``.

    The pieces go into one flat list, column by column, and are joined once: no Python work per row."""
    n, width = len(cells[0]), 2 * len(cells) + 1
    pieces: list[str] = [separator] * (n * width)
    pieces[0::width] = [opening] * n
    for j, column in enumerate(cells):
        pieces[2 * j + 1::width] = column.tolist()
    pieces[width - 1::width] = [closing] * n
    return "".join(pieces)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV with a header row, minimal quoting, "\\n" line ends, ISO dates and formula-looking text made inert."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        write_csv_to(frame, fh)


def write_csv_to(frame: pd.DataFrame, fh) -> None:
    """:func:`write_csv` into an open text stream (a file, or a buffer for the terminal or a download)."""
    fh.write(",".join(_csv_value(c) for c in frame.columns) + "\n")
    if not len(frame.columns):
        return
    for chunk in _chunks(frame):
        fh.write(_rows_text([_encoded(chunk[col], _csv_value) for col in chunk.columns], "", ",", "\n"))


def write_jsonl(findings: pd.DataFrame, path: Path) -> None:
    """One JSON object per finding, keys in FINDING_COLUMNS order, dates as YYYY-MM-DD, missing as null."""
    frame = findings[FINDING_COLUMNS]
    keys = [json.dumps(col) + ":" for col in FINDING_COLUMNS]
    with path.open("w", encoding="utf-8", newline="") as fh:
        for chunk in _chunks(frame):
            cells = [_encoded(chunk[col], _json_value, key) for key, col in zip(keys, FINDING_COLUMNS)]
            fh.write(_rows_text(cells, "{", ",", "}\n"))


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
    """What summary.json holds. ``sendcheck_version`` and ``rules_fingerprint`` say which program and which law
    encoding made the findings (see :mod:`checker.engine.fingerprint`)."""
    return {
        "sendcheck_version": __version__,
        "rules_fingerprint": rules_fingerprint(result.rules),
        "as_at": result.as_at.isoformat(),
        "as_at_source": result.as_at_source,
        "notices": [n.as_dict() for n in result.notices],
        "inputs": result.inputs,
        "settings": result.settings,
        "rules_evaluated": sorted({r.id for r in result.rules} - set(result.not_evaluated)),
        "rules_not_evaluated": dict(sorted(result.not_evaluated.items())),
        "accounting": result.accounting.astype(object).where(result.accounting.notna(), None).to_dict("records"),
        "data_issues": issue_counts(result.issues),
        "findings_by_rule": status_counts(result.findings),
    }


def machine_output_jobs(result: RunResult, out_dir: Path) -> list:
    """The machine-readable outputs as jobs for :func:`checker.lanes.run` (the two findings files are the big
    ones, so each is its own job and they can be written side by side)."""
    from .lanes import Job

    out_dir.mkdir(parents=True, exist_ok=True)

    def findings_csv() -> list[Path]:
        write_csv(result.findings[FINDING_COLUMNS], out_dir / "findings.csv")
        return [out_dir / "findings.csv"]

    def findings_jsonl() -> list[Path]:
        write_jsonl(result.findings, out_dir / "findings.jsonl")
        return [out_dir / "findings.jsonl"]

    def the_rest() -> list[Path]:
        paths = [out_dir / "data_issues.csv", out_dir / "accounting.csv", out_dir / "summary.json"]
        write_csv(result.issues, paths[0])
        write_csv(result.accounting, paths[1])
        paths[2].write_text(json.dumps(summary(result), indent=2, ensure_ascii=False, default=_cell) + "\n",
                            encoding="utf-8")
        return paths

    # Costs: seconds on a 32,500-person LA, as for the report jobs.
    return [Job("findings.csv", 0.5, findings_csv), Job("findings.jsonl", 0.6, findings_jsonl),
            Job("data issues, accounting and summary", 0.05, the_rest)]


def write_machine_outputs(result: RunResult, out_dir: Path) -> list[Path]:
    """findings.csv, findings.jsonl, data_issues.csv, accounting.csv and summary.json, one after another."""
    return [p for job in machine_output_jobs(result, out_dir) for p in job.write()]
