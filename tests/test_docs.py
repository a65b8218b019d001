"""Generated documentation stays in step with the code it describes."""

from pathlib import Path

from checker.model import data_dictionary_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_data_dictionary_is_current():
    text = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert text == data_dictionary_markdown() + "\n", "run: sendcheck data-dictionary --write docs/data-dictionary.md"


def test_every_rule_is_listed_in_the_rules_readme():
    from checker.engine.rules import load_rules

    readme = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")
    missing = [r.id for r in load_rules() if r.id not in readme]
    assert not missing, f"rules/README.md does not mention {missing}"
