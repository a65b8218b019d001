"""The figures an area SEND inspection asks for, each with the rows that make it.

Trend (calendar years and the last 12 months), breakdowns by primary need, age and setting type, and an
Annex A-style list of children with EHC plans with its data checks. Every figure is built from a frame that
the workbook writes out in full as its evidence sheet.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..model import TABLES
from ..quality.registry import all_checks
from . import headline as hl
from . import national
from .fmt import NEED_LABELS, SETTING_LABELS
from .safety import identifier_masker
from .svg import Bar, bar_chart

AGE_BANDS = [(0, 5, "Under 5"), (5, 11, "5 to 10"), (11, 16, "11 to 15"), (16, 20, "16 to 19"), (20, 26, "20 to 25"),
             (26, 200, "26 or over")]
NOT_KNOWN = "Not known"
# The Annex A list's one check that is a duty, not a data check: read from the rule's finding, by its id.
REVIEW_OVERDUE = (hl.REVIEW_12M, "overdue", "No review in the last 12 months")


def _pct(n: int, d: int) -> str:
    return "" if not d else f"{100.0 * n / d:.1f}%"


def trend_rows(plans: pd.DataFrame, key: pd.Series, labels: list) -> list[dict]:
    rows = []
    for label in labels:
        part = plans[key.eq(label)]
        ok_e, n_e, ok_i, n_i = hl.timeliness(part)
        rows.append({"period": label, "plans": n_i, "on_time_excl": ok_e, "plans_excl": n_e,
                     "pct_excl": _pct(ok_e, n_e), "on_time_incl": ok_i, "pct_incl": _pct(ok_i, n_i),
                     "excepted": int(part["excepted"].sum())})
    return rows


def calendar_trend(findings: pd.DataFrame) -> list[dict]:
    plans = hl.issued(findings, hl.FINAL_20W, columns=["stopped_date"])
    years = plans["stopped_date"].dt.year
    rows = trend_rows(plans, years, sorted(int(y) for y in years.dropna().unique()))
    for row in rows:
        ex = national.for_year(national.TIMELY_EXCL, row["period"])
        inc = national.for_year(national.TIMELY_INCL, row["period"])
        row["national_excl"] = ex.display if ex else "not published"
        row["national_incl"] = inc.display if inc else "not published"
        row["national_source"] = (ex or inc).source if (ex or inc) else ""
    return rows


def monthly_trend(findings: pd.DataFrame, as_at: dt.date) -> list[dict]:
    """Plans issued in each of the 12 calendar months up to and including the as-at month."""
    end = pd.Period(as_at, "M")
    months = [end - i for i in range(11, -1, -1)]
    plans = hl.issued(findings, hl.FINAL_20W, months[0].start_time.date(), as_at, columns=["stopped_date"])
    key = plans["stopped_date"].dt.to_period("M")
    rows = trend_rows(plans, key, months)
    for row in rows:
        row["period"] = row["period"].strftime("%B %Y")
    return rows


def trend_chart(rows: list[dict], chart_id: str, title: str) -> object:
    bars = [Bar(str(r["period"]), float(r["pct_excl"].rstrip("%")) if r["pct_excl"] else 0,
                r["pct_excl"] or "no plans") for r in rows]
    desc = "; ".join(f"{r['period']}: {r['pct_excl'] or 'no plans'}" for r in rows)
    return bar_chart(chart_id, title, desc or "No plans issued.", bars, max_value=100)


def plans_frame(result) -> pd.DataFrame:
    """One row per EHC plan in force at the as-at date, with what Annex A lists about it.

    Each table's columns are looked up by request or person id, rather than merging whole frames (a merge copies
    every column at each step: at national scale that doubled this report's memory)."""
    ds = result.dataset
    as_at = pd.Timestamp(result.as_at)
    named = ds.table("named_plan")
    active = ds.table("active_plan")
    ids = pd.Index(pd.concat([named["request_id"], active["request_id"]]).dropna().astype(str).unique())
    ceased = named.loc[named["cease_date"].notna() & (named["cease_date"] <= as_at), "request_id"].astype(str)
    ids = ids.difference(pd.Index(ceased.unique())).sort_values()
    frame = pd.DataFrame({"request_id": ids})

    def by(table: pd.DataFrame, key: str, columns: list[str]) -> None:
        """Copy ``columns`` of the first row per ``key`` in ``table`` onto the frame (blank where none)."""
        found = table[[key] + columns].drop_duplicates(key).set_index(key).reindex(frame[key].to_numpy())
        for col in columns:
            frame[col] = found[col].to_numpy()

    by(ds.table("request"), "request_id", ["person_id", "team", "caseworker"])
    by(ds.table("person"), "person_id", ["upn", "birth_date", "uln"])
    by(ds.table("assessment"), "request_id", ["assessment_outcome_date"])
    by(named, "request_id", ["start_date"])
    frame["initial_plan_date"] = frame.pop("start_date").fillna(frame.pop("assessment_outcome_date"))
    by(active, "request_id", ["last_review"])
    by(primary_needs(ds.table("sen_need")), "request_id", ["sen_type"])
    setting = current_setting(result)
    by(setting, "request_id", ["establishment", "setting_type"])
    frame["primary_need"] = frame["sen_type"].map(lambda c: NEED_LABELS.get(c, c) if isinstance(c, str) else NOT_KNOWN)
    frame["age"] = age_at(frame["birth_date"], as_at)
    frame["age_band"] = age_band(frame["age"])
    frame["setting_type"] = frame["setting_type"].fillna("No setting recorded")
    frame["establishment"] = frame["establishment"].fillna("")
    frame["data_checks"] = annex_a_checks(frame, result)
    for col in ("team", "caseworker"):
        frame[col] = frame[col].fillna("")
    return frame


