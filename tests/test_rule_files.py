"""A mistake in a rule file stops the rules loading, with the file, the rule, the key and a suggestion.

A misspelt field name used to make a rule silently never apply (the view has no such column, so the condition
is never met); these tests write a small rules folder with one mistake each and check what the author is told.
"""

import copy

import pytest
import yaml
from click.testing import CliRunner

from checker.cli import main
from checker.engine.rules import RuleFileError, load_rules

REVIEW_RULE = {
    "id": "TEST-DECISION-4W",
    "title": "Review decision within 4 weeks of the meeting",
    "description": "A test rule.",
    "strength": "must",
    "owed_by": "local authority",
    "applies_to": "review",
    "when": [{"field": "outcome", "in": ["A"]}],
    "clock": {"start": "meeting_date", "deadline": {"weeks": 4}, "stop": "decision_date"},
    "exceptions": [{"field": "convened_by", "equals": "school", "label": "convened by the school"}],
    "effective": {"from": "2014-09-01"},
    "source": ["SEND Regulations 2014 reg 20(10)"],
    "action": "Send the decision now.",
    "examples": [{"name": "day 28 on time", "as_at": "2025-06-30", "expect": "compliant",
                  "record": {"outcome": "A", "meeting_date": "2025-01-06", "decision_date": "2025-02-03"}}],
}
PLAN_RULE = {
    "id": "TEST-TRANSFER-15FEB",
    "title": "Amended plan before 15 February of the transfer year",
    "description": "A test rule.",
    "strength": "must",
    "owed_by": "local authority",
    "applies_to": "plan",
    "clock": {"start": "transfer_date",
              "deadline": [{"field": "phase_transfer_due_date"},
                           {"fixed": "02-15", "year_field": "transfer_year", "before": True}],
              "stop": "phase_transfer_final_date"},
    "source": ["SEND Regulations 2014 reg 18(1)(b)"],
    "action": "Issue the amended plan now.",
}


