"""Every data-issue id the checker can raise, each declared once beside the code that raises it.

A reader, the cell converter or a data check declares what it may report with :func:`check`::

    UPN_FORMAT = check("UPN-FORMAT", QUERY, "UPN is not 13 characters ...", tables="person",
                       source="DfE Unique Pupil Numbers guidance", action="Correct the UPN in the case system.")

and raises it through the returned object (``UPN_FORMAT.issue(message, ...)``, or by its id through the
quality collector), so the severity is the declared one and nowhere else. The declaration is the
documentation: ``docs/data-quality.md`` is generated from this registry (``sendcheck data-checks``), and a
:class:`~checker.dataset.DataIssue` with an id nobody declared is refused when it is made. A test also scans
``checker/`` for issue-id literals that are not registered, so a new id cannot slip in untested.

Severity is what happens to the record: ``error`` stops it being evaluated (it is counted and reported, never
silently dropped), ``query`` is worth a look but the record is still evaluated.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from dataclasses import dataclass

from ..dataset import ERROR, QUERY, DataIssue

# Where a check's source comes from, in the words the docs use.
GUIDE = "DfE SEN2 guide"
OURS = "sendcheck data check"
ANNEX_A = "D2I Annex A list (children with EHC plans)"

# The packages whose modules declare checks: everything that reads a file or checks the canonical tables.
DECLARING_PACKAGES = ("checker.readers", "checker.quality")


@dataclass(frozen=True)
class Check:
    """One kind of data problem: its stable id, how serious it is, what it finds, what to do and why it is asked.

    ``annex_a`` holds the words the inspection pack's Annex A list shows for a child this check flagged
    ("" for checks that list does not carry)."""

    issue_id: str
    severity: str
    description: str
    action: str
    source: str
    tables: str = "all"
    annex_a: str = ""
    module: str = ""  # the module that declared (and raises) it, e.g. checker.readers.convert
    line: int = 0

    def issue(self, message: str, **where) -> DataIssue:
        """A DataIssue of this kind; ``where`` takes DataIssue's location fields (file, sheet, row, ...)."""
        return DataIssue(self.issue_id, self.severity, message, **where)


REGISTRY: dict[str, Check] = {}


def check(issue_id: str, severity: str, description: str, *, action: str, source: str, tables: str = "all",
          annex_a: str = "") -> Check:
    """Declare a data check (call it at module level, beside the code that raises it)."""
    if severity not in (ERROR, QUERY):
        raise ValueError(f"{issue_id}: severity must be {ERROR!r} or {QUERY!r}, not {severity!r}")
    caller = sys._getframe(1)
    declared = Check(issue_id, severity, " ".join(description.split()), " ".join(action.split()),
                     " ".join(source.split()), tables, annex_a, caller.f_globals.get("__name__", ""),
                     caller.f_lineno)
    earlier = REGISTRY.get(issue_id)
    if earlier is not None and (earlier.module, earlier.line) != (declared.module, declared.line):
        raise ValueError(f"{issue_id} is declared twice: in {earlier.module} (line {earlier.line}) and in "
                         f"{declared.module} (line {declared.line}); declare it once and import it.")
    REGISTRY[issue_id] = declared
    return declared


def registered(issue_id: str) -> Check | None:
    return REGISTRY.get(issue_id)


_LOADED: list[bool] = []


def load_all() -> dict[str, Check]:
    """Import every module of the declaring packages, so that every check is registered; the registry."""
    if not _LOADED:
        for package_name in DECLARING_PACKAGES:
            package = importlib.import_module(package_name)
            for info in pkgutil.walk_packages(package.__path__, package_name + "."):
                importlib.import_module(info.name)
        _LOADED.append(True)
    return REGISTRY


# The order the docs (and issue lists on one row) follow: along the data path, file -> canonical tables -> checks.
DATA_PATH = (
    "checker.readers.convert", "checker.readers.extract", "checker.readers.sen2_canonical",
    "checker.readers.sen2_years",
    "checker.readers.sen2_xml", "checker.readers.sen2_flat",
    "checker.quality.reading", "checker.quality.keys", "checker.quality.codes", "checker.quality.sen2_rules",
    "checker.quality.dates", "checker.quality.identifiers", "checker.quality.cascade", "checker.quality.plans",
    "checker.quality.recorded",
)


def _place(c: Check) -> tuple:
    known = c.module in DATA_PATH
    return (0 if known else 1, DATA_PATH.index(c.module) if known else 0, c.module, c.line)


def all_checks() -> list[Check]:
    """Every registered check, along the data path and in the order each module declares them."""
    return sorted(load_all().values(), key=_place)


def check_order() -> dict[str, int]:
    """issue id -> its position in :func:`all_checks` (used to order several issues on one row)."""
    return {c.issue_id: i for i, c in enumerate(all_checks())}
