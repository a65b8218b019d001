"""What changes in the SEN2 return from one collection year to the next: item numbers, code lists, census days.

A 2023 return numbers its placement items 5.5a-i where a 2025 one says 5.7a-h, and a code valid one year
(NEET on a placement, DS as a type of need, sex U) can be invalid the next. These differences are data, held by
collection year in ``checker/data/sen2-years.yaml``: each entry says what applies from a year on, so a new
collection year is a new line there, not a new branch here.

The return's own year comes from its header (``Year``, or the year of ``ReferenceDate`` when Year is missing).
A header whose Year and ReferenceDate disagree is queried (SEN2-HEADER-MISMATCH): the reference date is the
census day in January of the collection year, and the as-at date defaults to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import yaml

from .. import resources
from ..dataset import QUERY, DataIssue
from ..quality.registry import GUIDE, check

DATA_FILE = "sen2-years.yaml"
FIRST_PERSON_LEVEL_YEAR = 2023  # person-level SEN2 began with the 2023 return (2022 was a voluntary pilot)

SEN2_HEADER_MISMATCH = check(
    "SEN2-HEADER-MISMATCH", QUERY,
    "The return's header does not hang together: its Year and ReferenceDate are different years (the "
    "reference date is the census day in January of the collection year), or one of them is not a year or a "
    "date. Item numbers and code lists follow Year; the as-at date defaults to ReferenceDate.",
    action="Check the header the software wrote (Year and ReferenceDate under CollectionDetails): a return made "
           "for the wrong year, or a reference date typed by hand, changes which codes are valid and what is "
           "overdue.", source=f"{GUIDE} (header: CollectionDetails)", tables="input file")


@dataclass(frozen=True)
class Years:
    """The contents of sen2-years.yaml: per table.field, (from year, value) pairs in year order."""

    census_dates: dict[int, dt.date]
    items: dict[str, tuple[tuple[int, str | None], ...]]
    codes: dict[str, tuple[tuple[int, tuple[str, ...] | None], ...]]


@cache
def years() -> Years:
    """sen2-years.yaml, read once."""
    data = yaml.safe_load(resources.data_file(DATA_FILE).read_text(encoding="utf-8"))
    items = {k: v for k, v in data["items"].items() if isinstance(v, dict)}
    for key, same_as in data["items"].items():  # "review.meeting_date: active_plan.review_meeting"
        if isinstance(same_as, str):
            items[key] = items[same_as]
    codes = dict(data.get("codes") or {})
    codes.setdefault("review.outcome", codes.get("active_plan.review_outcome"))
    return Years(
        census_dates={int(y): d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))
                      for y, d in data["census_dates"].items()},
        items={k: _dated(v, lambda x: None if x is None else str(x)) for k, v in items.items()},
        codes={k: _dated(v, lambda x: None if x is None else tuple(str(c) for c in x))
               for k, v in codes.items() if v},
    )


def _dated(mapping: dict, convert) -> tuple:
    return tuple(sorted((int(year), convert(value)) for year, value in mapping.items()))


def _in_year(history: tuple, year: int):
    """The value in force in ``year``: the latest entry from that year or before (None before the first)."""
    found = None
    for first, value in history:
        if first > year:
            break
        found = value
    return found


def item(table: str, field: str, year: int | None) -> str | None:
    """The guide's item number of ``table.field`` in a ``year`` return ("5.5e"), or None (not a SEN2 item that
    year, or the year is not known)."""
    history = years().items.get(f"{table}.{field}")
    if history is None or year is None:
        return None
    return _in_year(history, year)


def codes(table: str, field: str, year: int | None) -> tuple[str, ...] | None:
    """The codes a ``year`` return may use for ``table.field``, or None when the data dictionary's list applies
    (the field's list does not change by year, the item is not collected that year, or the year is unknown)."""
    history = years().codes.get(f"{table}.{field}")
    if history is None or year is None:
        return None
    return _in_year(history, year)


def dated_code_fields() -> list[tuple[str, str]]:
    """(table, field) of every code list that changes by year."""
    return [tuple(key.split(".", 1)) for key in years().codes]


def census_date(year: int | None) -> dt.date | None:
    return years().census_dates.get(year) if year is not None else None


def item_words(table: str, field: str, latest: str) -> str:
    """The data dictionary's "SEN2 item" cell: the current number and element, then earlier years' numbers
    where they differ ("5.7e EntryDate (2023: 5.5e)"), and the years an item is collected when not all."""
    history = years().items.get(f"{table}.{field}")
    if not history:
        return latest
    number = next((v for _, v in reversed(history) if v), None)
    element = latest.split()[-1] if latest else ""
    text = f"{number} {element}".strip() if number else latest
    notes = []
    collected = [y for y, v in history if v]
    if history[0][0] > FIRST_PERSON_LEVEL_YEAR:
        notes.append(f"from {history[0][0]}")
    ended = [y for y, v in history if v is None]
    if ended:
        notes.append(f"{collected[0]} only" if ended[0] == collected[0] + 1 else f"to {ended[0] - 1}")
    earlier = [f"{y}: {v}" for y, v in history if v and v != number]
    if earlier:
        notes.append("; ".join(earlier))
    return text + (f" ({'; '.join(notes)})" if notes else "")


def code_words(table: str, field: str) -> str:
    """The data dictionary's note on a code list that changes by year ("2023: ...; from 2025: ...")."""
    history = years().codes.get(f"{table}.{field}")
    if not history:
        return ""
    if len(history) == 1 and history[0][0] <= FIRST_PERSON_LEVEL_YEAR:
        return "SEN2 returns, every year: " + ", ".join(history[0][1] or ())
    parts = []
    for i, (year, values) in enumerate(history):
        until = history[i + 1][0] - 1 if i + 1 < len(history) else None
        span = f"{year}" if until == year else f"{year}-{until}" if until else f"from {year}"
        parts.append(f"{span}: {', '.join(values) if values else 'not collected'}")
    return "SEN2 returns " + "; ".join(parts)


# -- the header -----------------------------------------------------------------------------------------------

def collection_year(header: dict) -> int | None:
    """The return's collection year: its Year, else the year of its ReferenceDate, else None."""
    year = _year(header.get("Year"))
    if year is not None:
        return year
    ref = reference_date(header)
    return ref.year if ref else None


def reference_date(header: dict) -> dt.date | None:
    """The header's ReferenceDate as a date (None if missing or not a date)."""
    text = str(header.get("ReferenceDate") or "").strip()[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _year(text) -> int | None:
    """A gYear ("2025") as a number; anything else is not a year."""
    text = str(text or "").strip()
    return int(text) if len(text) == 4 and text.isdigit() else None


def header_issues(header: dict, file: str) -> list[DataIssue]:
    """SEN2-HEADER-MISMATCH for a header whose Year and ReferenceDate disagree or cannot be read."""
    issues = []
    year_text = str(header.get("Year") or "").strip()
    ref_text = str(header.get("ReferenceDate") or "").strip()
    year, ref = _year(year_text), reference_date(header)

    def query(column: str, value: str, text: str) -> None:
        issues.append(SEN2_HEADER_MISMATCH.issue(f"{file}, header: {text}", file=file, column=column,
                                                 value=value))

    if year_text and year is None:
        query("Year", year_text, f'Year "{year_text}" is not a year; item numbers and code lists follow '
                                 "the reference date's year instead.")
    if ref_text and ref is None:
        query("ReferenceDate", ref_text, f'ReferenceDate "{ref_text}" is not a date (YYYY-MM-DD), so the as-at '
                                         "date cannot default to it.")
    if year is not None and ref is not None and ref.year != year:
        census = census_date(year)
        said = f" (the {year} census day is {census.day} {census:%B %Y})" if census else ""
        query("ReferenceDate", ref_text, f"Year is {year} but ReferenceDate is {ref.isoformat()}{said}. Item "
                                         f"numbers and code lists follow Year ({year}); the as-at date defaults "
                                         "to ReferenceDate. Check which is right.")
    return issues
