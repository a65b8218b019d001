"""The history database: one SQLite file holding one recorded run per month.

Why these choices:
- One run per month (the as-at date's year and month). Re-recording a month, from the same extract or a
  corrected one, replaces that month's run, so a re-run never doubles the figures.
- Every write is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``): a crash or an error half way leaves the
  file exactly as it was, and a second sendcheck writing at the same time waits rather than interleaving.
- The file holds children's record ids, so it is created readable by its owner only (0600), and deleted rows
  are overwritten on disk (``secure_delete``) so deleting a month really removes it.
- Findings keep ids, dates and statuses, never names: no caseworker, UPN, message or source line.
- A database from an older sendcheck is migrated in place (see ``migrations``); one from a newer sendcheck is
  refused with a message rather than guessed at.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
from pathlib import Path

import pandas as pd

from ..engine.fingerprint import rules_fingerprint
from ..result import BREACH_STATUSES
from .compare import finding_ids, month_of
from .migrations import MIGRATIONS, SCHEMA_VERSION

DEFAULT_NAME = "sendcheck-history.sqlite"
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
FINDING_FIELDS = ["finding_id", "rule_id", "record_table", "record_id", "person_id", "status", "clock_start",
                  "due_date", "stopped_date", "days_late", "exception", "family", "strength", "breach_since", "team"]
DATE_FIELDS = ("clock_start", "due_date", "stopped_date")


class HistoryError(Exception):
    """A problem with the history database that the person running sendcheck can act on."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_fingerprint(paths) -> str:
    """sha256 of the input files' bytes: for one file, exactly what ``sha256sum`` prints; for several, the
    sha256 of their sorted digests, one a line, so neither order nor file names change it."""
    digests = []
    for p in paths:
        try:
            digests.append(sha256_file(Path(p)))
        except OSError as exc:
            raise HistoryError(f"{Path(p).name}: cannot read the input file to fingerprint it "
                               f"({exc.strerror}).") from None
    if len(digests) == 1:
        return digests[0]
    return hashlib.sha256("".join(d + "\n" for d in sorted(digests)).encode()).hexdigest()


def _create_private(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, 0o600)


def schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='schema_version'").fetchone()
    if row is None:
        return 0
    got = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(got[0]) if got else 0


def migrate(conn: sqlite3.Connection, upto: int | None = None) -> int:
    """Run the migrations the database has not seen, up to ``upto`` (default: all), in one transaction."""
    target = SCHEMA_VERSION if upto is None else upto
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise HistoryError(f"the history database is at schema version {current}, written by a newer sendcheck "
                           f"(this one knows up to {SCHEMA_VERSION}); upgrade sendcheck to use it.")
    if current >= target:
        return current
    script = ["BEGIN IMMEDIATE;"]
    if current == 0:
        script.append("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
                      "DELETE FROM schema_version; INSERT INTO schema_version VALUES (0);")
    script.extend(MIGRATIONS[current:target])
    script.append(f"UPDATE schema_version SET version = {int(target)}; COMMIT;")
    try:
        conn.executescript("\n".join(script))
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise HistoryError(f"could not bring the history database from schema {current} to {target} ({exc}); "
                           "the file is unchanged.") from None
    return target


def _delete_month_rows(conn: sqlite3.Connection, month: str):
    """Delete a month's run, its counts and its findings inside the caller's transaction; the old run id or None."""
    old = conn.execute("SELECT run_id FROM runs WHERE month = ?", (month,)).fetchone()
    if old:
        conn.execute("DELETE FROM findings WHERE run_id = ?", old)
        conn.execute("DELETE FROM run_counts WHERE run_id = ?", old)
        conn.execute("DELETE FROM runs WHERE run_id = ?", old)
    return old


