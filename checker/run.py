"""One check run, end to end: :func:`check` reads, checks the data, builds the views and runs the rules into a
RunResult; :func:`write` (from :mod:`checker.writing`) decides and writes every file the run leaves behind.

``sendcheck check`` and the web app call exactly these two, so the benchmarks, the tests, the command and the
web app run and write exactly what a SEND manager runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .dataset import ISSUE_COLUMNS, Dataset
from .engine.evaluate import evaluate
from .engine.rules import Rule, load_rules
from .engine.views import build_views
from .result import RunResult
from .settings import Settings
from .writing import NotRecorded, OutputExists, Recorded, Written, refuse_overwrite, write

__all__ = ["NotRecorded", "OutputExists", "Recorded", "Written", "check", "refuse_overwrite", "write"]

Progress = Callable[[str], None] | None


def accepted_rows(dataset: Dataset, rejected: dict[str, pd.Series]) -> Dataset:
    """A copy of the dataset without the rows that failed an error-level data check."""
    kept = Dataset(sources=list(dataset.sources), header=dict(dataset.header),
                   read_counts=list(dataset.read_counts), merged_rows=dict(dataset.merged_rows),
                   source_headers=dict(dataset.source_headers), mapped=set(dataset.mapped),
                   sen2_headers=dict(dataset.sen2_headers))
    for name, frame in dataset.tables.items():
        mask = rejected.get(name)
        kept.tables[name] = frame if mask is None or not mask.any() else frame[~mask.to_numpy()].reset_index(drop=True)
    return kept


def supplied_fields(dataset: Dataset) -> set[str]:
    """Canonical fields some input maps (``Dataset.mapped``): a column the profile found in the file, an item
    of the SEN2 return.

    Whether any row holds a value this month does not matter: a mapped column that is blank everywhere means
    "not done yet" (pending, due soon or overdue), never "not supplied". Extension fields a SEN2 return never
    has (final amended plan date, review invitation date, ...) are not mapped by it.
    """
    return dataset.mapped_fields()


def rules_without_data(rules: list[Rule], supplied: set[str]) -> dict[str, str]:
    """Rules whose clock-stop date no input maps: evaluating them would call every case overdue.

    A SEN2 return, for instance, has no final-amended-plan date; rather than report every amendment as late,
    such a rule is listed as not evaluated, with the reason, in the run summary and the reports.
    """
    out = {}
    for rule in rules:
        stop = rule.clock.get("stop")
        if not stop:
            continue
        names = [stop] if isinstance(stop, str) else list(stop)
        if not any(n in supplied for n in names):
            out[rule.id] = f"no input has {' or '.join(names)} (no column or SEN2 item maps it)"
    return out


def issues_frame(issues) -> pd.DataFrame:
    frame = pd.DataFrame([i.as_dict() for i in issues], columns=ISSUE_COLUMNS)
    if frame.empty:
        return frame
    frame["row_sort"] = pd.to_numeric(frame["row"], errors="coerce")
    frame = frame.sort_values(["file", "sheet", "row_sort", "column", "issue_id", "message"], kind="stable",
                              na_position="first").drop(columns="row_sort")
    return frame.drop_duplicates().reset_index(drop=True)


def check(inputs: list[Path], as_at: dt.date, *, profile: str | Path | None = None,
          settings: Settings | None = None, engine: str = "vectorised", rules_dir: Path | None = None,
          progress: Progress = None, dataset: Dataset | None = None, rules: list | None = None,
          as_at_from: str | None = None) -> RunResult:
    """Check ``inputs`` as at ``as_at``: read -> data checks -> views -> rules. Writes nothing.

    ``rules``, when given, are the rules already loaded from ``rules_dir`` (the CLI loads them first to report
    a broken rule file before reading any input); ``dataset``, when given, is the inputs already read;
    ``as_at_from`` names the SEN2 return whose reference date ``as_at`` is, when no date was given (see
    :func:`checker.as_at.choose`)."""
    from . import accounting, quality
    from .notices import as_at_notices, nothing_notices
    from .readers import load_inputs

    settings = settings or Settings()
    say = progress or (lambda _msg: None)
    rules = load_rules(rules_dir) if rules is None else rules
    read_here = dataset is None
    if read_here:
        say(f"reading {len(inputs)} input file(s)")
        dataset = load_inputs([Path(p) for p in inputs], profile)
    say("rows read: " + ", ".join(f"{t} {n:,}" for t, n in sorted(dataset.row_counts().items()) if n))
    checked = quality.check_dataset(dataset, as_at)
    counts = accounting.account(dataset, checked.rejected, checked.reasons)
    notices = as_at_notices(dataset, as_at, from_return=as_at_from is not None)  # on every row read
    usable = accepted_rows(dataset, checked.rejected)
    if read_here:  # only the accepted rows go on: the tables as read would hold 0.3 GB more at national scale
        dataset.tables.clear()
    views = build_views(usable, as_at)
    in_force = [r for r in rules if r.in_force(as_at)]
    skipped = rules_without_data(in_force, supplied_fields(usable))
    active = [r for r in in_force if r.id not in skipped]
    differences: list = []  # recorded due dates that are not the statutory ones (DUE-DATE-DIFFERS)
    findings = evaluate(usable, active, as_at, settings, engine=engine, progress=progress, views=views,
                        release_views=True, differences=differences)
    recorded = quality.due_date_queries(differences, usable)
    result = RunResult(
        as_at=as_at,
        findings=findings,
        issues=issues_frame(list(dataset.issues) + list(checked.issues) + recorded),
        rules=rules,
        dataset=usable,
        accounting=counts,
        settings=settings.as_dict() | {"engine": engine},
        inputs=[Path(p).name for p in inputs],
        input_paths=[Path(p) for p in inputs],
        not_evaluated=skipped | {r.id: f"not in force on {as_at.isoformat()}" for r in rules if not r.in_force(as_at)},
        as_at_source=f"SEN2 ReferenceDate ({as_at_from})" if as_at_from else "given",
    )
    result.notices = notices + nothing_notices(counts, result.findings)
    return result


