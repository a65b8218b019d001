"""summary.json says which sendcheck and which law encoding made the findings; the history keeps the same.

The fingerprint moves when what the rules say moves (a deadline, a condition, an effective date, a citation,
an action) and stays put for a comment, a reflowed description, a worked example or a rule's file.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import checker
from checker.cli import main
from checker.engine.fingerprint import rules_fingerprint
from checker.engine.rules import load_rules
from checker.history import open_store

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
SEN2 = ROOT / "tests" / "data" / "sen2" / "sen2-2026.xml"


@pytest.fixture()
def rules_copy(tmp_path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    return folder


def fingerprint(folder: Path) -> str:
    return rules_fingerprint(load_rules(folder))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_summary_carries_the_version_and_the_fingerprint_the_history_records(tmp_path):
    out, db = tmp_path / "r", tmp_path / "history.sqlite"
    result = CliRunner().invoke(main, ["check", str(SEN2), "--as-at", "2026-01-15", "--out", str(out), "--report",
                                       "none", "--record", "--db", str(db)], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["sendcheck_version"] == checker.__version__
    assert re.fullmatch(r"[0-9a-f]{64}", summary["rules_fingerprint"])
    assert summary["rules_fingerprint"] == rules_fingerprint(load_rules())
    with open_store(db) as store:
        assert store.runs()[0]["ruleset_version"] == summary["rules_fingerprint"]


def test_the_fingerprint_is_the_same_however_often_it_is_taken(rules_copy):
    assert fingerprint(rules_copy) == fingerprint(RULES) == fingerprint(rules_copy)


@pytest.mark.parametrize("old,new", [
    ("deadline: {months: 6}", "deadline: {months: 5}"),  # a deadline
    ("effective: {from: 2014-09-01}", "effective: {from: 2014-09-02}"),  # when the duty came into force
    ("- Children and Families Act 2014 s44(1)", "- Children and Families Act 2014 s44(2)"),  # the citation
    ("      Hold the review meeting and send", "      Hold the review meeting today and send"),  # the action
    ("severity: high", "severity: medium"),
])
def test_a_change_to_what_a_rule_says_changes_the_fingerprint(rules_copy, old, new):
    before = fingerprint(rules_copy)
    edit(rules_copy / "reviews.yaml", old, new)
    assert fingerprint(rules_copy) != before


@pytest.mark.parametrize("old,new", [
    ("# Reviewing and amending an EHC plan.", "# Reviewing and amending an EHC plan (a comment)."),
    ("must review an EHC plan within the 12 months starting with",  # the description reflowed
     "must review an EHC plan within the 12 months\n      starting with"),
    ("expect: pending}", ("expect: pending}\n      - {name: another example, as_at: 2025-03-02, record: "
                          "{review_clock_start: 2025-01-31}, expect: pending}")),
])
def test_comments_layout_and_worked_examples_leave_it_unchanged(rules_copy, old, new):
    before = fingerprint(rules_copy)
    edit(rules_copy / "reviews.yaml", old, new)
    assert fingerprint(rules_copy) == before


def test_a_rule_moved_to_another_file_of_its_family_leaves_it_unchanged(rules_copy):
    """Which file holds a rule, and the order the files are read in, are not the law."""
    before = fingerprint(rules_copy)
    text = (rules_copy / "reviews.yaml").read_text(encoding="utf-8")
    head, _, rules = text.partition("rules:\n")
    first, _, rest = rules.partition("\n  - id: REVIEW-U5-6M")
    (rules_copy / "reviews.yaml").write_text(head + "rules:\n  - id: REVIEW-U5-6M" + rest, encoding="utf-8")
    (rules_copy / "zz_reviews_moved.yaml").write_text(head + "rules:\n" + first + "\n", encoding="utf-8")
    assert len(load_rules(rules_copy)) == len(load_rules(RULES))
    assert fingerprint(rules_copy) == before
