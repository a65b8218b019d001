"""Monthly trend of the figures SEND managers are judged on, from the runs in the history database.

For each stored month (the run recorded for it) and for each team, plus "All teams":
- 20-week timeliness of the plans issued *in that month* (an EHC-FINAL-20W finding whose stopped date falls
  in the run's month), so each month is counted once however many later runs still list the plan:
  excluding exceptions = compliant / (compliant + late), leaving out plans where an exception applied;
  including exceptions = every issued plan, an excepted one counted on time only if it was issued by its
  20-week date;
- reviews overdue on the run's as-at date (REVIEW-12M findings with status overdue).
Months with no run recorded are not invented: the page names them.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from .compare import month_of
from .store import HistoryError, Store

FINAL_20W = "EHC-FINAL-20W"
REVIEW_12M = "REVIEW-12M"
ALL_TEAMS = "All teams"
NO_TEAM = "Team not recorded"
SERIES_COLUMNS = ["month", "as_at", "team", "plans_issued", "on_time_excl", "plans_excl", "timely_excl_pct",
                  "on_time_incl", "plans_incl", "timely_incl_pct", "reviews_overdue"]
HTML_NAME = "sendcheck-trend.html"
CSV_NAME = "sendcheck-trend.csv"


def as_month(value, what: str) -> str | None:
    """"YYYY-MM" from a date, or a "YYYY-MM" / "YYYY-MM-DD" string; None stays None (no limit)."""
    if value is None or value == "":
        return None
    if isinstance(value, (dt.date, pd.Timestamp)):
        return month_of(value)
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])(-\d{2})?", text):
        if len(text) == 10:
            try:
                dt.date.fromisoformat(text)
            except ValueError:
                raise HistoryError(f"{what} {text!r} is not a date: write it as YYYY-MM or YYYY-MM-DD.") from None
        return text[:7]
    raise HistoryError(f"{what} {text!r} is not a month: write it as YYYY-MM or YYYY-MM-DD, e.g. 2026-10.")


def _percent(num: pd.Series, den: pd.Series) -> pd.Series:
    pct = (100.0 * num / den.where(den > 0)).round(1)
    return pct.astype(object).where(pct.notna(), None)


def trend_series(store: Store, date_from=None, date_to=None) -> pd.DataFrame:
    """One row per stored month in [date_from, date_to] and team ("All teams" first), columns SERIES_COLUMNS."""
    first = as_month(date_from, "--from") or "0000-01"
    last = as_month(date_to, "--to") or "9999-12"
    if first > last:
        raise HistoryError(f"--from ({first}) is after --to ({last}).")
    conn = store.conn
    runs = pd.DataFrame(conn.execute("SELECT month, as_at FROM runs WHERE month BETWEEN ? AND ? ORDER BY month",
                                     (first, last)).fetchall(), columns=["month", "as_at"])
    team_expr = "COALESCE(NULLIF(f.team, ''), ?)" if store.version >= 2 else "?"
    plans = pd.DataFrame(conn.execute(
        f"SELECT r.month, {team_expr} AS team, f.status, "
        " (f.due_date IS NOT NULL AND f.stopped_date <= f.due_date) AS by_dates, COUNT(*) "
        "FROM findings f JOIN runs r ON r.run_id = f.run_id "
        "WHERE f.rule_id = ? AND r.month BETWEEN ? AND ? AND f.stopped_date IS NOT NULL "
        " AND substr(f.stopped_date, 1, 7) = r.month AND f.status IN ('compliant', 'late', 'excepted') "
        "GROUP BY 1, 2, 3, 4", (NO_TEAM, FINAL_20W, first, last)).fetchall(),
        columns=["month", "team", "status", "by_dates", "n"])
    reviews = pd.DataFrame(conn.execute(
        f"SELECT r.month, {team_expr} AS team, COUNT(*) FROM findings f JOIN runs r ON r.run_id = f.run_id "
        "WHERE f.rule_id = ? AND f.status = 'overdue' AND r.month BETWEEN ? AND ? GROUP BY 1, 2",
        (NO_TEAM, REVIEW_12M, first, last)).fetchall(), columns=["month", "team", "reviews_overdue"])

    plans["on_time_excl"] = plans["n"].where(plans["status"].eq("compliant"), 0)
    plans["plans_excl"] = plans["n"].where(plans["status"].ne("excepted"), 0)
    on_time_incl = plans["status"].eq("compliant") | (plans["status"].eq("excepted") & plans["by_dates"].eq(1))
    plans["on_time_incl"] = plans["n"].where(on_time_incl, 0)
    plans["plans_incl"] = plans["n"]
    measures = ["on_time_excl", "plans_excl", "on_time_incl", "plans_incl"]
    by_team = plans.groupby(["month", "team"], as_index=False)[measures].sum()
    by_team = by_team.merge(reviews, on=["month", "team"], how="outer")
    everyone = by_team.groupby("month", as_index=False)[measures + ["reviews_overdue"]].sum(min_count=1)
    everyone["team"] = ALL_TEAMS
    everyone = runs[["month"]].merge(everyone, on="month", how="left").assign(team=ALL_TEAMS)
    frame = pd.concat([everyone, by_team], ignore_index=True)
    for col in measures + ["reviews_overdue"]:
        frame[col] = frame[col].fillna(0).astype(int)
    frame = frame.merge(runs, on="month", how="inner")
    frame["plans_issued"] = frame["plans_incl"]
    frame["timely_excl_pct"] = _percent(frame["on_time_excl"], frame["plans_excl"])
    frame["timely_incl_pct"] = _percent(frame["on_time_incl"], frame["plans_incl"])
    frame["team_order"] = frame["team"].ne(ALL_TEAMS).astype(int) + frame["team"].eq(NO_TEAM).astype(int)
    frame = frame.sort_values(["month", "team_order", "team"], kind="stable").drop(columns="team_order")
    return frame[SERIES_COLUMNS].reset_index(drop=True)


def missing_months(months: list[str]) -> list[str]:
    """Calendar months between the first and last stored month that have no run."""
    if not months:
        return []
    y, m = int(months[0][:4]), int(months[0][5:7])
    have, out = set(months), []
    while f"{y:04d}-{m:02d}" < months[-1]:
        key = f"{y:04d}-{m:02d}"
        if key not in have:
            out.append(key)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_label(month: str) -> str:
    return dt.date(int(month[:4]), int(month[5:7]), 1).strftime("%b %Y")


def series_csv(series: pd.DataFrame, path: Path) -> None:
    """The series as CSV: percentages with one decimal place, blank where no plan was issued."""
    out = series.copy()
    out["as_at"] = out["as_at"].astype(str)
    for col in ("timely_excl_pct", "timely_incl_pct"):
        out[col] = [("" if v is None else f"{v:.1f}") for v in out[col]]
    path.write_text(out.to_csv(index=False, lineterminator="\n"), encoding="utf-8")


def write_trend(store: Store, date_from, date_to, out_dir, *, generated_at: dt.datetime | None = None,
                ) -> list[Path]:
    """Write the trend page and its CSV into ``out_dir``; return [html_path, csv_path]."""
    from ..reports.html import environment
    from .trend_page import page_context

    series = trend_series(store, date_from, date_to)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, csv_path = out_dir / HTML_NAME, out_dir / CSV_NAME
    generated_at = (generated_at or dt.datetime.now()).replace(microsecond=0)
    context = page_context(store, series, date_from, date_to, generated_at, csv_name=CSV_NAME)
    html_path.write_text(environment().get_template("trend.html").render(**context), encoding="utf-8")
    series_csv(series, csv_path)
    return [html_path, csv_path]
