"""The promises other people build on: a council's saved filters, a spreadsheet that reads findings.csv, last
month's history. CONTRIBUTING.md lists them; each has a test here or names the test that holds it."""

from pathlib import Path

from checker.engine.rules import load_rules
from checker.result import FINDING_COLUMNS, STATUSES

ROOT = Path(__file__).resolve().parent.parent
RELEASED_IDS = ROOT / "tests" / "data" / "released-rule-ids.txt"


def test_no_released_rule_id_is_ever_renamed_or_removed():
    """A rule id is a council's handle on a duty (filters, history, tribunal bundles). A duty that no longer
    applies is ended with ``effective: {to: ...}``, never deleted or renamed; a new id is appended to the list."""
    released = [line.strip() for line in RELEASED_IDS.read_text(encoding="utf-8").splitlines() if line.strip()]
    defined = {rule.id for rule in load_rules()}
    assert not [i for i in released if i not in defined], "a released rule id disappeared"
    assert not sorted(defined - set(released)), f"add the new rule ids to {RELEASED_IDS.name}"


def test_the_findings_columns_and_statuses_are_fixed():
    """findings.csv's first fifteen columns are the public contract; columns are only ever added at the end."""
    assert FINDING_COLUMNS[:15] == [
        "rule_id", "table", "record_id", "person_id", "upn", "status", "clock_start", "due_date", "stopped_date",
        "days_late", "exception", "team", "caseworker", "source", "message"]
    assert set(STATUSES) >= {"compliant", "late", "overdue", "due_soon", "pending", "excepted", "insufficient_data"}
