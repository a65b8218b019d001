"""Turning a SEN2 module's raw values (XML text, CSV strings, spreadsheet cells) into a canonical table.

Shared by the XML and the flat SEN2 readers so that the same return gives the same tables, and the same ids,
whichever form it arrives in. Each cell goes through the converter every reader uses (``convert.py``).
"""

from __future__ import annotations

import pandas as pd

from ..dataset import QUERY, DataIssue
from ..model import DATE, FLAG, INT, PROVENANCE, TABLES
from ..quality.registry import check
from . import sen2_years
from .convert import Cells, clean_text, convert

SEN2_DUPLICATE_ID = check(
    "SEN2-DUPLICATE-ID", QUERY,
    "Two persons (or two requests) in a SEN2 return get the same identifier: the same child entered twice, or "
    "two requests for one child received on the same day. The repeat is kept as <id>#2, #3, ... so that "
    "neither record is lost.",
    action="Check whether it is one child (or request) entered twice and remove the duplicate in the case "
           "system; if they are different, nothing to do.",
    source="DfE SEN2 guide: one Person per child, one Requests per request", tables="person, request")

def map_sen2_items(ds) -> None:
    """Record every SEN2 item as mapped: a return carries each item, and a blank one means "not happened yet"
    (no decision, no final plan), never "not supplied". Extension fields SEN2 has no item for stay unmapped."""
    for name, table in TABLES.items():
        ds.map_fields(name, [f.name for f in table.fields if f.sen2])


def review_rows(active: pd.DataFrame) -> pd.DataFrame:
    """The review row a SEN2 active plan reports, from items 5.4a-d (both SEN2 readers use this).

    ReviewMeeting (5.4a) is the latest review meeting; LastReview (5.4b) the decision that concluded the latest
    *completed* review, with its ReviewOutcome (5.4c) and ReviewDraft (5.4d). A meeting later than LastReview
    (or with no LastReview) is therefore a review awaiting its decision, the ordinary state of the backlog: the
    row is the meeting with no decision, and the outcome and draft are not attached (they belong to the cycle
    LastReview closed). REVIEW-DECISION-4W then reports it as pending, due soon or overdue; the active plan keeps
    LastReview for the 12-month clock, and DATE-ORDER-QUERY on the active plan points at the two dates.
    ``active`` holds the canonical active-plan rows that report a meeting or a decision."""
    meeting, decided = active["review_meeting"], active["last_review"]
    pending = (meeting.notna() & (decided.isna() | (decided < meeting))).to_numpy()
    return pd.DataFrame({
        "request_id": active["request_id"].to_numpy(),
        "meeting_date": meeting.to_numpy(),
        "decision_date": decided.mask(pending).to_numpy(),
        "outcome": active["review_outcome"].astype(object).mask(pending).to_numpy(),
        "amendment_notice_date": active["review_draft"].mask(pending).to_numpy(),
        "_file": active["_file"].to_numpy(), "_sheet": active["_sheet"].to_numpy(), "_row": active["_row"].to_numpy(),
    })


# Kinds whose cells can fail to convert, so the reader keeps each cell's own line (XML child elements).
LINED_KINDS = (DATE, FLAG, INT)


