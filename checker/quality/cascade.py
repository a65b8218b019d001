"""Rejection cascades down a record: a rejected person takes their requests with them, and a rejected request
takes its assessment, plan, placements, reviews and so on, because their statutory clocks start from it.

A key counts as rejected only when every row holding it is rejected (a kept first copy keeps it alive).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import ERROR
from ..model import TABLES
from .collector import Run
from .registry import OURS, check
from .vectors import fmt

PARENT_REJECTED = check(
    "PARENT-REJECTED", ERROR,
    "Rows hanging off a rejected person or request (its requests; its assessment, plan, settings, placements, "
    "needs, reviews, ...) are not evaluated either. They are counted under this reason; one issue on the "
    "parent's row lists them.",
    action="Fix the parent's own issue (named in the message); its rows are then evaluated too.", source=OURS,
    tables="request and every table with request_id")


def cascade(run: Run) -> None:
    """The dependent rows are counted as PARENT-REJECTED in the accounting; the issue is raised once, on the
    parent's row, listing what was not evaluated (on a wide tracker they are all the same spreadsheet row)."""
    def rejected_keys(table: str, col: str) -> np.ndarray:
        codes, uniques = run.factor(table, col)
        alive = np.zeros(len(uniques), dtype=bool)
        alive[codes[(codes >= 0) & ~run.errors[table]]] = True
        return ~alive

    def down(parent: str, key: str, children: list[str]) -> None:
        if not run.present(parent):
            return
        dead = rejected_keys(parent, key)
        if not dead.any():
            return
        held: dict[int, list[str]] = {}
        for name in children:
            code, pos = run.link(name, key, parent, key)
            mask = (code >= 0) & dead[np.maximum(code, 0)] & ~run.errors[name]
            if not mask.any():
                continue
            rows = np.flatnonzero(mask)
            run.errors[name][rows] = True
            unset = rows[pd.isna(run.reasons[name][rows])]
            run.reasons[name][unset] = PARENT_REJECTED.issue_id
            parents, counts = np.unique(pos[rows], return_counts=True)
            what = name.replace("_", " ")
            for p, c in zip(parents.tolist(), counts.tolist()):
                held.setdefault(p, []).append(what if c == 1 else f"{c} {what} rows")
        if not held:
            return
        mask = np.zeros(len(run.frames[parent]), dtype=bool)
        mask[list(held)] = True
        run.flag(PARENT_REJECTED, parent, mask, key,
                 lambda p, v: f'{parent} "{fmt(v)}" is rejected ({run.reasons[parent][p]}), so its '
                              f'{", ".join(held[p])} '
                              f'{"is" if len(held[p]) == 1 and " rows" not in held[p][0] else "are"} not evaluated '
                              "either.", run.frames[parent][key], reject=False)

    if "request" in run.frames:
        down("person", "person_id", ["request"])
    children = [n for n in TABLES if n in run.frames and n not in ("person", "request")
                and "request_id" in run.frames[n]]
    down("request", "request_id", children)
