"""Writing a finished run: every decision about which files a run leaves behind, in one place.

``sendcheck check`` and the web app both call :func:`write` after :func:`checker.run.check`, so for the same
input and as-at date they write the same files. Behind it: the machine-readable outputs, the chosen reports, the
workbook-size guard, "Since last month" (the manager report's section and ``since-last-month.csv``), recording
the month in the history store, and the writing lanes. What it hands back says what was written and what the
person should be told; how it is told (the terminal, a web page) is the caller's business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from .history.store import DEFAULT_NAME, HistoryError
from .result import RunResult


class OutputExists(Exception):
    """The output folder already holds a run's findings, and overwriting was not asked for."""

    def __init__(self, out_dir: Path):
        super().__init__(f"{out_dir} already holds a report")
        self.out_dir = out_dir


class NotRecorded(HistoryError):
    """Every file was written, but the run could not be recorded in the history store. ``written`` says what
    was written, for a caller that carries on (the web app shows the reports with a note)."""

    def __init__(self, message: str, written: Written):
        super().__init__(message)
        self.written = written


@dataclass(frozen=True)
class Recorded:
    """The month recorded in the history store, in which database, and whether it replaced an earlier run."""

    month: str  # YYYY-MM
    db: Path
    replaced: bool


@dataclass
class Written:
    """What :func:`write` did: the files written (in a stable order) and what the person should know."""

    files: list[Path] = field(default_factory=list)
    workbooks_left_out: str | None = None  # why the person-level workbooks were not written, when they were not
    compared_with: str | None = None  # YYYY-MM of the earlier run "Since last month" compares with
    recorded: Recorded | None = None
    first_run_help: list[str] = field(default_factory=list)  # why most rows were rejected, and the fix

    @property
    def notes(self) -> list[str]:
        """The notes in plain words, naming no folder and no command-line option (the web app shows these)."""
        out = list(self.first_run_help)
        out += [self.workbooks_left_out] if self.workbooks_left_out else []
        if self.recorded:
            month = _month_words(self.recorded.month)
            out.append(f"Recorded in the history as {month}" +
                       (", replacing the earlier run for that month." if self.recorded.replaced else "."))
        return out


def refuse_overwrite(out_dir: Path, force: bool) -> None:
    """OutputExists when ``out_dir`` holds a run's findings and ``force`` is not set. The command asks this
    before the run as well, so a person is told at once rather than after the check."""
    if not force and (Path(out_dir) / "findings.csv").exists():
        raise OutputExists(Path(out_dir))


def write(result: RunResult, out_dir: Path, *, reports: Collection[str] | None = None, record: bool = False,
          db: Path | None = None, lanes: int | None = None, progress: Callable[[str], None] | None = None,
          force: bool = False) -> Written:
    """Write everything ``result`` calls for into ``out_dir``; return what was written.

    - Findings, data issues, accounting and summary.json are always written.
    - ``reports``: None writes every report, except that a run with more findings than one Excel sheet holds
      leaves out the two person-level workbooks (``Written.workbooks_left_out`` says so); a collection writes
      exactly the reports it names (the workbooks too, however big), and an empty one writes none.
    - History: with ``record`` or ``db``, the history store (``db``, by default ``sendcheck-history.sqlite``
      beside ``out_dir``) is opened and, when it holds an earlier month, the manager report gains "Since last
      month" and since-last-month.csv is written. With ``record``, the run is then recorded as its month,
      after every file is written (a failure before that records nothing).
    - ``lanes``: 1 or 2 (default :func:`checker.lanes.default_lanes`); the files are the same either way.
    - ``Written.first_run_help``: when most rows of a table were rejected, or most values of a coded column were
      unknown, the main reasons and the fix (:mod:`checker.first_run`); the terminal and the web page show them.

    Raises OutputExists (``out_dir`` holds findings and not ``force``), HistoryError (the store cannot be
    opened or read; nothing is written) and NotRecorded (every file is written, the recording failed).
    """
    from .first_run import first_run_help
    from .lanes import default_lanes
    from .lanes import run as run_lanes
    from .output import machine_output_jobs

    out_dir = Path(out_dir)
    refuse_overwrite(out_dir, force)
    done = Written(first_run_help=first_run_help(result))
    store, section, changes_file = None, None, None
    if record or db:
        db = Path(db) if db else out_dir.parent / DEFAULT_NAME
        store, section, changes_file = _since_last_month(result, db, out_dir, done)
    try:
        jobs = machine_output_jobs(result, out_dir)
        if reports is None or reports:
            from .reports import REPORTS, WORKBOOK_FINDINGS_LIMIT, report_jobs, too_big_for_workbooks

            wanted = set(REPORTS) if reports is None else set(reports)  # report_jobs refuses an unknown name
            workbooks = reports is not None or not too_big_for_workbooks(result)  # named reports: as asked
            if not workbooks and wanted & {"excel", "inspection"}:
                done.workbooks_left_out = (
                    f"Not written: the breach workbook and the inspection pack's workbook. "
                    f"{len(result.findings):,} findings are more than one Excel sheet holds "
                    f"({WORKBOOK_FINDINGS_LIMIT:,}); findings.csv has every one.")
            jobs += report_jobs(result, out_dir, wanted, since_last_month=section, workbooks=workbooks)
        done.files = run_lanes(jobs, lanes or default_lanes(), progress) + ([changes_file] if changes_file else [])
        if store is not None and record:
            try:
                store.record(result, result.input_paths)
            except HistoryError as exc:
                raise NotRecorded(str(exc), done) from None
            done.recorded = Recorded(month=f"{result.as_at:%Y-%m}", db=db, replaced=bool(store.last_replaced))
    finally:
        if store is not None:
            store.close()
    return done


def _since_last_month(result: RunResult, db: Path, out_dir: Path, done: Written):
    """Open the history store and compare this run with its latest earlier month: the store (left open for
    recording), the manager report's section (None when no earlier month is stored) and since-last-month.csv
    (written here, or None)."""
    from .history import open_store
    from .history.since import CSV_NAME, section_html, since_last_month, write_changes_csv

    store = open_store(db)
    try:
        changes = since_last_month(store, result)
    except BaseException:
        store.close()
        raise
    if changes is None:
        return store, None, None
    done.compared_with = changes["previous_month"]
    out_dir.mkdir(parents=True, exist_ok=True)
    write_changes_csv(changes["changes"], out_dir / CSV_NAME)
    return store, section_html(changes), out_dir / CSV_NAME


def _month_words(month: str) -> str:
    """"2026-10" as "October 2026"."""
    return dt.date.fromisoformat(month + "-01").strftime("%B %Y")