def open_store(path, *, upto: int | None = None) -> Store:
    """Open (creating or migrating as needed) the history database at ``path``.

    ``upto`` stops the migrations at an earlier schema version; it exists for the tests of the migration path.
    """
    path = Path(path)
    if path.is_dir():
        path = path / DEFAULT_NAME
    try:
        _create_private(path)
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    except OSError as exc:
        raise HistoryError(f"{path.name}: cannot create the history database ({exc.strerror}).") from None
    except sqlite3.Error as exc:
        raise HistoryError(f"{path.name}: cannot open the history database ({exc}).") from None
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")
        migrate(conn, upto)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise HistoryError(f"{path.name}: not a sendcheck history database ({exc}).") from None
    except HistoryError as exc:
        conn.close()
        raise HistoryError(f"{path.name}: {exc}") from None
    return Store(conn, path)


def _text_or_none(series: pd.Series) -> list:
    return series.astype(object).where(series.notna(), None).tolist()


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series([None] * len(frame), index=frame.index, dtype=object)


class Store:
    """A history database opened by :func:`open_store`. Use it as a context manager, or call ``close``."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path
        self.last_replaced: dict | None = None  # the run the last ``record`` replaced, if it replaced one

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @property
    def version(self) -> int:
        return schema_version(self.conn)

    # -- writing -------------------------------------------------------------------------------------------

    def _finding_rows(self, result, month: str) -> list[tuple]:
        findings = result.findings
        prev = self.previous_run(result.as_at)
        ids = finding_ids(findings)
        breach = findings["status"].isin(BREACH_STATUSES)
        since = pd.Series(month, index=findings.index, dtype=object)
        if prev is not None:
            before = pd.DataFrame(self.conn.execute(
                "SELECT finding_id, breach_since FROM findings WHERE run_id = ? AND status IN (?, ?)",
                (prev["run_id"], *BREACH_STATUSES)).fetchall(), columns=["finding_id", "breach_since"])
            before["breach_since"] = before["breach_since"].fillna(prev["month"])
            carried = ids.map(dict(zip(before["finding_id"], before["breach_since"])))
            since = carried.where(carried.notna(), since)
        since = since.where(breach, None)
        cols = {
            "finding_id": ids.tolist(), "rule_id": findings["rule_id"].astype(str).tolist(),
            "record_table": _text_or_none(_column(findings, "table")),
            "record_id": _text_or_none(_column(findings, "record_id").astype(object)),
            "person_id": _text_or_none(_column(findings, "person_id").astype(object)),
            "status": findings["status"].astype(str).tolist(),
            "days_late": [None if pd.isna(v) else int(v) for v in _column(findings, "days_late")],
            "exception": _text_or_none(_column(findings, "exception").replace("", None)),
            "family": _text_or_none(_column(findings, "family")),
            "strength": _text_or_none(_column(findings, "strength")),
            "breach_since": since.tolist(),
            "team": _text_or_none(_column(findings, "team").replace("", None)),
        }
        for name in DATE_FIELDS:
            values = pd.to_datetime(_column(findings, name), errors="coerce")
            cols[name] = _text_or_none(values.dt.strftime("%Y-%m-%d"))
        return list(zip(*(cols[f] for f in FINDING_FIELDS)))

    def record(self, result, input_paths, *, recorded_at: dt.datetime | None = None) -> int:
        """Store ``result`` as its month's run, replacing any run already recorded for that month.

        ``ruleset_version`` is the rule set's fingerprint, the same as summary.json's ``rules_fingerprint``.
        Everything happens in one transaction: if anything fails, the database is left as it was.
        """
        month = month_of(result.as_at)
        findings = result.findings
        fingerprint = input_fingerprint(input_paths)
        rules_version = rules_fingerprint(result.rules)
        recorded_at = (recorded_at or dt.datetime.now()).replace(microsecond=0)
        replaced = self.run_for_month(month)
        rows = self._finding_rows(result, month)
        counts = findings.groupby(["rule_id", "status"]).size() if len(findings) else pd.Series(dtype=int)
        breaches = int(findings["status"].isin(BREACH_STATUSES).sum()) if len(findings) else 0
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            _delete_month_rows(conn, month)
            cur = conn.execute(
                "INSERT INTO runs (month, as_at, recorded_at, input_fingerprint, inputs, ruleset_version, settings,"
                " findings_total, breaches) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (month, result.as_at.isoformat(), recorded_at.isoformat(), fingerprint,
                 json.dumps([Path(str(p)).name for p in result.inputs]), rules_version,
                 json.dumps(result.settings, sort_keys=True, default=str), len(findings), breaches))
            run_id = cur.lastrowid
            conn.executemany("INSERT INTO run_counts (run_id, rule_id, status, n) VALUES (?, ?, ?, ?)",
                             [(run_id, r, s, int(n)) for (r, s), n in counts.items()])
            placeholders = ", ".join("?" * (len(FINDING_FIELDS) + 1))
            conn.executemany(f"INSERT INTO findings (run_id, {', '.join(FINDING_FIELDS)}) VALUES ({placeholders})",
                             ((run_id, *row) for row in rows))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self.last_replaced = replaced
        return run_id

    def delete_month(self, month: str) -> bool:
        """Delete the run recorded for ``month`` ("YYYY-MM"); True if there was one. Deleted rows are
        overwritten on disk, so the month's record ids do not linger in the file."""
        if not isinstance(month, str) or not MONTH.match(month):
            raise HistoryError(f"{month!r} is not a month: write it as YYYY-MM, e.g. 2026-10.")
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            old = _delete_month_rows(conn, month)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if old:
            conn.execute("VACUUM")
        return bool(old)

    # -- reading -------------------------------------------------------------------------------------------

    def _run_dicts(self, where: str = "", params: tuple = ()) -> list[dict]:
        cur = self.conn.execute(
            "SELECT run_id, month, as_at, recorded_at, input_fingerprint, inputs, ruleset_version, settings,"
            f" findings_total, breaches FROM runs {where} ORDER BY month", params)
        names = [d[0] for d in cur.description]
        runs = []
        for row in cur.fetchall():
            run = dict(zip(names, row))
            run["inputs"] = json.loads(run["inputs"])
            run["settings"] = json.loads(run["settings"])
            run["as_at"] = dt.date.fromisoformat(run["as_at"])
            runs.append(run)
        for run in runs:
            run["counts"] = dict(self.conn.execute(
                "SELECT status, SUM(n) FROM run_counts WHERE run_id = ? GROUP BY status ORDER BY status",
                (run["run_id"],)).fetchall())
        return runs

    def runs(self) -> list[dict]:
        """Every stored run, oldest month first: run_id, month, as_at, recorded_at, input_fingerprint, inputs,
        ruleset_version, settings, findings_total, breaches and counts (status -> findings)."""
        return self._run_dicts()

    def run_for_month(self, month: str) -> dict | None:
        found = self._run_dicts("WHERE month = ?", (month,))
        return found[0] if found else None

    def previous_run(self, as_at) -> dict | None:
        """The latest run recorded for a month before ``as_at``'s month, or None."""
        found = self._run_dicts("WHERE month < ?", (month_of(as_at),))
        return found[-1] if found else None

    def findings(self, run_id: int) -> pd.DataFrame:
        """A stored run's findings: FINDING_FIELDS (``record_table`` named ``table`` again) plus its ``month``;
        dates as datetime64, days late as Int64, sorted by finding id."""
        month = self.conn.execute("SELECT month FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if month is None:
            raise HistoryError(f"there is no stored run {run_id}; `sendcheck history` lists the stored runs.")
        rows = self.conn.execute(f"SELECT {', '.join(FINDING_FIELDS)} FROM findings WHERE run_id = ?",
                                 (run_id,)).fetchall()
        frame = pd.DataFrame(rows, columns=FINDING_FIELDS, dtype=object)
        frame = frame.sort_values("finding_id", kind="stable", ignore_index=True)
        for name in DATE_FIELDS:
            frame[name] = pd.to_datetime(frame[name], format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")
        frame["days_late"] = pd.array(frame["days_late"].tolist(), dtype="Int64")
        frame["month"] = month[0]
        return frame.rename(columns={"record_table": "table"})
