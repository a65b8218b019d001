"""Trend series and page, and the migration of a database written under the first schema."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from test_history_store import finding, make_result

from checker.history import HistoryError, open_store
from checker.history.migrations import SCHEMA_VERSION
from checker.history.trend import ALL_TEAMS, NO_TEAM, trend_series, write_trend

OCT, NOV = dt.date(2026, 10, 31), dt.date(2026, 11, 30)
OCTOBER = [
    # issued in October: on time, late, excepted but on time, excepted and late
    finding("EHC-FINAL-20W", "R1", "compliant", due="2026-10-20", stopped="2026-10-10", team="East"),
    finding("EHC-FINAL-20W", "R2", "late", due="2026-10-01", stopped="2026-10-08", days_late=7, team="West"),
    finding("EHC-FINAL-20W", "R3", "excepted", due="2026-10-30", stopped="2026-10-29", team="East"),
    finding("EHC-FINAL-20W", "R4", "excepted", due="2026-10-01", stopped="2026-10-15", team="West"),
    # issued in September: not October's plans
    finding("EHC-FINAL-20W", "R5", "compliant", due="2026-09-30", stopped="2026-09-01", team="East"),
    finding("EHC-FINAL-20W", "R6", "overdue", due="2026-10-01", days_late=30, team="East"),
    finding("REVIEW-12M", "P1", "overdue", due="2026-10-01", days_late=30, team="East"),
    finding("REVIEW-12M", "P2", "overdue", due="2026-10-11", days_late=20, team="West"),
    finding("REVIEW-12M", "P3", "compliant", due="2026-10-11", stopped="2026-10-01", team="West"),
]
DECEMBER = [finding("REVIEW-12M", "P1", "overdue", due="2026-10-01", days_late=91, team="East")]


@pytest.fixture
def store(tmp_path):
    extract = tmp_path / "x.csv"
    extract.write_text("x\n")
    with open_store(tmp_path / "h.sqlite") as s:
        s.record(make_result(OCT, OCTOBER), [extract])
        s.record(make_result(dt.date(2026, 12, 31), DECEMBER), [extract])
        yield s


def test_series_counts_plans_issued_in_each_month(store):
    series = trend_series(store, "2026-10", "2026-12")
    assert series[["month", "team"]].values.tolist() == [
        ["2026-10", ALL_TEAMS], ["2026-10", "East"], ["2026-10", "West"], ["2026-12", ALL_TEAMS], ["2026-12", "East"]]
    october = series.iloc[0]
    assert (october["on_time_excl"], october["plans_excl"], october["timely_excl_pct"]) == (1, 2, 50.0)
    assert (october["on_time_incl"], october["plans_incl"], october["timely_incl_pct"]) == (2, 4, 50.0)
    assert october["reviews_overdue"] == 2
    east = series.iloc[1]
    assert (east["on_time_excl"], east["plans_excl"], east["on_time_incl"], east["plans_incl"]) == (1, 1, 2, 2)
    december = series.iloc[3]
    assert december["plans_issued"] == 0 and december["timely_excl_pct"] is None and december["reviews_overdue"] == 1


def test_series_limits_and_bad_months(store):
    assert trend_series(store, dt.date(2026, 11, 1), None)["month"].unique().tolist() == ["2026-12"]
    assert trend_series(store, None, "2026-10-31")["month"].unique().tolist() == ["2026-10"]
    with pytest.raises(HistoryError, match="--from 'Oct' is not a month"):
        trend_series(store, "Oct", None)
    with pytest.raises(HistoryError, match="after --to"):
        trend_series(store, "2026-12", "2026-10")


def test_write_trend_gives_an_accessible_page_and_the_same_series_as_csv(store, tmp_path):
    html_path, csv_path = write_trend(store, "2026-10", "2026-12", tmp_path / "out",
                                      generated_at=dt.datetime(2026, 12, 31, 9, 0))
    html = html_path.read_text()
    assert html.count('role="img"') == 2 and "<desc" in html and "<table" in html
    assert "No run was recorded for Nov 2026" in html
    assert "Oct 2026 50.0%" in html  # the chart's text alternative names each value
    csv = csv_path.read_text().splitlines()
    assert csv[0].startswith("month,as_at,team,plans_issued")
    assert csv[1] == "2026-10,2026-10-31,All teams,4,1,2,50.0,2,4,50.0,2"
    assert csv[4] == "2026-12,2026-12-31,All teams,0,0,0,,0,0,,1"
    again = write_trend(store, "2026-10", "2026-12", tmp_path / "again", generated_at=dt.datetime(2026, 12, 31, 9, 0))
    assert again[0].read_text() == html and again[1].read_text() == csv_path.read_text()


def test_team_names_are_escaped(tmp_path):
    extract = tmp_path / "x.csv"
    extract.write_text("x\n")
    with open_store(tmp_path / "h.sqlite") as s:
        s.record(make_result(OCT, [finding("REVIEW-12M", "P1", "overdue", team="<b>East</b>")]), [extract])
        html_path, _ = write_trend(s, None, None, tmp_path / "out")
    assert "<b>East</b>" not in html_path.read_text() and "&lt;b&gt;East&lt;/b&gt;" in html_path.read_text()


def test_a_first_schema_database_is_migrated_not_rejected(tmp_path):
    path = tmp_path / "old.sqlite"
    with open_store(path, upto=1) as old:
        assert old.version == 1
        old.conn.executescript("""
            INSERT INTO runs VALUES (1, '2026-09', '2026-09-30', '2026-10-01T09:00:00', 'abc', '["x.csv"]', 'def',
                                     '{}', 2, 1);
            INSERT INTO run_counts VALUES (1, 'REVIEW-12M', 'overdue', 1), (1, 'EHC-FINAL-20W', 'compliant', 1);
            INSERT INTO findings (run_id, finding_id, rule_id, record_table, record_id, person_id, status, due_date,
                                  stopped_date, breach_since)
            VALUES (1, 'REVIEW-12M/P1', 'REVIEW-12M', 'active_plan', 'P1', 'C1', 'overdue', '2026-08-01', NULL,
                    '2026-09'),
                   (1, 'EHC-FINAL-20W/R1', 'EHC-FINAL-20W', 'request', 'R1', 'C1', 'compliant', '2026-09-20',
                    '2026-09-10', NULL);
        """)
        columns = [r[1] for r in old.conn.execute("PRAGMA table_info(findings)")]
        assert "team" not in columns
    extract = tmp_path / "x.csv"
    extract.write_text("x\n")
    with open_store(path) as store:
        assert store.version == SCHEMA_VERSION == 2
        assert "findings_by_rule" in [r[1] for r in store.conn.execute("PRAGMA index_list(findings)")]
        assert [r["month"] for r in store.runs()] == ["2026-09"]
        store.record(make_result(OCT, [finding("REVIEW-12M", "P1", "overdue", due="2026-08-01", days_late=91)]),
                     [extract])
        found = store.findings(store.runs()[-1]["run_id"])
        assert found.loc[0, "breach_since"] == "2026-09"  # carried over from the migrated month
        series = trend_series(store, None, None)
        september = series[series["month"].eq("2026-09")]
        assert september["team"].tolist() == [ALL_TEAMS, NO_TEAM]
        assert september.iloc[0]["reviews_overdue"] == 1 and september.iloc[0]["timely_excl_pct"] == 100.0


def test_a_failed_migration_leaves_the_old_schema(tmp_path, monkeypatch):
    from checker.history import migrations
    from checker.history import store as store_module

    path = tmp_path / "old.sqlite"
    open_store(path, upto=1).close()
    monkeypatch.setattr(store_module, "MIGRATIONS", migrations.MIGRATIONS[:1] + ["ALTER TABLE findings ADD COLUMN "
                                                                                 "team TEXT; THIS IS NOT SQL;"])
    with pytest.raises(HistoryError, match="from schema 1 to 2 .* the file is unchanged"):
        open_store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT version FROM schema_version").fetchone() == (1,)
    assert "team" not in [r[1] for r in conn.execute("PRAGMA table_info(findings)")]
    conn.close()
