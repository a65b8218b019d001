"""The accounting adds up: every row read is either evaluated or rejected with a reason."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_quality_checks import CLEAN, build

from checker.accounting import AccountingError, account, format_accounting, format_reading
from checker.dataset import Dataset
from checker.quality import check_dataset


def test_accounting_from_real_checks():
    tables = {k: [dict(r) for r in v] for k, v in CLEAN.items()}
    tables["request"].append(dict(tables["request"][0]))  # duplicate
    tables["request"].append({"request_id": "R9", "person_id": "P1", "received_date": None,
                              "request_outcome": "Y", "request_outcome_date": "2024-02-12"})
    ds = build(tables)
    checked = check_dataset(ds, dt.date(2025, 10, 1))
    df = account(ds, checked.rejected, checked.reasons)
    req = df.set_index("table").loc["request"]
    assert (req.rows_read, req.rows_evaluated, req.rows_rejected) == (3, 1, 2)
    assert req.rejected_by_reason == "DUPLICATE-KEY: 1; RECEIVED-DATE-MISSING: 1"
    assert (df.rows_read == df.rows_evaluated + df.rows_rejected).all()
    assert list(df.table[:3]) == ["person", "request", "assessment"]
    text = format_accounting(df)
    assert "request: 3 rows read -> 1 evaluated, 2 rejected (DUPLICATE-KEY 1, RECEIVED-DATE-MISSING 1)" in text
    assert "person: 1 rows read -> 1 evaluated, 0 rejected" in text


def test_terminal_format_uses_thousands_separators_and_orders_reasons():
    df = pd.DataFrame([{"table": "request", "rows_read": 3412, "rows_evaluated": 3398, "rows_rejected": 14,
                        "rejected_by_reason": "REQUIRED-MISSING: 9; DUPLICATE-KEY: 5", "rows_merged": 0}])
    assert format_accounting(df) == ("request: 3,412 rows read -> 3,398 evaluated, 14 rejected "
                                     "(REQUIRED-MISSING 9, DUPLICATE-KEY 5)")


def test_reader_counts_are_shown():
    ds = build({"request": [{"request_id": "R1", "person_id": "P1"}]})
    ds.read_counts.append({"file": "t.xlsx", "sheet": "Requests", "header_row": 1, "rows_read": 10,
                           "blank_rows": 2, "duplicate_rows": 1, "rows_used": 7})
    ds.read_counts.append({"file": "empty.csv", "sheet": "", "header_row": None, "rows_read": 0, "blank_rows": 0,
                           "duplicate_rows": 0, "rows_used": 0})
    ds.merged_rows["request"] = 4
    df = account(ds, {}, {})
    assert df.rows_merged.tolist() == [4]
    text = format_accounting(df, ds)
    assert 't.xlsx, sheet "Requests": 10 rows -> 7 used (2 blank, 1 exact duplicates)' in text
    assert "empty.csv: no header row or data found" in text
    assert "4 repeated rows of the same record merged" in text
    assert format_reading(Dataset()) == ""


def test_table_without_rejections_mask_counts_all_evaluated():
    ds = build({"person": [{"person_id": "P1"}, {"person_id": "P2"}]})
    df = account(ds, {}, {})
    assert df.loc[0, ["rows_read", "rows_evaluated", "rows_rejected"]].tolist() == [2, 2, 0]


def test_mismatched_mask_is_refused():
    ds = build({"person": [{"person_id": "P1"}, {"person_id": "P2"}]})
    with pytest.raises(AccountingError):
        account(ds, {"person": pd.Series([True])}, {})


def test_rejection_without_reason_is_still_counted():
    ds = build({"person": [{"person_id": "P1"}, {"person_id": "P2"}]})
    df = account(ds, {"person": pd.Series([True, False])}, {"person": pd.Series([None, None])})
    assert df.loc[0, "rejected_by_reason"] == "UNSPECIFIED: 1"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.lists(st.sampled_from(["A", "B", "C", None]), max_size=40)),
                min_size=1, max_size=5))
def test_random_rejections_add_up(spec):
    ds = Dataset()
    rejected, reasons = {}, {}
    names = ["person", "request", "assessment", "named_plan", "review"]
    for name, (n, why) in zip(names, spec):
        ds.tables[name] = pd.DataFrame({"x": np.arange(n)})
        why = (why + [None] * n)[:n]
        rejected[name] = pd.Series([w is not None for w in why], dtype=bool)
        reasons[name] = pd.Series(why, dtype=object)
    df = account(ds, rejected, reasons)
    assert (df.rows_read == df.rows_evaluated + df.rows_rejected).all()
    for row in df.itertuples():
        counted = sum(int(p.split(": ")[1]) for p in row.rejected_by_reason.split("; ") if p)
        assert counted == row.rows_rejected == int(rejected[row.table].sum())
    assert df.rows_read.sum() == sum(len(f) for f in ds.tables.values())


FIELDS = [("person", "person_id"), ("person", "birth_date"), ("person", "upn"), ("request", "request_id"),
          ("request", "person_id"), ("request", "received_date"), ("request", "request_outcome"),
          ("assessment", "request_id"), ("assessment", "assessment_outcome_date"), ("named_plan", "cease_date"),
          ("placement", "urn"), ("placement", "placement_rank"), ("review", "decision_date")]
VALUES = [None, "", "x", "1", "R1", "P1", "Y", "2030-01-01", "1900-01-01", "2024-01-08"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(FIELDS), st.sampled_from(VALUES)), max_size=8))
def test_random_damage_never_crashes_and_every_rejection_is_explained(damage):
    tables = {k: [dict(r, **({"request_id": f"R{i}"} if "request_id" in r else {}),
                       **({"person_id": f"P{i}"} if "person_id" in r else {})) for i in range(3) for r in v]
              for k, v in CLEAN.items()}
    for i, (name, col), value in damage:
        if col.endswith("_date") and value is not None and len(value) != 10:
            value = None
        tables[name][i][col] = value
    ds = build(tables)
    checked = check_dataset(ds, dt.date(2025, 10, 1))
    df = account(ds, checked.rejected, checked.reasons)
    assert (df.rows_read == df.rows_evaluated + df.rows_rejected).all()
    errors = {(i.table, i.row, i.issue_id) for i in checked.issues if i.severity == "error"}
    parent_notes = {(i.table, i.record_id) for i in checked.issues if i.issue_id == "PARENT-REJECTED"}
    for name, mask in checked.rejected.items():
        frame = ds.tables[name]
        for pos in np.flatnonzero(mask.to_numpy()):
            reason = checked.reasons[name].iloc[pos]
            if reason == "PARENT-REJECTED":  # explained once, on the rejected parent's row
                parent = ("person", frame["person_id"].iloc[pos]) if name == "request" else \
                    ("request", frame["request_id"].iloc[pos])
                assert parent in parent_notes
            else:
                assert (name, int(frame["_row"].iloc[pos]), reason) in errors
