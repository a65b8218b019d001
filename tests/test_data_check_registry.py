"""Every data-issue id the checker can raise is declared once in the registry, and nothing else can be raised.

Two guards, each tried here on purpose: a DataIssue with an undeclared id (or the wrong severity) is refused
when it is made, and a scan of checker/ finds any issue-id literal the registry does not hold, so an id that a
test never exercises still cannot slip in.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from checker.dataset import ERROR, QUERY, DataIssue, UnregisteredIssue
from checker.engine.rules import load_rules
from checker.quality.registry import REGISTRY, all_checks, check

ROOT = Path(__file__).resolve().parent.parent
CHECKER = ROOT / "checker"
ISSUE_ID = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
HYPHENATED = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+")
RAISING_CALLS = {"DataIssue", "check"}  # a string first argument here is an issue id, whatever its shape
NOT_ISSUE_IDS = {"YYYY-MM-DD", "YYYY-MM", "UTF-8"}  # formats and encodings that have an id's shape


def id_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string in ``source`` shaped like an issue id (or handed to DataIssue / check), and
    of every f-string that builds one (a constant part such as "-CONFLICT" next to a value: such an id cannot be
    checked before it is raised)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in RAISING_CALLS and not HYPHENATED.fullmatch(node.args[0].value):
                found.append((node.lineno, node.args[0].value))
        if isinstance(node, ast.JoinedStr):
            parts = [p.value for p in node.values if isinstance(p, ast.Constant) and isinstance(p.value, str)]
            if any(re.fullmatch(r"-?[A-Z0-9]+(?:-[A-Z0-9]+)*-?", p) and "-" in p for p in parts):
                shown = "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in node.values)
                found.append((node.lineno, f"f-string {shown}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and HYPHENATED.fullmatch(node.value):
            found.append((node.lineno, node.value))
    return found


def unregistered_ids_in(paths, root=ROOT) -> list[str]:
    all_checks()  # import every declaring module, so the registry is complete
    registered = set(REGISTRY) | {r.id for r in load_rules()} | NOT_ISSUE_IDS
    out = []
    for path in paths:
        for line, text in sorted(id_literals(path.read_text(encoding="utf-8"))):
            if text not in registered:
                out.append(f"{path.relative_to(root)}:{line}: {text}")
    return out


def test_every_issue_id_in_the_code_is_registered():
    unknown = unregistered_ids_in(sorted(CHECKER.rglob("*.py")))
    assert not unknown, "declare these with checker.quality.registry.check beside the code that raises them:\n" \
                        + "\n".join(unknown)


def test_the_scan_finds_an_undeclared_id_and_an_id_built_at_run_time(tmp_path):
    """Breaking it on purpose: a reader that raises "NEW-THING", and one that builds "<TABLE>-CONFLICT"."""
    broken = tmp_path / "broken_reader.py"
    broken.write_text('from checker.dataset import QUERY, DataIssue\n\n'
                      'def read(name):\n'
                      '    yield DataIssue("NEW-THING", QUERY, "oops")\n'
                      '    yield DataIssue(f"{name.upper()}-CONFLICT", QUERY, "oops")\n'
                      '    yield DataIssue("DATE-NOT-A-DATE", "error", "fine: registered")\n'
                      '    yield DataIssue("NEWTHING", QUERY, "an id without a hyphen")\n', encoding="utf-8")
    found = sorted(text for _, text in id_literals(broken.read_text(encoding="utf-8")))
    assert found == ["DATE-NOT-A-DATE", "NEW-THING", "NEWTHING", "f-string {}-CONFLICT"]
    assert unregistered_ids_in([broken], root=tmp_path) == ["broken_reader.py:4: NEW-THING",
                                                            "broken_reader.py:5: f-string {}-CONFLICT",
                                                            "broken_reader.py:7: NEWTHING"]


def test_an_undeclared_id_is_refused_when_raised():
    with pytest.raises(UnregisteredIssue, match="NEW-THING"):
        DataIssue("NEW-THING", QUERY, "input: something new")


def test_a_declared_id_with_the_wrong_severity_is_refused():
    DataIssue("DATE-NOT-A-DATE", ERROR, "ok")
    with pytest.raises(UnregisteredIssue, match="declared as 'error'"):
        DataIssue("DATE-NOT-A-DATE", QUERY, "a reader that downgrades the check")


def test_an_id_declared_twice_is_refused():
    with pytest.raises(ValueError, match="declared twice"):
        check("DATE-NOT-A-DATE", ERROR, "again", action="-", source="-")
    with pytest.raises(ValueError, match="severity"):
        check("NEW-THING", "warning", "made up", action="-", source="-")
    assert "NEW-THING" not in REGISTRY


def test_every_check_is_fully_declared():
    checks = all_checks()
    assert len({c.issue_id for c in checks}) == len(checks)
    for c in checks:
        assert ISSUE_ID.fullmatch(c.issue_id), c.issue_id
        assert c.severity in (ERROR, QUERY)
        assert c.description and c.action and c.source and c.tables, c.issue_id
        assert c.module.startswith(("checker.readers.", "checker.quality.")), c.module


def test_every_check_is_exercised_by_some_test():
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py")
                      if p.name != Path(__file__).name)
    untested = [c.issue_id for c in all_checks() if c.issue_id not in tests]
    assert not untested, f"no test mentions {untested}"
