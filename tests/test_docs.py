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


def test_the_rules_readme_describes_the_declared_vocabulary_and_subjects():
    """The deadline kinds, condition operators and subject fields in rules/README.md are generated from their
    declarations (engine/vocabulary.py, engine/views.py), so the README cannot drift from what loads."""
    from checker.engine.rules import readme_with_generated_sections

    readme = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")
    assert readme == readme_with_generated_sections(readme), (
        'run: python -c "from checker.engine.rules import update_rules_readme; '
        'update_rules_readme(\'rules/README.md\')"')


def test_data_quality_page_is_generated_from_the_registry(tmp_path):
    from click.testing import CliRunner

    from checker.cli import main
    from checker.quality import catalogue_markdown

    page = (ROOT / "docs" / "data-quality.md").read_text(encoding="utf-8")
    assert page == catalogue_markdown(), "run: sendcheck data-checks --write docs/data-quality.md"
    target = tmp_path / "data-quality.md"
    assert CliRunner().invoke(main, ["data-checks", "--write", str(target)]).exit_code == 0
    assert target.read_text(encoding="utf-8") == page
    listed = CliRunner().invoke(main, ["data-checks"]).output
    assert "DATE-NOT-A-DATE" in listed and "PLACEMENT-MISSING" in listed