def current_setting(result) -> pd.DataFrame:
    """The setting each plan's child attends now: the primary placement with the latest entry date."""
    placement = result.dataset.table("placement")
    schools = result.dataset.table("school")
    as_at = pd.Timestamp(result.as_at)
    if not len(placement):
        return pd.DataFrame(columns=["request_id", "urn_attended", "establishment", "setting_type"])
    p = placement[placement["leaving_date"].isna() | (placement["leaving_date"] > as_at)].copy()
    p["_rank"] = p["placement_rank"].astype(str).ne("1")
    p = p.sort_values(["request_id", "_rank", "entry_date"], ascending=[True, True, False], kind="stable",
                      na_position="last").drop_duplicates("request_id")
    names = dict(zip(schools["urn"].astype(str), schools["school_name"]))
    kinds = dict(zip(schools["urn"].astype(str), schools["school_type"]))
    urn = p["urn"].where(p["urn"].notna(), None)
    has_urn = urn.notna()
    establishment = np.where(has_urn, urn.astype(str) + " " + urn.astype(str).map(names).astype(object).fillna(""), "")
    ukprn = p["ukprn"].where(p["ukprn"].notna(), None)
    setting_code = p["sen_setting"]
    setting = np.where(has_urn, urn.astype(str).map(kinds).astype(object).fillna("School (type not recorded)"),
                       np.where(ukprn.notna(), "Post-16 provider",
                                setting_code.map(lambda c: SETTING_LABELS.get(c, c) if isinstance(c, str) else None)))
    establishment = np.where(has_urn, establishment,
                             np.where(ukprn.notna(), "UKPRN " + ukprn.astype(str),
                                      setting_code.map(lambda c: SETTING_LABELS.get(c, c) if isinstance(c, str)
                                                       else "")))
    out = pd.DataFrame({"request_id": p["request_id"].astype(str).values, "urn_attended": urn.values,
                        "establishment": pd.Series(establishment).str.strip().values,
                        "setting_type": pd.Series(setting).values})
    out["setting_type"] = out["setting_type"].map(lambda s: s.capitalize() if isinstance(s, str) else s)
    return out


def age_at(birth: pd.Series, as_at: pd.Timestamp) -> pd.Series:
    b = pd.to_datetime(birth)
    years = as_at.year - b.dt.year - ((as_at.month < b.dt.month)
                                      | ((as_at.month == b.dt.month) & (as_at.day < b.dt.day)))
    return years.astype("Int64")


def age_band(age: pd.Series) -> pd.Series:
    out = pd.Series(NOT_KNOWN, index=age.index, dtype=object)
    for lo, hi, label in AGE_BANDS:
        out[(age >= lo) & (age < hi)] = label
    return out


