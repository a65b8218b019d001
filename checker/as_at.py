"""The as-at date: the day every deadline is judged on, chosen the same way by the command and the web app.

A SEN2 return describes its census day, so without a date given the run is judged as at the return's
ReferenceDate (and says so). A date after today is refused unless asked for: judging a caseload in the future
makes every open deadline before that date overdue, and is almost always a typing slip (2062 for 2026). Whether
the date fits the data is a warning, not a refusal (``checker.notices``): a person may have good reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path


class AsAtProblem(ValueError):
    """The as-at date cannot be chosen. ``kind`` says why, for the caller to word: "missing" (none given and no
    SEN2 return has a reference date), "future" (after today, not asked for) or "conflict" (returns with
    different reference dates and none given)."""

    def __init__(self, kind: str, message: str, *, date: dt.date | None = None, today: dt.date | None = None,
                 references: dict[str, dt.date] | None = None):
        super().__init__(message)
        self.kind, self.date, self.today, self.references = kind, date, today, references or {}


@dataclass(frozen=True)
class AsAt:
    date: dt.date
    from_return: str | None = None  # the SEN2 file whose ReferenceDate it is, when none was given


def reference_dates(paths: list[Path]) -> dict[str, dt.date]:
    """The ReferenceDate of each SEN2 return among ``paths`` (XML, or a Blade export's _sen2.csv), read from the
    header only. InputError for a file that check would refuse as well (unsafe or malformed XML)."""
    from .readers import is_blade_csv
    from .readers.detect import CSV, XML, detect_format
    from .readers.sen2_years import reference_date

    found: dict[str, dt.date] = {}
    for path in paths:
        path = Path(path)
        fmt = detect_format(path)
        header: dict = {}
        if fmt == XML:
            from .readers.sen2_xml import read_header

            header = read_header(path)
        elif fmt == CSV and is_blade_csv(path):
            from .readers.sen2_flat import blade_header

            header = blade_header(path)
        date = reference_date(header)
        if date is not None:
            found[path.name] = date
    return found


def choose(given: dt.date | None, paths: list[Path], *, today: dt.date | None = None,
           allow_future: bool = False) -> AsAt:
    """The run's as-at date: ``given``, else the SEN2 returns' reference date; AsAtProblem if there is none, if
    the returns disagree, or if it is after ``today`` (default: the computer's date) and ``allow_future`` is not
    set."""
    today = today or dt.date.today()
    chosen = AsAt(given) if given is not None else None
    if chosen is None:
        references = reference_dates(paths)
        if not references:
            raise AsAtProblem("missing", "no as-at date was given and no SEN2 return among the inputs has a "
                                         "reference date to use instead")
        if len(set(references.values())) > 1:
            listed = ", ".join(f"{name} {date.isoformat()}" for name, date in sorted(references.items()))
            raise AsAtProblem("conflict", f"the SEN2 returns have different reference dates ({listed})",
                              references=references)
        name, date = sorted(references.items())[0]
        chosen = AsAt(date, from_return=name)
    if chosen.date > today and not allow_future:
        raise AsAtProblem("future", f"the as-at date {chosen.date.isoformat()} is after today "
                                    f"({today.isoformat()})", date=chosen.date, today=today)
    return chosen
