"""Shared test builders: the inputs and results tests need, made one way.

Use these instead of a helper per test file:

- ``workbook(path, rows, ...)`` / ``csv_file(path, rows, ...)``: files shaped like a council's exports;
- ``dataset(tables, ...)``: canonical tables as a reader hands them over (dates parsed, provenance columns);
- ``findings_frame(rows)`` / ``run_result(as_at, findings, ...)``: what the engine hands to reports and history;
- ``cli(*args)``: the ``sendcheck`` command as a person runs it (no traceback swallowed);
- ``web_client(app)`` / ``web_sign_in_path(app)``: the web app's test client signed in as ``sendcheck serve``
  signs the owner's browser in (with the access token the app holds in ``app.config["ACCESS_TOKEN"]``);
- ``rule_status`` / ``rule_findings``: one rule on one hand-written record (re-exported from ``rule_harness``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from pathlib import Path

import openpyxl
import pandas as pd
from click.testing import CliRunner
from rule_harness import run_one as rule_findings  # noqa: F401  (re-exported)
from rule_harness import status_of as rule_status  # noqa: F401  (re-exported)

from checker.dataset import Dataset
from checker.model import DATE, TABLES
from checker.result import FINDING_COLUMNS, RunResult


def workbook(path: Path, rows: Iterable[Iterable], *, title: str = "Requests", preamble: Iterable = (),
             edit: Callable | None = None) -> Path:
    """An .xlsx with one sheet: optional title rows above the header, then ``rows`` (header first).
    ``edit(wb, ws)`` may merge, hide, add formulas or sheets before saving."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in preamble:
        ws.append(list(row))
    for row in rows:
        ws.append(list(row))
    if edit:
        edit(wb, ws)
    wb.save(path)
    return path


def csv_file(path: Path, rows: Iterable[Iterable], *, encoding: str = "utf-8", bom: bytes = b"",
             line_end: str = "\r\n") -> Path:
    """A CSV as Excel saves one (CRLF by default), in the given encoding, with an optional byte-order mark."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=line_end).writerows(rows)
    path.write_bytes(bom + buffer.getvalue().encode(encoding))
    return path


def dataset(tables: dict[str, list[dict]], header: dict | None = None, *, file: str = "extract.xlsx") -> Dataset:
    """A Dataset as a reader would hand it over: canonical columns, dates as datetime64, provenance (file, sheet
    named after the table, spreadsheet row numbers from 2)."""
    ds = Dataset(header=header or {})
    for name, rows in tables.items():
        frame = pd.DataFrame(rows)
        for f in TABLES[name].fields:
            if f.kind == DATE and f.name in frame:
                frame[f.name] = pd.to_datetime(frame[f.name], format="ISO8601")
        frame["_file"] = file
        frame["_sheet"] = name.title()
        frame["_row"] = range(2, len(frame) + 2)
        ds.add(name, frame)
    return ds


def findings_frame(rows: list[dict]) -> pd.DataFrame:
    """Findings with the engine's types: FINDING_COLUMNS, datetime64 dates, nullable whole days late."""
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    for col in ("clock_start", "due_date", "stopped_date"):
        frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
    frame["days_late"] = pd.array(frame["days_late"].tolist(), dtype="Int64")
    return frame


def run_result(as_at: dt.date, findings: list[dict] | pd.DataFrame, *, inputs=("extract.csv",),
               settings: dict | None = None, dataset: Dataset | None = None) -> RunResult:
    """A RunResult as the engine hands it to the reports and the history store."""
    frame = findings if isinstance(findings, pd.DataFrame) else findings_frame(findings)
    return RunResult(as_at=as_at, findings=frame, issues=pd.DataFrame(), rules=[], dataset=dataset,
                     accounting=pd.DataFrame(), settings=settings or {"due_soon_days": 28}, inputs=list(inputs))


def cli(*args, catch_exceptions: bool = False):
    """Run ``sendcheck`` with these arguments (paths may be Path objects) and return click's result."""
    from checker.cli import main

    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=catch_exceptions)


# -- SEN2 returns shaped like the ones councils send ---------------------------------------------------------------

def sen2_return(path: Path, persons: Iterable[str], *, year: int | str | None = 2025,
                reference_date: str | None = "2025-01-16", declaration: bool = False, source: str = "") -> Path:
    """A SEN2 person-level XML return as councils' software writes it (the shape of the sample returns London's
    LIIA analysts publish): no XML declaration unless asked, tab indentation, trailing spaces after the root, a
    header with CollectionDetails (Collection, Year, ReferenceDate) and Source, then ``persons`` (each a
    ``<Person>`` element as text, e.g. from :func:`sen2_person`). ``year`` or ``reference_date`` None leaves
    that header item out."""
    details = "".join(f"\t\t\t<{k}>{v}</{k}>\n" for k, v in (("Collection", "SEN2"), ("Year", year),
                                                             ("ReferenceDate", reference_date)) if v is not None)
    text = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" if declaration else "") + (
        "<Message>\n\t<Header>\n\t\t<CollectionDetails>\n" + details + "\t\t</CollectionDetails>\n"
        "\t\t<Source>\n\t\t\t<SourceLevel>L</SourceLevel>\n\t\t\t<LEA>999</LEA>\n\t\t\t<SoftwareCode>Case system"
        "</SoftwareCode>\n\t\t\t<Release>ver 3.1</Release>\n\t\t\t<SerialNo>001</SerialNo>\n\t\t\t<DateTime>"
        f"{reference_date or '2025-01-16'}T09:00:00</DateTime>\n\t\t\t<DMO>Y</DMO>\n\t\t\t<DCO>Y</DCO>\n{source}"
        "\t\t</Source>\n\t</Header>\n\t<Persons>\n" + "".join(persons) + "\t</Persons>\n</Message>        ")
    path.write_text(text, encoding="utf-8")
    return path