def primary_needs(need: pd.DataFrame) -> pd.DataFrame:
    """Each request's primary type of need: the one ranked 1, or its only need when that has no rank (the data
    checks take it as the primary: RANK-MISSING)."""
    rank = need["sen_type_rank"]
    unranked = rank.isna() | rank.astype(str).str.strip().eq("")
    sole = ~need["request_id"].duplicated(keep=False)
    return need[rank.astype(str).eq("1") | (unranked & sole)]


def annex_a_checks(frame: pd.DataFrame, result) -> pd.Series:
    """The Annex A checks that flagged each plan's child, as readable text per row ("" when none did).

    Read by id from the run's data issues (the registry says which checks the Annex A list carries and in
    what words) and from the REVIEW-12M finding, never recomputed here: an issue on the child's person row or on
    any row of the plan's request flags the plan, and a check raised once for a whole table (the input has no
    such data at all) flags every plan."""
    words = {c.issue_id: c.annex_a for c in all_checks() if c.annex_a}
    labels = list(dict.fromkeys([*words.values(), REVIEW_OVERDUE[2]]))
    issues = result.issues
    issues = issues[issues["issue_id"].isin(list(words))] if len(issues) else issues
    pairs = [pd.DataFrame({"request_id": pd.Series([], dtype=object), "label": pd.Series([], dtype=object)})]
    everyone: set[str] = set()
    if len(issues):
        label = issues["issue_id"].map(words)
        record = issues["record_id"].astype(str)
        whole_table = record.eq("") & issues["row"].astype(str).eq("")
        everyone = set(label[whole_table])
        people = issues["table"].eq("person") & ~whole_table
        by_person = pd.DataFrame({"person_id": record[people], "label": label[people]}).merge(
            frame[["person_id", "request_id"]].dropna(), on="person_id")
        pairs.append(by_person[["request_id", "label"]])
        for table, t in TABLES.items():
            if not t.key or t.key[0] != "request_id":
                continue
            rows = issues["table"].eq(table) & ~whole_table
            if rows.any():
                # record_id is the key's parts joined by " / ", request_id first
                rid = record[rows] if len(t.key) == 1 else record[rows].str.rsplit(" / ", n=len(t.key) - 1).str[0]
                pairs.append(pd.DataFrame({"request_id": rid, "label": label[rows]}))
    findings = result.findings
    overdue = findings["rule_id"].eq(REVIEW_OVERDUE[0]) & findings["status"].eq(REVIEW_OVERDUE[1])
    pairs.append(pd.DataFrame({"request_id": findings.loc[overdue, "record_id"].astype(str),
                               "label": REVIEW_OVERDUE[2]}))
    flagged = pd.concat(pairs, ignore_index=True)
    flagged = flagged[flagged["request_id"].isin(frame["request_id"])]
    # Each row's checks as bits of one number; the text is built once per distinct combination (a few dozen), so
    # a national list costs one small array, not a new string per row.
    bit = {label: i for i, label in enumerate(labels)}
    failed = np.zeros(len(frame), dtype=np.int64)
    for label in everyone:
        failed |= np.int64(1) << bit[label]
    if len(flagged):
        position = pd.Series(np.arange(len(frame)), index=frame["request_id"].to_numpy())
        position = position[~position.index.duplicated()]
        rows = position.reindex(flagged["request_id"].to_numpy()).to_numpy()
        bits = np.left_shift(np.int64(1), flagged["label"].map(bit).to_numpy(dtype=np.int64))
        np.bitwise_or.at(failed, rows, bits)
    combos, which = np.unique(failed, return_inverse=True)
    texts = np.array(["; ".join(label for label in labels if combo >> bit[label] & 1) for combo in combos.tolist()],
                     dtype=object)
    return pd.Series(texts[which.reshape(-1)], index=frame.index, dtype=object)


