"""The history database: recording, replacing a month, atomic writes, permissions, migration, deletion."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
import stat

import pandas as pd
import pytest
from builders import run_result

from checker.history import HistoryError, open_store
from checker.history import store as store_module
from checker.history.migrations import SCHEMA_VERSION
from checker.result import RunResult


def finding(rule_id, record_id, status, *, due=None, stopped=None, days_late=None, team="East", caseworker="A. Khan"):
    return {"rule_id": rule_id, "table": "request", "record_id": record_id, "person_id": "P" + record_id,
            "upn": "A123456789012", "status": status, "clock_start": pd.Timestamp("2026-01-05"),
            "due_date": pd.Timestamp(due) if due else pd.NaT,
            "stopped_date": pd.Timestamp(stopped) if stopped else pd.NaT,
            "days_late": days_late, "exception": "", "team": team, "caseworker": caseworker,
            "source": "extract.xlsx, row 2", "message": "Jane Doe's plan", "family": "assessment",
            "strength": "must", "severity": "breach", "title": "t", "urn": None, "note": ""}


def make_result(as_at, rows, inputs=("extract.csv",)) -> RunResult:
    return run_result(as_at, rows, inputs=inputs)


OCTOBER = [
    finding("EHC-FINAL-20W", "R1", "overdue", due="2026-09-01", days_late=60),
    finding("EHC-FINAL-20W", "R2", "compliant", due="2026-10-20", stopped="2026-10-10"),
    finding("REVIEW-12M", "P9", "due_soon", due="2026-11-15"),
]


@pytest.fixture
def extract(tmp_path):
    path = tmp_path / "extract.csv"
    path.write_bytes(b"Child ID,Request Ref\nC1,R1\n")
    return path


def test_new_database_is_owner_only_and_at_the_latest_schema(tmp_path):
    with open_store(tmp_path / "reports" / "history.sqlite") as store:
        assert store.version == SCHEMA_VERSION
    mode = stat.S_IMODE(os.stat(tmp_path / "reports" / "history.sqlite").st_mode)
    assert mode == 0o600


def test_a_folder_gets_the_default_file_name(tmp_path):
    with open_store(tmp_path) as store:
        assert store.path == tmp_path / "sendcheck-history.sqlite"


def test_record_keeps_run_details_and_findings_without_names(tmp_path, extract):
    with open_store(tmp_path / "h.sqlite") as store:
        run_id = store.record(make_result(dt.date(2026, 10, 31), OCTOBER), [extract])
        (run,) = store.runs()
        assert run["run_id"] == run_id and run["month"] == "2026-10" and run["as_at"] == dt.date(2026, 10, 31)
        assert run["input_fingerprint"] == hashlib.sha256(extract.read_bytes()).hexdigest()
        assert len(run["ruleset_version"]) == 64
        assert run["findings_total"] == 3 and run["breaches"] == 1
        assert run["counts"] == {"compliant": 1, "due_soon": 1, "overdue": 1}
        found = store.findings(run_id)
        assert found["finding_id"].tolist() == ["EHC-FINAL-20W/R1", "EHC-FINAL-20W/R2", "REVIEW-12M/P9"]
        assert found["due_date"].dtype == "datetime64[ns]" and str(found["days_late"].dtype) == "Int64"
        assert found.loc[0, "breach_since"] == "2026-10" and pd.isna(found.loc[1, "breach_since"])
        assert found["team"].tolist() == ["East", "East", "East"]
    raw = (tmp_path / "h.sqlite").read_bytes()
    for secret in (b"A. Khan", b"A123456789012", b"Jane Doe"):
        assert secret not in raw


def test_rerunning_a_month_replaces_it(tmp_path, extract):
    with open_store(tmp_path / "h.sqlite") as store:
        store.record(make_result(dt.date(2026, 10, 31), OCTOBER), [extract])
        first = store.runs()
        store.record(make_result(dt.date(2026, 10, 31), OCTOBER), [extract])
        again = store.runs()
        assert len(again) == 1 and store.last_replaced["run_id"] == first[0]["run_id"]
        assert again[0]["input_fingerprint"] == first[0]["input_fingerprint"]
        assert len(store.findings(again[0]["run_id"])) == 3
        # a corrected extract taken mid-month still replaces that month
        store.record(make_result(dt.date(2026, 10, 15), OCTOBER[:1]), [extract])
        (run,) = store.runs()
        assert run["as_at"] == dt.date(2026, 10, 15) and run["findings_total"] == 1
        assert store.conn.execute("SELECT COUNT(*) FROM findings").fetchone()[0] == 1


def test_a_failure_mid_write_leaves_the_database_as_it_was(tmp_path, extract, monkeypatch):
    path = tmp_path / "h.sqlite"
    with open_store(path) as store:
        store.record(make_result(dt.date(2026, 10, 31), OCTOBER), [extract])
        before = store.runs()

    def broken_rows(self, result, month):
        rows = real_rows(self, result, month)
        return rows[:1] + [("bad",)]  # the second insert fails after the run row and the old month are gone
    real_rows = store_module.Store._finding_rows
    monkeypatch.setattr(store_module.Store, "_finding_rows", broken_rows)
    with open_store(path) as store:
        with pytest.raises(sqlite3.Error):
            store.record(make_result(dt.date(2026, 10, 31), OCTOBER[:2]), [extract])
        with pytest.raises(sqlite3.Error):
            store.record(make_result(dt.date(2026, 11, 30), OCTOBER), [extract])
        assert not store.conn.in_transaction
    with open_store(path) as store:
        assert store.runs() == before
        assert len(store.findings(before[0]["run_id"])) == 3


def test_an_interrupted_process_leaves_the_database_as_it_was(tmp_path, extract):
    """A process killed mid-transaction: SQLite's journal rolls the half-written run back on next open."""
    path = tmp_path / "h.sqlite"
    with open_store(path) as store:
        store.record(make_result(dt.date(2026, 10, 31), OCTOBER), [extract])
        before = store.runs()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DELETE FROM findings")
    conn.execute("DELETE FROM runs")
    # no COMMIT: the connection is dropped as if the process died
    conn.close()
    with open_store(path) as store:
        assert store.runs() == before