def write_rules(folder, *rules) -> None:
    doc = {"family": "test", "title": "Test rules", "rules": list(rules)}
    (folder / "test.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def test_the_well_formed_test_rules_load(tmp_path):
    write_rules(tmp_path, REVIEW_RULE, PLAN_RULE)
    assert [r.id for r in load_rules(tmp_path)] == ["TEST-DECISION-4W", "TEST-TRANSFER-15FEB"]


def _break(rule: dict, path: tuple, value) -> dict:
    broken = copy.deepcopy(rule)
    target = broken
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return broken


MISSPELT_FIELDS = [
    # (rule, where to break it, the misspelt value, the key named, the suggestion)
    (REVIEW_RULE, ("when", 0, "field"), "outcom", "when", "outcome"),
    (REVIEW_RULE, ("exceptions", 0, "field"), "convened_bye", "exceptions", "convened_by"),
    (REVIEW_RULE, ("clock", "start"), "meeting_dat", "clock.start", "meeting_date"),
    (REVIEW_RULE, ("clock", "start"), ["meeting_date", "meting_date"], "clock.start", "meeting_date"),
    (REVIEW_RULE, ("clock", "stop"), "decison_date", "clock.stop", "decision_date"),
    (PLAN_RULE, ("clock", "deadline", 0, "field"), "phase_transfer_due_dat", "clock.deadline",
     "phase_transfer_due_date"),
    (PLAN_RULE, ("clock", "deadline", 1, "year_field"), "transfer_yeer", "clock.deadline", "transfer_year"),
    (REVIEW_RULE, ("examples", 0, "record"), {"outcome": "A", "meeting_dte": "2025-01-06"},
     "examples ('day 28 on time').record", "meeting_date"),
]


@pytest.mark.parametrize("rule,path,value,key,suggestion", MISSPELT_FIELDS,
                         ids=[f"{key}: {value}" for _, _, value, key, _ in MISSPELT_FIELDS])
def test_a_misspelt_field_fails_at_load_with_a_suggestion(tmp_path, rule, path, value, key, suggestion):
    write_rules(tmp_path, _break(rule, path, value))
    with pytest.raises(RuleFileError) as caught:
        load_rules(tmp_path)
    error = caught.value
    assert (error.file, error.rule, error.key) == ("test.yaml", rule["id"], key)
    message = str(error)
    assert message.startswith(f"test.yaml, rule {rule['id']}: {key}: unknown field ")
    assert f"for subject {rule['applies_to']}; did you mean {suggestion!r}?" in message


def test_a_field_of_another_subject_is_named_as_such(tmp_path):
    write_rules(tmp_path, _break(REVIEW_RULE, ("when", 0, "field"), "transfer_year"))
    with pytest.raises(RuleFileError, match="'transfer_year' is a field of plan, not of review"):
        load_rules(tmp_path)


def test_a_field_with_nothing_close_points_to_the_list(tmp_path):
    write_rules(tmp_path, _break(REVIEW_RULE, ("when", 0, "field"), "zzz"))
    with pytest.raises(RuleFileError, match="unknown field 'zzz' for subject review; rules/README.md lists"):
        load_rules(tmp_path)


OTHER_MISTAKES = [
    (("clock", "deadline"), {"week": 4}, "clock.deadline", "unknown deadline kind 'week'; did you mean 'weeks'?"),
    (("when", 0), {"field": "outcome", "inn": ["A"]}, "when",
     "unknown operator 'inn' in condition on 'outcome'; did you mean 'in'?"),
    (("exceptions", 0), {"any": [{"field": "outcome", "equal": "A"}]}, "exceptions",
     "unknown operator 'equal' in condition on 'outcome'; did you mean 'equals'?"),
    (("exceptons",), [], "", "unknown key 'exceptons' in a rule; did you mean 'exceptions'?"),
    (("clock", "stopp"), "decision_date", "clock", "unknown key 'stopp' in the clock; did you mean 'stop'?"),
    (("applies_to",), "reveiw", "applies_to", "unknown subject 'reveiw'; did you mean 'review'?"),
    (("effective", "form"), "2014-09-01", "effective", "unknown key 'form' in effective; did you mean 'from'?"),
    (("examples", 0, "expect"), "complaint", "examples ('day 28 on time')",
     "expect must be one of compliant, late, overdue, due_soon, pending, excepted, insufficient_data, "
     "not_applicable, got 'complaint'; did you mean 'compliant'?"),
    (("examples", 0, "setings"), {"day_one": "sector"}, "examples ('day 28 on time')",
     "unknown key 'setings' in an example; did you mean 'settings'?"),
    (("examples", 0, "settings"), {"day_one": "secter"}, "examples ('day 28 on time').settings",
     "day_one must be one of legal, sector, got 'secter'"),
]


@pytest.mark.parametrize("path,value,key,expected", OTHER_MISTAKES, ids=[m[-1][:40] for m in OTHER_MISTAKES])
def test_other_mistakes_fail_at_load(tmp_path, path, value, key, expected):
    write_rules(tmp_path, _break(REVIEW_RULE, path, value))
    with pytest.raises(RuleFileError) as caught:
        load_rules(tmp_path)
    assert (caught.value.file, caught.value.rule, caught.value.key) == ("test.yaml", REVIEW_RULE["id"], key)
    assert expected in str(caught.value)


def test_a_comma_in_an_unquoted_example_name_is_explained(tmp_path):
    # the rule files write examples as flow mappings, where a comma ends the name and starts a new key
    rule = {key: value for key, value in REVIEW_RULE.items() if key != "examples"}
    text = yaml.safe_dump({"family": "test", "title": "Test", "rules": [rule]}, sort_keys=False)
    text += ("  examples:\n    - {name: day 28, on time, as_at: 2025-06-30, expect: compliant, record: {outcome: A, "
             "meeting_date: 2025-01-06, decision_date: 2025-02-03}}\n")
    (tmp_path / "test.yaml").write_text(text, encoding="utf-8")
    assert yaml.safe_load(text)["rules"][0]["examples"][0]["name"] == "day 28"  # what YAML makes of it
    with pytest.raises(RuleFileError, match="unknown key 'on time' in an example.*put the text in quotes"):
        load_rules(tmp_path)


def test_the_cli_reports_a_rule_file_problem_without_a_traceback(tmp_path):
    write_rules(tmp_path, _break(REVIEW_RULE, ("clock", "start"), "meeting_dat"))
    result = CliRunner().invoke(main, ["rules", "list", "--rules", str(tmp_path)])
    assert result.exit_code == 2
    assert ("rule file problem: test.yaml, rule TEST-DECISION-4W: clock.start: unknown field 'meeting_dat' for "
            "subject review; did you mean 'meeting_date'?") in result.output
    assert "Traceback" not in result.output