def canonical_frame(table: str, raw: pd.DataFrame, *, file: str, sheet: str = "",
                    columns: dict[str, str] | None = None, lines: dict[str, pd.Series] | None = None,
                    record_ids: pd.Series | None = None, date_formats: tuple[str, ...] | None = None,
                    codes: dict[str, dict[str, str]] | None = None, date1904: bool = False,
                    year: int | None = None) -> tuple[pd.DataFrame, list[DataIssue]]:
    """Convert the canonical fields present in ``raw`` to their kinds (through the shared converter) and attach
    provenance.

    ``raw`` holds one column per canonical field it has (raw values) plus ``_row``. ``columns`` names each
    field as the source spells it (XML element or CSV header) for messages; ``lines`` gives, per field, the
    row/line of each cell where that differs from ``_row`` (XML child elements sit on their own lines).
    ``codes`` translates values per field (e.g. 2023 GenderCurrent 1 -> M) before conversion. ``year`` is the
    return's collection year, so that a message names each item by that year's number.
    """
    spec = TABLES[table]
    out = pd.DataFrame(index=raw.index)
    issues: list[DataIssue] = []
    columns = columns or {}
    lines = lines or {}
    codes = codes or {}
    rows = raw["_row"]
    ids = record_ids if record_ids is not None else pd.Series("", index=raw.index)

    for f in spec.fields:
        if f.name not in raw.columns:
            continue
        own_lines = lines.get(f.name)
        cells = Cells(file, sheet, columns.get(f.name, f.name), table,
                      rows=rows if own_lines is None else own_lines, record_ids=ids,
                      record_rows=None if own_lines is None else rows, item=sen2_years.item(table, f.name, year) or "")
        out[f.name] = convert(raw[f.name], f, cells, issues, codes=codes.get(f.name), formats=date_formats or (),
                              date1904=date1904)
    out["_file"] = file
    out["_sheet"] = sheet
    out["_row"] = _rows(rows)
    ordered = [c for c in spec.columns if c in out.columns] + list(PROVENANCE)
    return out[ordered].reset_index(drop=True), issues


def _rows(rows: pd.Series) -> pd.Series:
    """Row/line numbers as plain Python ints (None where unknown)."""
    numbers = pd.to_numeric(rows, errors="coerce")
    if numbers.notna().all():
        return numbers.astype("int64").astype(object)
    return numbers.map(_int).astype(object)


def _int(v):
    try:
        return None if v is None or pd.isna(v) else int(v)
    except (TypeError, ValueError):
        return None


def unique_ids(ids: pd.Series, rows: pd.Series, *, file: str, sheet: str, table: str,
               what: str) -> tuple[pd.Series, list[DataIssue]]:
    """Make identifiers unique by suffixing ``#2``, ``#3``... to repeats, with a query naming both places.

    A repeat is usually a genuine duplicate in the return (the same child entered twice, or two requests with
    the same received date); suffixing keeps both records checkable instead of one silently replacing the other.
    """
    ids = ids.astype(object)
    seen = ids.groupby(ids, sort=False).cumcount()
    repeat = seen > 0
    issues: list[DataIssue] = []
    if not repeat.any():
        return ids, issues
    first_row = rows.groupby(ids, sort=False).transform("first")
    new = ids.copy()
    new[repeat] = ids[repeat] + "#" + (seen[repeat] + 1).astype(str)
    where_word = "line" if file.lower().endswith(".xml") else "row"
    for i in repeat[repeat].index:
        issues.append(SEN2_DUPLICATE_ID.issue(
            f"{file}{', sheet ' + repr(sheet) if sheet else ''}, {where_word} {_int(rows.at[i])}: {what} "
            f"{ids.at[i]!r} already appears at {where_word} {_int(first_row.at[i])}; this one is kept as "
            f"{new.at[i]!r}.",
            file=file, sheet=sheet, row=_int(rows.at[i]), value=str(ids.at[i]), table=table,
            record_id=str(new.at[i])))
    return new, issues


def person_ids(own: pd.Series, upn: pd.Series, uln: pd.Series, rows: pd.Series) -> pd.Series:
    """The person identifier: the file's own id if any, else UPN, else ULN, else ``P<row>``."""
    fallback = "P" + rows.map(lambda r: str(_int(r))).astype(str)
    pid = clean_text(own).fillna(clean_text(upn)).fillna(clean_text(uln))
    return pid.where(pid.notna(), fallback).astype(object)


def request_ids(who: pd.Series, received: pd.Series, received_raw: pd.Series) -> pd.Series:
    """``<UPN or ULN or person_id>:<received date>`` (ISO), or ``:noreceived`` when there is none.

    The same rule for XML and flat forms, so one return read either way gives the same request ids.
    A received date that is not a date keeps its text so two such requests still differ.
    """
    iso = received.dt.strftime("%Y-%m-%d")
    raw = clean_text(received_raw)
    part = iso.where(received.notna(), raw).fillna("noreceived")
    return (who.astype(str) + ":" + part.astype(str)).astype(object)
