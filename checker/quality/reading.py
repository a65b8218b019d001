"""Rows a reader already reported an error for are rejected too, so a rule never reasons from a blanked cell.

The reader's issue (for example DATE-NOT-A-DATE) stands and becomes the row's reason; no second issue is
raised. This declares no check of its own: it carries the readers' verdicts into the rejection accounting.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import ERROR
from .collector import Run


def reject_reader_errors(run: Run) -> None:
    wanted: dict[str, list[tuple[str, str, int, str]]] = {}
    for issue in run.dataset.issues:
        row = issue.record_row if issue.record_row is not None else issue.row
        if issue.severity == ERROR and issue.table in run.frames and row is not None:
            wanted.setdefault(issue.table, []).append((issue.file, issue.sheet, int(row), issue.issue_id))
    for name, hits in wanted.items():
        frame = run.frames[name]
        if not {"_file", "_sheet", "_row"} <= set(frame.columns):
            continue
        keys = pd.DataFrame(hits, columns=["_file", "_sheet", "_row", "reason"]).drop_duplicates(
            ["_file", "_sheet", "_row"])
        rows = pd.DataFrame({"_file": frame["_file"].astype(object).fillna("").astype(str).to_numpy(),
                             "_sheet": frame["_sheet"].astype(object).fillna("").astype(str).to_numpy(),
                             "_row": pd.to_numeric(frame["_row"], errors="coerce").fillna(-1).astype("int64")
                             .to_numpy(), "pos": np.arange(len(frame))})
        matched = rows.merge(keys, on=["_file", "_sheet", "_row"], how="inner")
        pos = matched["pos"].to_numpy()
        run.reader_rejected[name][pos] = True
        run.errors[name][pos] = True
        unset = pos[pd.isna(run.reasons[name][pos])]
        run.reasons[name][unset] = matched["reason"].to_numpy()[pd.isna(run.reasons[name][pos])]
