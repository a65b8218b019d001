"""Due dates the council recorded, set beside the statutory ones the rules work out.

The statutory deadline is always computed from the law; a due date held in the data (SEN2 5.6a
PhaseTransferDueDate, a tracker's "phase transfer deadline") is shown beside it in the finding's note and never
replaces it. Where the two differ, the difference is this query, raised after the rules run (only they know
which transfer, and so which statutory date, the record is about) and located on the row that holds the
recorded date, like every other data issue.
"""

from __future__ import annotations

import pandas as pd

from ..dataset import QUERY, DataIssue, Dataset
from ..model import TABLES
from .registry import OURS, check
from .vectors import fmt

DUE_DATE_DIFFERS = check(
    "DUE-DATE-DIFFERS", QUERY,
    "A due date the council recorded (e.g. the phase transfer due date, SEN2 item 5.6a) is not the statutory "
    "last day the rule works out from the law (under either reading of its counting: \"before 15 February\" "
    "recorded as 15 February agrees). The statutory date is the one used; the recorded one is shown in the "
    "finding's note. Often the recorded date belongs to an earlier transfer (a child who repeated a year).",
    action="Check the recorded due date against the child's year group and transfer, and correct whichever is "
           "wrong.", source=OURS, tables="active_plan")


def due_date_queries(differences: list[pd.DataFrame], dataset: Dataset) -> list[DataIssue]:
    """One DUE-DATE-DIFFERS query per record whose recorded due date differs from the statutory one.

    ``differences`` is what ``engine.evaluate(..., differences=...)`` collected: rule_id, record_id (the
    request id of a plan), field, recorded, statutory."""
    if not differences:
        return []
    found = pd.concat(differences, ignore_index=True).drop_duplicates(["record_id", "field", "recorded"])
    issues = []
    for field, rows in found.groupby("field", sort=True):
        for table, frame in _holders(dataset, field):
            located = frame.drop_duplicates("request_id").set_index("request_id")
            for row in rows.itertuples(index=False):
                if row.record_id not in located.index:
                    continue
                at = located.loc[row.record_id]
                file, sheet = str(at.get("_file") or ""), str(at.get("_sheet") or "")
                line = at.get("_row")
                column = dataset.source_headers.get((file, sheet, table, field)) or field
                column = f"{column} ({field})" if column != field else field
                where = DataIssue.location_text(file, sheet, None if pd.isna(line) else int(line), column)
                issues.append(DUE_DATE_DIFFERS.issue(
                    f"{where}: {field} {fmt(row.recorded)} is not the statutory last day {fmt(row.statutory)} "
                    f"({row.rule_id}); the statutory date is used. Check the recorded date (it may belong to an "
                    "earlier transfer).",
                    file=file, sheet=sheet, row=None if pd.isna(line) else int(line), column=column,
                    value=fmt(row.recorded), table=table, record_id=str(row.record_id)))
            break
    return issues


def _holders(dataset: Dataset, field: str):
    """The canonical tables (keyed by request) that hold ``field``, with their rows."""
    for name, table in TABLES.items():
        if field in table.columns and "request_id" in table.columns and len(dataset.table(name)):
            yield name, dataset.table(name)
