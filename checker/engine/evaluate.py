"""Rule files + subject frames -> findings: one row per applicable (record, rule) pair."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..result import FINDING_COLUMNS
from ..settings import Settings
from . import facts as clock
from . import vocabulary
from .classify import classify_durable, classify_vectorised
from .rules import Rule
from .views import build_views

ENGINES = ("vectorised", "durable")


_MONTHS = np.array(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], dtype=object)
_DAYS = np.array([f"{d:02d}" for d in range(1, 32)], dtype=object)


def _date_text(values) -> np.ndarray:
    """Dates as "26 May 2025" ("" when missing), in English whatever the machine's locale. Formatted once per
    distinct date, with array operations: a national run has a few thousand distinct dates among millions of
    findings."""
    codes, uniques = pd.factorize(pd.Series(values).to_numpy().astype("datetime64[D]"))
    days = np.asarray(uniques, dtype="datetime64[D]")
    months = days.astype("datetime64[M]")
    years = (months.astype("datetime64[Y]").astype(np.int64) + 1970).astype(str).astype(object)
    texts = (_DAYS[(days - months).astype(np.int64)] + " " + _MONTHS[months.astype(np.int64) % 12] + " " + years)
    return np.append(texts, "")[codes]


def _days_text(values) -> np.ndarray:
    codes, uniques = pd.factorize(pd.Series(values, dtype="Int64"))
    texts = np.array([f"{int(n)} day" + ("" if abs(int(n)) == 1 else "s") for n in uniques] + [""], dtype=object)
    return texts[codes]


def _messages(rule: Rule, status: np.ndarray, start, due, stop, days_late, label, as_at) -> np.ndarray:
    """One sentence per finding. Findings that share every part of their sentence (status, dates, days,
    exception) share one: a national rule has hundreds of thousands of rows but a few thousand sentences."""
    start, due, stop = (pd.Series(x).to_numpy(dtype="datetime64[ns]") for x in (start, due, stop))
    days_late = pd.Series(days_late, dtype="Int64").to_numpy(dtype=object, na_value=None)
    label = np.asarray(label, dtype=object)
    status = np.asarray(status, dtype=object)
    key = np.zeros(len(status), dtype=np.int64)
    radix = 1
    for part in (status, np.isnat(start), due, stop, days_late, label):
        codes, uniques = pd.factorize(part, use_na_sentinel=True)
        if radix * (len(uniques) + 1) >= 2 ** 62:  # too many combinations to pack: build row by row
            return _sentences(rule, status, start, due, stop, days_late, label, as_at)
        key += (codes.astype(np.int64) + 1) * radix
        radix *= len(uniques) + 1
    inverse, _ = pd.factorize(key)
    _, first = np.unique(inverse, return_index=True)  # first row of each distinct sentence, in code order
    sentences = _sentences(rule, status[first], start[first], due[first], stop[first], days_late[first],
                           label[first], as_at)
    return sentences[inverse]


def _sentences(rule: Rule, status: np.ndarray, start, due, stop, days_late, label, as_at) -> np.ndarray:
    """The sentence for each row, built per status over whole arrays."""
    n = len(status)
    title = rule.title + ": "
    due_t, stop_t = _date_text(due), _date_text(stop)
    late_t = _days_text(days_late)
    left = (pd.Series(due) - pd.Timestamp(as_at)).dt.days.to_numpy()
    left_t = _days_text(pd.Series(left).where(pd.Series(due).notna().to_numpy()).astype("Int64"))
    label_t = np.array([str(x) if isinstance(x, str) else "" for x in label], dtype=object)
    out = np.full(n, "", dtype=object)

    def put(which, *parts):
        mask = status == which
        if mask.any():
            text = np.full(mask.sum(), title, dtype=object)
            for part in parts:
                text = text + (part[mask] if isinstance(part, np.ndarray) else part)
            out[mask] = text

    put("excepted", "exception recorded (", label_t, "); the time limit does not apply, act as soon as practicable.")
    missing_start = pd.isna(pd.Series(start)).to_numpy()
    what = np.where(missing_start, "clock start date", "deadline (a date it depends on)").astype(object)
    put("insufficient_data", "cannot be checked because the ", what, " is missing.")
    if rule.is_window:
        put("compliant", "done ", stop_t, ", not before ", due_t, ".")
        put("late", "done ", stop_t, ", ", late_t, " before the period ended (", due_t, " was the earliest day).")
        put("pending", "not done yet; not before ", due_t, ".")
    else:
        put("compliant", "done ", stop_t, ", on time (deadline ", due_t, ").")
        put("late", "done ", stop_t, ", ", late_t, " after the deadline of ", due_t, ".")
        if vocabulary.is_standing(rule.clock.get("deadline")):  # a standing duty: no deadline, just since when
            put("overdue", "not met as at the run date; required since ", due_t, " (", late_t, ").")
        else:
            put("overdue", "not done; the deadline of ", due_t, " passed ", late_t, " ago.")
        put("due_soon", "not done; due ", due_t, " (", left_t, " left).")
        put("pending", "not yet due (deadline ", due_t, ").")
    return out


def _notes(rule: Rule, status: np.ndarray, due, alt, stop, as_at) -> np.ndarray:
    """Flag findings that the other reading of an ambiguous counting rule would score differently."""
    out = np.full(len(status), "", dtype=object)
    if rule.is_window:
        return out
    due, alt, stop = pd.Series(due), pd.Series(alt), pd.Series(stop)
    when = stop.where(stop.notna(), pd.Timestamp(as_at))
    hit = (pd.Series(status).isin(["compliant", "due_soon", "pending"]) & due.notna() & alt.notna() & (alt != due)
           & (alt < when) & (when <= due)).to_numpy()
    if hit.any():
        counting = vocabulary.other_counting(rule.clock.get("deadline"))
        alt_t = _date_text(alt)
        out[hit] = (f"on time under the current reading, late under the other ({counting} counting: last day "
                    + alt_t[hit] + ")")
    return out


def _join_notes(*parts: np.ndarray) -> np.ndarray:
    """Several note arrays as one: the non-empty notes of each row, in order, joined by "; "."""
    out = np.asarray(parts[0], dtype=object).copy()
    for part in parts[1:]:
        part = np.asarray(part, dtype=object)
        both = (out != "") & (part != "")
        out = np.where(both, out + "; " + part, np.where(part != "", part, out)).astype(object)
    return out


def _stop_notes(rule: Rule, facts: clock.Facts) -> np.ndarray:
    """Why a recorded stop date did not count (dated before the clock start, or after the as-at date), or what
    the rule file says of the stop that did (``clock.stop_notes``)."""
    n = len(facts.frame)
    out = np.full(n, "", dtype=object)
    for name, text in (rule.clock.get("stop_notes") or {}).items():
        out[(facts.stop_field == name).to_numpy()] = " ".join(text.split())
    names = " or ".join(vocabulary.as_list(rule.clock.get("stop")))
    early = facts.stop_before_start.notna().to_numpy()
    if early.any():
        out[early] = (names + " " + _date_text(facts.stop_before_start)[early] + " is before the clock start "
                      + _date_text(facts.clock_start)[early]
                      + ", so it does not meet this duty (it answers an earlier one, or a date is wrong)")
    future = facts.stop_after_as_at.notna().to_numpy()
    if future.any():
        out[future] = (names + " " + _date_text(facts.stop_after_as_at)[future]
                       + " is after the as-at date, so it is not counted as done yet (data query DATE-FUTURE)")
    return out


def _recorded_due(rule: Rule, facts: clock.Facts, record_ids: np.ndarray,
                  differences: list | None) -> np.ndarray:
    """The due date the council recorded, shown beside the statutory one; a difference is a data query.

    The recorded date agrees when it is the statutory last day under either reading of the counting ("before
    15 February" recorded as 15 February is the same duty); it never replaces the statutory date."""
    out = np.full(len(facts.frame), "", dtype=object)
    recorded = facts.recorded_due
    held = recorded.notna().to_numpy()
    if not held.any():
        return out
    name = " or ".join(vocabulary.as_list(rule.clock.get("recorded_due")))
    known = facts.due_date.notna().to_numpy()
    agree = ((recorded == facts.due_date) | (recorded == facts.alt_due)).to_numpy()
    rec_t, due_t = _date_text(recorded), _date_text(facts.due_date)
    same = held & known & agree
    differs = held & known & ~agree
    unknown = held & ~known
    out[same] = "the council's recorded due date (" + name + ") " + rec_t[same] + " agrees with the statutory date"
    out[differs] = ("the council's recorded due date (" + name + ") " + rec_t[differs] + " differs from the "
                    "statutory last day " + due_t[differs] + ", which is the one used (data query DUE-DATE-DIFFERS)")
    out[unknown] = ("the council's recorded due date (" + name + ") " + rec_t[unknown] + " is not used: the "
                    "statutory date cannot be worked out")
    if differences is not None and differs.any():
        differences.append(pd.DataFrame({
            "rule_id": rule.id, "record_id": record_ids[differs], "field": name,
            "recorded": recorded.to_numpy()[differs], "statutory": facts.due_date.to_numpy()[differs]}))
    return out


def _uncertain(rule: Rule, facts: clock.Facts, status: pd.Series, settings: Settings, as_at):
    """Records for which the duty is owed only under the other reading of an ambiguous law (the rule's
    ``uncertain`` conditions).

    Under the reading the run uses, a breach among them is not counted: it is reported as insufficient_data
    with "at risk" and what the other reading would say in the note. Under the other reading the status stands
    and the note says why it is counted. Returns (status, note, label of at-risk rows or None)."""
    n = len(status)
    note = np.full(n, "", dtype=object)
    label = np.full(n, None, dtype=object)
    if not rule.uncertain or n == 0:
        return status, note, label
    rows = facts.frame
    counted = np.full(n, "", dtype=object)
    for cond in rule.uncertain:
        hit = vocabulary.mask(cond, rows).to_numpy() & (label == None) & (counted == "")  # noqa: E711
        if not hit.any():
            continue
        if vocabulary.in_reading(cond, settings):
            label[hit] = cond["label"]
        else:
            chosen = ", ".join(f"{k}={getattr(settings, k)}" for k in cond.get("only_if") or {})
            counted[hit] = "counted as owed under " + chosen + ": " + cond["label"]
    values = status.to_numpy(dtype=object).copy()
    risky = label != None  # noqa: E711
    breach = risky & np.isin(values, ["late", "overdue"])
    if breach.any():
        due_t, stop_t = _date_text(facts.due_date), _date_text(facts.stopped_date)
        first_late = _date_text(facts.due_date + pd.Timedelta(days=1))
        would = np.where(values == "late", "late (done " + stop_t + ", deadline " + due_t + ")",
                         "overdue since " + first_late).astype(object)
        note[breach] = ("at risk, not counted as a breach: " + label[breach].astype(object) + "; if the duty is owed "
                        "it is " + would[breach])
        values[breach] = "insufficient_data"
        status = pd.Series(values, index=status.index, dtype=object)
    other = risky & ~breach & np.isin(values, ["due_soon", "pending"])
    note[other] = "owed only if the other reading applies: " + label[other].astype(object)
    note = np.where(counted != "", counted, note).astype(object)
    label = np.where(breach, label, None)
    return status, note, label


def findings_for(rule: Rule, frame: pd.DataFrame, as_at, settings: Settings, engine: str = "vectorised",
                 differences: list | None = None) -> pd.DataFrame:
    """Findings of one rule over one subject frame.

    ``differences``, when given, collects the records whose recorded due date differs from the statutory one
    (rule_id, record_id, field, recorded, statutory), for the DUE-DATE-DIFFERS data query."""
    as_at = pd.Timestamp(as_at)
    if engine == "durable":
        if not rule.in_force(as_at.date()):
            return pd.DataFrame(columns=FINDING_COLUMNS)
        unconditional = Rule(**{**rule.__dict__, "when": ()})
        facts_all = clock.compute(unconditional, frame, as_at, settings)
        status = classify_durable(rule, frame, facts_all, as_at, settings.due_soon_days, rule.when_for(settings))
        keep = status.notna()
        facts = facts_all.subset(keep)
        status = status[keep]
    else:
        facts = clock.compute(rule, frame, as_at, settings)
        status = classify_vectorised(rule, facts, as_at, settings.due_soon_days)
    rows = facts.frame
    n = len(rows)
    if n == 0:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    status, risk_note, risk_label = _uncertain(rule, facts, status, settings, as_at)
    start, due, stop = facts.clock_start, facts.due_date, facts.stopped_date
    late_days = ((due - stop) if rule.is_window else (stop - due)).dt.days
    overdue_days = (as_at - due).dt.days
    days_late = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    days_late = days_late.mask(status == "late", late_days).mask(status == "overdue", overdue_days).astype("Int64")
    record_ids = rows["record_id"].astype(str).to_numpy()
    out = pd.DataFrame({
        "rule_id": rule.id,
        "table": rule.applies_to,
        "record_id": record_ids,
        "person_id": _col(rows, "person_id"),
        "upn": _col(rows, "upn"),
        "status": status.to_numpy(),
        "clock_start": start.to_numpy(),
        "due_date": due.to_numpy(),
        "stopped_date": stop.to_numpy(),
        "days_late": days_late.to_numpy(),
        "exception": facts.exception.where(status == "excepted").to_numpy(),
        "team": _col(rows, "team"),
        "caseworker": _col(rows, "caseworker"),
        "source": rule.citation,
        "family": rule.family,
        "strength": rule.strength,
        "severity": rule.severity,
        "title": rule.title,
        "urn": _col(rows, "urn"),
    })
    status_arr = out["status"].to_numpy(dtype=object)
    messages = _messages(rule, status_arr, out["clock_start"], out["due_date"], out["stopped_date"],
                         out["days_late"], out["exception"].to_numpy(dtype=object), as_at)
    at_risk = risk_label != None  # noqa: E711
    if at_risk.any():
        messages = messages.copy()
        messages[at_risk] = rule.title + ": cannot be counted: " + risk_label[at_risk].astype(object) + " (at risk)."
    out["message"] = messages
    out["note"] = _join_notes(
        _notes(rule, status_arr, out["due_date"], facts.alt_due.to_numpy(), out["stopped_date"], as_at),
        _stop_notes(rule, facts), _recorded_due(rule, facts, record_ids, differences), risk_note)
    return out[FINDING_COLUMNS]


def _col(rows: pd.DataFrame, name: str) -> np.ndarray:
    if name not in rows.columns:
        return np.full(len(rows), None, dtype=object)
    return rows[name].astype(object).where(rows[name].notna(), None).to_numpy()


def evaluate(dataset, rules: list[Rule], as_at, settings: Settings | None = None, *, engine: str = "vectorised",
             progress: Callable[[str], None] | None = None, views: dict | None = None,
             release_views: bool = False, differences: list | None = None) -> pd.DataFrame:
    """Every rule over its subject view; sorted so the same input and date give byte-identical findings.

    ``release_views`` empties ``views`` as it goes, dropping each view after the last rule that reads it, so
    that the views are gone before the findings are joined (a run's memory peak). ``differences`` collects the
    recorded due dates that differ from the statutory ones (see ``findings_for``)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}")
    settings = settings or Settings()
    views = views if views is not None else build_views(dataset, as_at)
    last_use = {rule.applies_to: i for i, rule in enumerate(rules, 1)}
    parts = []
    for i, rule in enumerate(rules, 1):
        if rule.applies_to not in views:
            raise ValueError(f"rule {rule.id} applies to unknown subject {rule.applies_to!r}")
        part = findings_for(rule, views[rule.applies_to], as_at, settings, engine, differences)
        if release_views and last_use[rule.applies_to] == i:
            del views[rule.applies_to]
        if len(part):  # sorted here, rule by rule: the same order as sorting all findings by (rule, record)
            parts.append((rule.id, part.sort_values("record_id", kind="stable")))
        if progress:
            progress(f"rules evaluated: {i}/{len(rules)} ({rule.id})")
    if not parts:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    ordered = [part for _, part in sorted(parts, key=lambda p: p[0])]
    parts.clear()  # the parts now live only in ``ordered``, which the join empties as it goes
    findings = _concat_by_column(ordered)
    findings["days_late"] = findings["days_late"].astype("Int64")
    for col in ("clock_start", "due_date", "stopped_date"):
        findings[col] = pd.to_datetime(findings[col]).astype("datetime64[ns]")
    return findings


def _concat_by_column(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """What ``pd.concat(parts)`` gives, joined a column at a time so each column's pieces are let go as soon as
    it is joined. Concatenating whole frames holds every part and the whole result at once: at national scale
    (4.5 million findings) that is about a gigabyte more at the run's peak."""
    pieces = {col: [part[col].array for part in parts] for col in FINDING_COLUMNS}
    parts.clear()
    columns = {}
    for col in FINDING_COLUMNS:
        arrays = pieces.pop(col)
        columns[col] = pd.concat([pd.Series(a, copy=False) for a in arrays], ignore_index=True)
        del arrays
    return pd.DataFrame(columns, copy=False)
