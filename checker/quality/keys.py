"""Keys and links: every row can be identified, is not a second copy, and hangs off a parent that exists.

Duplicate keys: the first row in file order is kept and evaluated; every later copy is rejected with
DUPLICATE-KEY and its message names the row it repeats. Orphans are only checked against a parent table the
input actually supplied: an extract with no person sheet does not make every request an orphan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import ERROR, QUERY
from ..model import TABLES
from .collector import Run
from .registry import GUIDE, OURS, check
from .vectors import first_positions, fmt

REQUIRED_MISSING = check(
    "REQUIRED-MISSING", ERROR,
    "A required field or a key field is blank, so the record cannot be identified or linked (but see "
    "RANK-MISSING and KEY-PART-MISSING).",
    action="Fill in the field in the case system (or map the column that holds it in the profile).",
    source=f"{OURS}; data dictionary (required and key fields)")
RANK_MISSING = check(
    "RANK-MISSING", QUERY,
    "A setting or type of need has no rank but is the only one for its request, so it is taken as the primary "
    "(rank 1). Raised once per table when the input has no rank column at all (wide LA trackers), otherwise per "
    "row. With two or more rows for the request a blank rank is REQUIRED-MISSING.",
    action="Record the rank (1 for the primary) so the primary setting or need is explicit.",
    source=f"{GUIDE} items 4.7d, 5.7d, 5.8b", tables="plan_detail, placement, sen_need")
KEY_PART_MISSING = check(
    "KEY-PART-MISSING", QUERY,
    "A key field after request_id (review meeting date, placement entry date, advice type, ...) is blank on the "
    "request's only row in that table, so the row is kept (SEN2 2023 returns have no ReviewMeeting). Once per "
    "table when the input has no such column at all. With two or more rows for the request it is "
    "REQUIRED-MISSING.",
    action="Record the missing date or type so that later rows for the same request can be told apart.",
    source=OURS, tables="placement, review, advice, health_provision")
DUPLICATE_KEY = check(
    "DUPLICATE-KEY", ERROR,
    "Two rows share the table's key. The first row in file order is kept; later copies are rejected.",
    action="Remove the duplicate record, or correct the identifier if they are different records.",
    source=f"{OURS}; SEN2 one Requests element per request", tables="tables with a key")
ORPHAN = check(
    "ORPHAN", ERROR,
    "A request names a person with no person row, or a child row names a request with no request row (checked "
    "only when the input supplied persons / requests).",
    action="Add the missing person or request to the extract, or correct the identifier that links them.",
    source=OURS, tables="request and every table with request_id")

# Rank key fields that may be left blank on the only row of a request (wide trackers carry one of each).
RANK_KEYS = {"plan_detail": "placement_rank", "placement": "placement_rank", "sen_need": "sen_type_rank"}


def _secondary_key(name: str, col: str) -> bool:
    """A key field after request_id (rank, meeting date, entry date, ...): only needed to tell a request's rows
    apart, so a blank one on the request's only row in the table is no obstacle."""
    key = TABLES[name].key
    return len(key) > 1 and key[0] == "request_id" and col in key[1:]


def required(run: Run) -> None:
    for name, frame in run.frames.items():
        t = TABLES[name]
        needed = [f.name for f in t.fields if f.required] + [k for k in t.key if not t.field(k).required]
        for col in needed:
            if col not in frame:
                continue
            missing = run.blank(name, col)
            if _secondary_key(name, col) and missing.any() and "request_id" in frame:
                sole = run.sole_row(name) & missing
                rank = RANK_KEYS.get(name) == col
                kind = RANK_MISSING if rank else KEY_PART_MISSING
                outcome = "taken as the primary (rank 1)" if rank else "kept"
                if missing.all() and sole.any():  # the input has no such column at all
                    run.table_issue(kind, name, f"{col} is not given; where a request has one {name} row it "
                                                f"is {outcome}.", column=col)
                else:
                    run.flag(kind, name, sole, col,
                             lambda p, v, col=col, outcome=outcome, name=name:
                             f"{col} is blank; this is the only {name} row for its request, so it is {outcome}.")
                missing = missing & ~sole
            run.flag(REQUIRED_MISSING, name, missing, col,
                     lambda p, v, col=col, name=name: f"{col} is blank; it is required to identify or link this {name} "
                                                   "row.")


def _key_codes(run: Run, name: str, col: str) -> np.ndarray:
    """Integer stand-ins for a key column (-1 where blank), for duplicate detection."""
    s = run.frames[name][col]
    if col == "request_id" and name != "request" and run.present("request"):
        # Reuse the link to the request table; rows with no request are already rejected as orphans.
        return run.link(name, "request_id", "request", "request_id")[0]
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return np.where(s.isna().to_numpy(), -1, s.to_numpy(dtype="datetime64[ns]").view(np.int64))
    return run.factor(name, col)[0]


def duplicates(run: Run) -> None:
    for name, frame in run.frames.items():
        key = [k for k in TABLES[name].key if k in frame]
        if not key or len(frame) < 2:
            continue
        parts = [_key_codes(run, name, k) for k in key]
        complete = np.ones(len(frame), dtype=bool)
        for k, part in zip(key, parts):
            complete &= ~run.blank(name, k) & (part != -1)
        sub = pd.DataFrame({i: p[complete] for i, p in enumerate(parts)})
        dup = sub.duplicated(keep="first").to_numpy()
        if not dup.any():
            continue
        rows = np.flatnonzero(complete)
        group = sub.groupby(list(sub.columns), sort=False).ngroup().to_numpy()
        first = first_positions(group, int(group.max()) + 1)
        mask = np.zeros(len(frame), dtype=bool)
        mask[rows[dup]] = True
        refs = run.row_ref(name, rows[first[group[dup]]])
        ref_of = dict(zip(rows[dup], refs))
        label = " + ".join(key)
        run.flag(DUPLICATE_KEY, name, mask, key[0],
                 lambda p, v, label=label, ref_of=ref_of:
                 f"{label} repeats {ref_of[p]}; the first row is kept and this copy is not evaluated.")


def orphans(run: Run) -> None:
    if run.present("person") and "request" in run.frames:
        code, _ = run.link("request", "person_id", "person", "person_id")
        bad = ~run.blank("request", "person_id") & (code < 0)
        run.flag(ORPHAN, "request", bad, "person_id",
                 lambda p, v: f'person_id "{fmt(v)}" has no person row.', run.frames["request"]["person_id"])
    if not run.present("request"):
        return
    for name, frame in run.frames.items():
        if name in ("person", "request") or "request_id" not in frame:
            continue
        code, _ = run.link(name, "request_id", "request", "request_id")
        bad = ~run.blank(name, "request_id") & (code < 0)
        run.flag(ORPHAN, name, bad, "request_id", lambda p, v: f'request_id "{fmt(v)}" has no request row.',
                 frame["request_id"])