def test_previous_run_is_the_latest_earlier_month(tmp_path, extract):
    with open_store(tmp_path / "h.sqlite") as store:
        assert store.previous_run(dt.date(2026, 10, 31)) is None
        store.record(make_result(dt.date(2026, 9, 30), OCTOBER), [extract])
        store.record(make_result(dt.date(2026, 10, 31), OCTOBER), [extract])
        assert store.previous_run(dt.date(2026, 11, 30))["month"] == "2026-10"
        assert store.previous_run(dt.date(2026, 10, 5))["month"] == "2026-09"
        assert store.previous_run("2026-09-30") is None


def test_breach_since_carries_over_an_unbroken_breach(tmp_path, extract):
    november = [finding("EHC-FINAL-20W", "R1", "late", due="2026-09-01", stopped="2026-11-02", days_late=62),
                finding("EHC-FINAL-20W", "R3", "overdue", due="2026-11-01", days_late=29)]
    with open_store(tmp_path / "h.sqlite") as store:
        store.record(make_result(dt.date(2026, 10, 31), OCTOBER), [extract])
        run_id = store.record(make_result(dt.date(2026, 11, 30), november), [extract])
        found = store.findings(run_id).set_index("finding_id")
        assert found.loc["EHC-FINAL-20W/R1", "breach_since"] == "2026-10"
        assert found.loc["EHC-FINAL-20W/R3", "breach_since"] == "2026-11"


def test_duplicate_finding_ids_are_kept_not_dropped(tmp_path, extract):
    rows = [finding("REVIEW-12M", "P1", "overdue"), finding("REVIEW-12M", "P1", "compliant")]
    with open_store(tmp_path / "h.sqlite") as store:
        run_id = store.record(make_result(dt.date(2026, 10, 31), rows), [extract])
        assert store.findings(run_id)["finding_id"].tolist() == ["REVIEW-12M/P1", "REVIEW-12M/P1#2"]


def test_delete_month_removes_the_run_and_its_findings_from_the_file(tmp_path, extract):
    path = tmp_path / "h.sqlite"
    rows = [finding("EHC-FINAL-20W", "SECRET-RECORD-77", "overdue")]
    with open_store(path) as store:
        store.record(make_result(dt.date(2026, 10, 31), rows), [extract])
        store.record(make_result(dt.date(2026, 11, 30), OCTOBER), [extract])
        assert store.delete_month("2026-10") is True
        assert store.delete_month("2026-10") is False
        assert [r["month"] for r in store.runs()] == ["2026-11"]
        assert store.conn.execute("SELECT COUNT(*) FROM findings").fetchone()[0] == 3
        with pytest.raises(HistoryError, match="YYYY-MM"):
            store.delete_month("October")
    assert b"SECRET-RECORD-77" not in path.read_bytes()


def test_fingerprint_of_several_files_ignores_order(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(b"one")
    b.write_bytes(b"two")
    assert store_module.input_fingerprint([a, b]) == store_module.input_fingerprint([b, a])
    assert store_module.input_fingerprint([a, b]) != store_module.input_fingerprint([a])
    with pytest.raises(HistoryError, match="missing.csv"):
        store_module.input_fingerprint([tmp_path / "missing.csv"])


def test_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.sqlite"
    bad.write_text("this is a text file, not a database\n" * 100)
    with pytest.raises(HistoryError, match="notes.sqlite: not a sendcheck history database"):
        open_store(bad)


def test_a_newer_schema_is_refused_not_guessed(tmp_path):
    path = tmp_path / "h.sqlite"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(HistoryError, match="newer sendcheck"):
        open_store(path)