def sen2_person(upn: str, *requests: str, birth: str = "2012-05-01", sex: str = "<Sex>F</Sex>",
                extra: str = "") -> str:
    """One ``<Person>`` with the given ``<Requests>`` elements (text, e.g. from :func:`sen2_request`)."""
    return (f"\t\t<Person>\n\t\t\t<Surname>Testsurname</Surname>\n\t\t\t<Forename>Testforename</Forename>\n"
            f"\t\t\t<PersonBirthDate>{birth}</PersonBirthDate>\n\t\t\t{sex}\n\t\t\t<Ethnicity>WBRI</Ethnicity>\n"
            f"\t\t\t<PostCode>AY1 1AA</PostCode>\n\t\t\t<UPN>{upn}</UPN>\n{extra}" + "".join(requests)
            + "\t\t</Person>\n")


def sen2_request(received: str = "2024-03-04", decided: str = "2024-04-08", issued: str = "2024-07-15", *,
                 plan_details: Iterable[str] = (), placements: Iterable[str] = (), needs: Iterable[str] = (),
                 active: str = "", request_extra: str = "") -> str:
    """A ``<Requests>`` element: a decision to assess and a plan issued (Y/Y), the named plan's ``<PlanDetail>``
    elements, and an ``<ActivePlans>`` with the given ``<PlacementDetail>``/``<SENneed>`` elements and ``active``
    items (review dates, ...), as text."""
    body = "".join(plan_details)
    named = f"\t\t\t\t\t<NamedPlan>\n\t\t\t\t\t\t<StartDate>{issued}</StartDate>\n{body}\t\t\t\t\t</NamedPlan>\n"
    plans = "".join(placements) + "".join(needs)
    return (f"\t\t\t<Requests>\n\t\t\t\t<ReceivedDate>{received}</ReceivedDate>\n{request_extra}"
            f"\t\t\t\t<RYA>0</RYA>\n\t\t\t\t<RequestOutcomeDate>{decided}</RequestOutcomeDate>\n"
            "\t\t\t\t<RequestOutcome>Y</RequestOutcome>\n\t\t\t\t<RequestMediation>0</RequestMediation>\n"
            "\t\t\t\t<RequestTribunal>0</RequestTribunal>\n\t\t\t\t<Assessment>\n"
            "\t\t\t\t\t<AssessmentOutcome>Y</AssessmentOutcome>\n"
            f"\t\t\t\t\t<AssessmentOutcomeDate>{issued}</AssessmentOutcomeDate>\n\t\t\t\t\t<Week20>0</Week20>\n"
            + named + "\t\t\t\t</Assessment>\n"
            + (f"\t\t\t\t<ActivePlans>\n{plans}{active}\t\t\t\t</ActivePlans>\n" if plans or active else "")
            + "\t\t\t</Requests>\n")


def sen2_setting(element: str, rank: str = "1", **items: str) -> str:
    """A ``<PlanDetail>`` or ``<PlacementDetail>`` with the given items, e.g. ``URN="100001", UKPRN="10012345"``."""
    body = "".join(f"\t\t\t\t\t\t<{k}>{v}</{k}>\n" for k, v in items.items())
    return (f"\t\t\t\t\t<{element}>\n{body}\t\t\t\t\t\t<PlacementRank>{rank}</PlacementRank>\n"
            f"\t\t\t\t\t\t<SENunitIndicator>0</SENunitIndicator>\n"
            f"\t\t\t\t\t\t<ResourcedProvisionIndicator>0</ResourcedProvisionIndicator>\n\t\t\t\t\t</{element}>\n")


def sen2_need(code: str, rank: str = "1") -> str:
    return (f"\t\t\t\t\t<SENneed>\n\t\t\t\t\t\t<SENtype>{code}</SENtype>\n"
            f"\t\t\t\t\t\t<SENtypeRank>{rank}</SENtypeRank>\n\t\t\t\t\t</SENneed>\n")


def web_sign_in_path(app, path: str = "/") -> str:
    """The path that signs a browser in to ``app``: what ``sendcheck serve`` opens (``/?token=...``)."""
    from urllib.parse import urlencode

    return f"{path}?{urlencode({'token': app.config.get('ACCESS_TOKEN') or ''})}"


def web_client(app, **options):
    """A Flask test client of the web app, signed in with the app's access token."""
    client = app.test_client(**options)
    response = client.get(web_sign_in_path(app))
    assert response.status_code == 200, response.data[:500]
    return client