def breakdown(plans: pd.DataFrame, findings: pd.DataFrame, by: str, head: hl.Headline,
              issued: pd.DataFrame | None = None, reviews: pd.DataFrame | None = None) -> list[dict]:
    """Per group: plans in force, reviews overdue, 20-week timeliness in the headline period.

    ``issued`` (plans issued in the headline period) and ``reviews`` (overdue reviews) may be passed in when
    several breakdowns are made from the same findings."""
    person_group = plans[["person_id", by]].drop_duplicates("person_id").set_index("person_id")[by]
    if issued is None:
        issued = hl.issued(findings, hl.FINAL_20W, head.period_start, head.period_end, columns=["person_id"])
    if reviews is None:
        reviews = overdue_reviews(findings)
    issued = issued.assign(_group=issued["person_id"].map(person_group).fillna(NOT_KNOWN))
    reviews = reviews.assign(_group=reviews["person_id"].map(person_group).fillna(NOT_KNOWN))
    groups = sorted(set(plans[by]) | set(issued["_group"]) | set(reviews["_group"]),
                    key=lambda g: (g == NOT_KNOWN, _order(by, g)))
    rows = []
    for g in groups:
        part = issued[issued["_group"].eq(g)]
        ok_e, n_e, ok_i, n_i = hl.timeliness(part)
        rows.append({"group": g, "plans": int(plans[by].eq(g).sum()),
                     "reviews_overdue": int(reviews["_group"].eq(g).sum()), "issued": n_i,
                     "pct_excl": _pct(ok_e, n_e), "pct_incl": _pct(ok_i, n_i)})
    return rows


def overdue_reviews(findings: pd.DataFrame) -> pd.DataFrame:
    return findings.loc[findings["rule_id"].eq(hl.REVIEW_12M) & findings["status"].eq("overdue"),
                        ["person_id", "status"]]


def _order(by: str, group: str):
    if by == "age_band":
        return [label for _, _, label in AGE_BANDS].index(group) if group in [label for *_, label in AGE_BANDS] else 99
    return group


def build(result, head: hl.Headline) -> dict:
    findings = result.findings
    plans = plans_frame(result)
    calendar = calendar_trend(findings)
    monthly = monthly_trend(findings, result.as_at)
    issued = hl.issued(findings, hl.FINAL_20W, head.period_start, head.period_end, columns=["person_id"])
    reviews = overdue_reviews(findings)
    return {
        "headline": head, "calendar": calendar, "monthly": monthly, "plans": public_plans(plans, result.dataset),
        "calendar_chart": trend_chart(calendar, "chart-calendar", "Plans issued within 20 weeks by calendar year "
                                      "(excluding exceptions)"),
        "monthly_chart": trend_chart(monthly, "chart-monthly", "Plans issued within 20 weeks by month "
                                     "(excluding exceptions)"),
        "by_need": breakdown(plans, findings, "primary_need", head, issued, reviews),
        "by_age": breakdown(plans, findings, "age_band", head, issued, reviews),
        "by_setting": breakdown(plans, findings, "setting_type", head, issued, reviews),
        "checks_failed": int(plans["data_checks"].ne("").sum()),
        "check_counts": check_counts(plans),
    }


def public_plans(plans: pd.DataFrame, dataset) -> pd.DataFrame:
    """The Annex A-style list as it may leave the LA: no names, dates of birth or UPNs (age stands in for the
    date of birth; UPNs inside record ids are masked). The data checks were made on the full record first."""
    mask = identifier_masker(dataset)
    out = plans.drop(columns=[c for c in ("upn", "uln", "surname", "forename", "birth_date") if c in plans.columns])
    for col in ("person_id", "request_id"):
        out[col] = mask(out[col])
    return out


def check_counts(plans: pd.DataFrame) -> list[dict]:
    """Children per Annex A check, with the ids behind each (so every entry can be found in data_issues.csv)."""
    counts: dict[str, int] = {}
    for text, n in plans["data_checks"].value_counts(sort=False).items():
        if text:
            for part in text.split("; "):
                counts[part] = counts.get(part, 0) + int(n)
    ids = annex_a_ids()
    return [{"check": k, "ids": ids.get(k, ""), "count": v}
            for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def annex_a_ids() -> dict[str, str]:
    """The Annex A list's words -> the data-issue ids (or the rule) that carry them."""
    ids: dict[str, list[str]] = {}
    for c in all_checks():
        if c.annex_a:
            ids.setdefault(c.annex_a, []).append(c.issue_id)
    ids.setdefault(REVIEW_OVERDUE[2], []).append(f"{REVIEW_OVERDUE[0]} {REVIEW_OVERDUE[1]}")
    return {words: ", ".join(found) for words, found in ids.items()}
