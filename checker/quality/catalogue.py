"""docs/data-quality.md and ``sendcheck data-checks``, generated from the registry so the two never disagree."""

from __future__ import annotations

import importlib

from .registry import Check, all_checks

# How the docs group the modules that declare checks.
STAGES = (
    ("checker.readers.", "Reading the input",
     "Raised while a file becomes the canonical tables. A cell that will not convert is blanked and reported "
     "(never silently); an error rejects its record."),
    ("checker.quality.", "Checks on the canonical tables",
     "Raised after reading, on the tables every reader produces, before any compliance rule runs."),
)


def checks_catalogue() -> list[dict]:
    """Every check, along the data path, for the docs and the CLI."""
    return [{"issue_id": c.issue_id, "severity": c.severity, "description": c.description, "action": c.action,
             "source": c.source, "tables": c.tables, "module": c.module, "annex_a": c.annex_a}
            for c in all_checks()]


def _path(module: str) -> str:
    return module.replace(".", "/") + ".py"


def _summary(module: str) -> str:
    doc = (importlib.import_module(module).__doc__ or "").strip()
    return " ".join(doc.split("\n\n")[0].split())


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def catalogue_markdown() -> str:
    """docs/data-quality.md: every check with its severity, what it finds, what to do and where it comes from."""
    checks = all_checks()
    lines = ["# Data-quality checks", "",
             "Generated from the registry of data checks (`checker/quality/registry.py`) by "
             "`sendcheck data-checks --write docs/data-quality.md`; each check is declared beside the code that "
             "raises it, in the module named above its table. Every id below can appear in `data_issues.csv`, and "
             "no other can: the checker refuses to raise an id that is not declared here.", "",
             "* **error**: the row is rejected: counted, reported with its file, sheet, row and column, and not "
             "evaluated by the compliance rules. A rejected person or request takes its dependent rows with it "
             "(PARENT-REJECTED).",
             "* **query**: worth a look; the row is still evaluated.", "",
             "A row a reader already reported an error for (for example `DATE-NOT-A-DATE`) is rejected too, with "
             "the reader's issue id as its reason; the reader's message stands and no second issue is raised. "
             "Every reader converts cells through the same converter (`checker/readers/convert.py`), so the same "
             "bad value gets the same id and message whether it came from an extract, a SEN2 XML return or its "
             "flat forms.", "",
             "Severity follows what the compliance rules need, not DfE COLLECT: for example COLLECT rejects an "
             "invalid UPN, but here it is a query because the statutory clocks do not depend on it.", "",
             "Duplicate keys: the first row in file order is kept; every later copy is rejected and its message "
             "names the row it repeats.", "",
             "G1-G9 refer to the SEN2 guide's conditional rules as listed in the SEN2 reference (A.5). DfE's own "
             "numbered validation rules were not available, so no DfE rule numbers are quoted.", "",
             "The inspection pack's Annex A list shows, for each child, the checks below that flagged them (the "
             "words in the last column), read from this run's data issues, plus \"No review in the last 12 "
             "months\" where the REVIEW-12M finding is overdue.", ""]
    for prefix, title, about in STAGES:
        stage = [c for c in checks if c.module.startswith(prefix)]
        if not stage:
            continue
        lines += [f"## {title}", "", about, ""]
        modules: list[str] = []
        for c in stage:
            if c.module not in modules:
                modules.append(c.module)
        for module in modules:
            lines += [f"### `{_path(module)}`", "", _summary(module), "",
                      "| id | severity | tables | what it finds | what to do | source | Annex A list |",
                      "|---|---|---|---|---|---|---|"]
            lines += [_row(c) for c in stage if c.module == module]
            lines.append("")
    lines += ["## UPN check letter", "",
              "The first character of a UPN is a check letter. Each of characters 2-13 has a value, its position in "
              "`ABCDEFGHJKLMNPQRTUVWXYZ0123456789` (A=0, B=1, ..., Z=22, then 0=23, ..., 9=32; I, O and S are not "
              "used); multiply them by the weights 2 to 13, take the sum modulo 23, and the check letter is the "
              "letter with that value. A temporary UPN ends in a letter instead of a digit. "
              "This is the same algorithm as `stdnum.gb.upn.calc_check_digit`; the checker runs it vectorised over "
              "the whole column and does not use `stdnum`'s 2011 list of LA numbers, which lacks LAs created since "
              "(e.g. Dorset 838, BCP 839, North and West Northamptonshire 940/941, Cumberland 942, Westmorland and "
              "Furness 943).", ""]
    return "\n".join(lines)


def _row(c: Check) -> str:
    return (f"| `{c.issue_id}` | {c.severity} | {_cell(c.tables)} | {_cell(c.description)} | {_cell(c.action)} | "
            f"{_cell(c.source)} | {_cell(c.annex_a)} |")


def catalogue_text() -> str:
    """The checks for the terminal: id, severity and what each finds."""
    return "\n".join(f"{c.issue_id:<34} {c.severity:<6} {c.description}" for c in all_checks())
