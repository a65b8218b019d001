"""Data-quality checks run before any compliance rule, so a rule never reasons from a record that cannot be trusted.

Every data problem the checker reports, from reading a file to checking the canonical tables, has a stable id
declared once in the registry of data checks (``registry.py``), beside the code that raises it, and a severity:

* ``error``: the record cannot be evaluated safely (a missing key, a code the rules cannot read, dates in an
  impossible order, an orphan). The row is *rejected*: it is counted and reported, never silently dropped, and
  the compliance rules skip it. Rejection cascades down the record (``cascade.py``).
* ``query``: worth a look (an invalid UPN, a date after the as-at date, an "other" code used a lot), but the
  record is still evaluated. Severity here follows what the compliance rules need, not DfE COLLECT: COLLECT
  rejects a bad UPN, but a bad UPN does not change whether a plan was issued on time.

The checks live along the data path, one module per concern: ``reading`` (rows a reader already reported),
``keys``, ``codes``, ``sen2_rules`` (the SEN2 guide's conditional rules), ``dates``, ``identifiers``,
``cascade`` and ``plans`` (what the Annex A list needs of each plan in force). They report to the collector
(``collector.py``) and are vectorised (pandas/numpy over whole columns); Python only loops over the rows that
fail, to build their issue objects. ``docs/data-quality.md`` is generated from the registry.
"""

from __future__ import annotations

import datetime as dt

from ..dataset import Dataset
from . import cascade, codes, dates, identifiers, keys, plans, reading, sen2_rules
from .catalogue import catalogue_markdown, checks_catalogue
from .collector import QualityResult, Run
from .identifiers import UPN_ALPHABET, uln_check_digit_bad, upn_check_letter, upn_problems
from .recorded import due_date_queries
from .registry import REGISTRY, Check, all_checks, check

# Each step in the order it runs: a row's reason is the first error found for it, so the order matters.
STEPS = (
    reading.reject_reader_errors,
    dates.coerce_dates,
    keys.required,
    codes.codes,
    codes.year_codes,
    keys.orphans,
    keys.duplicates,
    sen2_rules.conditional,
    dates.date_order,
    dates.ages,
    dates.future,
    identifiers.identifiers,
    identifiers.settings,
    sen2_rules.sen_need,
    sen2_rules.other_codes,
    cascade.cascade,
    plans.plan_checks,  # after the cascade: the plans the rules will evaluate, as the Annex A list shows them
)


def check_dataset(dataset: Dataset, as_at: dt.date) -> QualityResult:
    """Run every data-quality check; the dataset itself is not changed."""
    run = Run(dataset, as_at)
    for step in STEPS:
        step(run)
    return run.result()


__all__ = ["check_dataset", "QualityResult", "Check", "check", "REGISTRY", "all_checks", "checks_catalogue",
           "catalogue_markdown", "due_date_queries", "upn_check_letter", "upn_problems", "uln_check_digit_bad",
           "UPN_ALPHABET"]
