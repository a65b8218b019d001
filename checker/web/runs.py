"""Run folders: the uploads, the mapping profile, the progress and the reports of one check, kept together.

Each run lives in ``<data>/runs/<id>/`` (owner-only): ``uploads/`` holds the files exactly as uploaded,
``profile.yaml`` the mapping used, ``reports/`` everything the run wrote, ``state.json`` what a browser polls.
Deleting a run removes the folder, uploads and all, so nothing of a child's record is left behind on request,
whatever state the run is in: at the mapping step, failed, still running (removed as soon as it stops) or
half-saved because sendcheck stopped during the upload (a folder without a readable ``state.json``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import secrets
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from werkzeug.utils import secure_filename

from ..dataset import InputError
from .security import private_dir, write_private

log = logging.getLogger(__name__)

RUN_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
MAX_FILES = 20
MAX_NAME_CHARS = 120  # a saved upload's name (ASCII, so bytes too): far inside every file system's 255
SEN2_KINDS = ("sen2-xml", "sen2-blade", "sen2-workbook")


CUT_OFF = ("This check's files were not all saved: sendcheck stopped while they were being uploaded. Delete it "
           "and start a new check.")


class UploadError(ValueError):
    """An upload that cannot be used; the message is for the person who chose the file. ``field`` names the
    form field it is about ("extract", or "as_at" when the as-at date cannot be used with these files)."""

    def __init__(self, message: str, field: str = "extract"):
        super().__init__(message)
        self.field = field


class RunDeleted(Exception):
    """Raised into a running check whose run was deleted, so it stops at its next progress message."""


class Runs:
    """The run folders under one data folder, and the single worker thread that checks them one at a time
    (two councils' months at once would only double the memory a national-sized file needs)."""

    def __init__(self, data_dir: Path):
        self.root = private_dir(Path(data_dir) / "runs")
        self.data_dir = Path(data_dir)
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sendcheck-run")
        self.futures: dict = {}
        self._doom_lock = threading.Lock()
        self._active: set[str] = set()  # runs whose check is executing now
        self._doomed: set[str] = set()  # of those, the ones deleted meanwhile: removed when the check stops
        self._abandon_unfinished()

    def _abandon_unfinished(self) -> None:
        """Checks left running or uploading when the server last stopped will never finish: say so, and let
        them be deleted."""
        for state in self.all():
            if state.get("status") in ("queued", "running"):
                self.update(state["id"], status="failed", error="sendcheck was stopped before this check "
                            "finished. Start a new check; this one can be deleted.")
            elif state.get("status") == "uploading":
                self.update(state["id"], status="failed", error=CUT_OFF)

    # -- folders ------------------------------------------------------------------------------------------

    def folder(self, run_id: str) -> Path | None:
        """The run's folder, or None for an id that is malformed or unknown (never a path outside runs/)."""
        if not isinstance(run_id, str) or not RUN_ID.match(run_id):
            return None
        path = self.root / run_id
        return path if path.is_dir() and not path.is_symlink() else None

    def create(self, files, as_at: dt.date | None, profile_choice: str, record_history: bool,
               allow_future_as_at: bool = False) -> str:
        """Save the uploads into a new run folder and check each one's real format; UploadError if unusable.

        ``as_at`` None takes the SEN2 return's reference date, as ``sendcheck check`` does without --as-at; a date
        after today is refused unless ``allow_future_as_at`` (checker/as_at.py decides both, for both).

        The run's state is written first (status "uploading"), so a server stopped half-way leaves a run that
        says so and can be deleted. Every file gets a name of its own, never another upload's.
        """
        files = [f for f in files if f is not None and f.filename]
        if not files:
            raise UploadError("Choose the extract or SEN2 file to upload.")
        if len(files) > MAX_FILES:
            raise UploadError(f"Upload at most {MAX_FILES} files at once.")
        now = dt.datetime.now()
        run_id = f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        folder = private_dir(self.root / run_id)
        state = {"id": run_id, "status": "uploading", "created": now.replace(microsecond=0).isoformat(),
                 "as_at": as_at.isoformat() if as_at else "", "inputs": [], "kinds": {},
                 "profile_choice": profile_choice,
                 "record_history": bool(record_history), "messages": [], "error": None, "summary": None,
                 "notes": []}
        names: list[str] = []
        try:
            self.save(run_id, state)
            uploads = private_dir(folder / "uploads")
            for i, f in enumerate(files, 1):
                name = upload_name(f.filename, i, names)
                # O_EXCL: a name already taken is a bug here, never a reason to overwrite another upload.
                fd = os.open(uploads / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    f.save(fh)
                names.append(name)
            kinds = {}
            for name in names:
                try:
                    kinds[name] = file_kind(uploads / name)
                except InputError as exc:
                    raise UploadError(_plain(str(exc), uploads)) from None
            chosen = _as_at(as_at, [uploads / n for n in names], allow_future_as_at, uploads)
            self.save(run_id, state | {"status": "uploaded", "as_at": chosen.date.isoformat(),
                                       "as_at_from": chosen.from_return, "inputs": names, "kinds": kinds})
        except FileNotFoundError:
            shutil.rmtree(folder, ignore_errors=True)
            raise UploadError("This check was deleted while its files were being uploaded.") from None
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return run_id

    def state(self, run_id: str) -> dict | None:
        folder = self.folder(run_id)
        if folder is None:
            return None
        with self._lock:
            try:
                state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                state = None
        if not isinstance(state, dict) or state.get("id") != run_id:
            state = _cut_off_state(folder)
        if run_id in self._doomed:
            state["status"] = "deleting"
        return state

    def save(self, run_id: str, state: dict) -> None:
        with self._lock:
            write_private(self.root / run_id / "state.json", json.dumps(state, indent=1, default=str))

    def update(self, run_id: str, **changes) -> dict:
        state = self.state(run_id) or {}
        state.update(changes)
        self.save(run_id, state)
        return state

    def all(self) -> list[dict]:
        """Every run folder's state, newest first."""
        out = []
        for path in sorted(self.root.iterdir(), reverse=True):
            state = self.state(path.name) if path.is_dir() else None
            if state:
                out.append(state)
        return out

    def delete(self, run_id: str) -> bool:
        """Remove the run's folder: uploads, profile and reports, in any state. True when it is gone now; False
        when its check is running: the check is stopped at its next step and the folder removed then."""
        folder = self.folder(run_id)
        if folder is None:
            return True
        future = self.futures.get(run_id)
        if future is None or not future.cancel():  # cancel() succeeds only for a check still waiting its turn
            with self._doom_lock:
                if run_id in self._active:
                    self._doomed.add(run_id)
                    return False
        _remove(folder)
        self.futures.pop(run_id, None)
        return True

    def extracts(self, run_id: str) -> list[Path]:
        """Uploaded files read through a mapping profile (caseload extracts, not the SEN2 forms)."""
        state = self.state(run_id) or {}
        folder = self.root / run_id / "uploads"
        return [folder / n for n in state.get("inputs", []) if state["kinds"].get(n) not in SEN2_KINDS]

    # -- checking ------------------------------------------------------------------------------------------

    def start(self, run_id: str, profile_path: Path | None) -> None:
        self.update(run_id, status="queued", messages=["waiting for the checker"], error=None)
        self.futures[run_id] = self._worker.submit(self._execute, run_id, profile_path)

    def _say(self, run_id: str, message: str) -> None:
        if run_id in self._doomed:
            raise RunDeleted(run_id)
        state = self.state(run_id) or {}
        self.update(run_id, messages=(state.get("messages") or []) + [message])

    def _execute(self, run_id: str, profile_path: Path | None) -> None:
        """Check and write the run exactly as ``sendcheck check`` does (the same two calls), with the history
        in the data folder when the person ticked "record". A run deleted meanwhile is removed when it stops."""
        folder = self.root / run_id
        with self._doom_lock:
            if self.folder(run_id) is None:  # deleted while it waited
                return
            self._active.add(run_id)
        try:
            self._check_and_write(run_id, profile_path)
        finally:
            with self._doom_lock:
                self._active.discard(run_id)
                doomed = run_id in self._doomed
            if doomed:
                _remove(folder)
                self._doomed.discard(run_id)

    def _check_and_write(self, run_id: str, profile_path: Path | None) -> None:
        from ..history import HistoryError
        from ..history.store import DEFAULT_NAME
        from ..result import counts
        from ..run import NotRecorded, check, write

        folder = self.root / run_id
        state = self.update(run_id, status="running", messages=["started"])
        inputs = [folder / "uploads" / n for n in state["inputs"]]
        record = bool(state.get("record_history"))
        say = lambda msg: self._say(run_id, msg)  # noqa: E731
        try:
            as_at = dt.date.fromisoformat(state["as_at"])
            result = check(inputs, as_at, profile=profile_path, progress=say, as_at_from=state.get("as_at_from"))
            say("writing the findings, the reports and the workbooks")
            # One lane: a process forked from this server's worker thread could inherit a lock another thread
            # holds (the run folders' own, for one). The files are the same either way.
            try:
                written = write(result, private_dir(folder / "reports"), record=record,
                                db=self.data_dir / DEFAULT_NAME if record else None, lanes=1, progress=say)
                notes = written.notes
            except NotRecorded as exc:
                notes = exc.written.notes + [f"Not recorded in the history: {_plain(str(exc), self.data_dir)}"]
            notes = [n.text for n in result.notices] + notes  # what to know before reading the figures first
            self.update(run_id, status="done", summary=counts(result), notes=notes,
                        finished=dt.datetime.now().replace(microsecond=0).isoformat())
            say("finished")
        except RunDeleted:
            pass
        except InputError as exc:
            self.update(run_id, status="failed", error=_plain(str(exc), folder))
        except HistoryError as exc:
            self.update(run_id, status="failed", error=f"The month-by-month history could not be read, so no "
                        f"reports were written: {_plain(str(exc), self.data_dir)} To check without it, start a new "
                        "check and untick \"Record this check in the month-by-month history\".")
        except Exception as exc:  # noqa: BLE001 - the person gets a message, the log gets the traceback
            log.exception("check %s failed", run_id)
            self.update(run_id, status="failed", error=f"An unexpected problem stopped the check "
                        f"({type(exc).__name__}: {_plain(str(exc), folder)}). Nothing was recorded in the history. "
                        "Please report it with the server's log.")

    def shutdown(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)


def _as_at(given: dt.date | None, paths: list[Path], allow_future: bool, uploads: Path):
    """The run's as-at date, chosen as the command chooses it; UploadError (for the date field) in plain words."""
    from ..as_at import AsAtProblem, choose

    try:
        return choose(given, paths, allow_future=allow_future)
    except InputError as exc:
        raise UploadError(_plain(str(exc), uploads)) from None
    except AsAtProblem as exc:
        if exc.kind == "missing":
            message = ("Enter the date the extract was taken (a SEN2 return's own reference date is used when the "
                       "box is left empty, but these files have none)")
        elif exc.kind == "conflict":
            dates = ", ".join(f"{name}: {_day(d)}" for name, d in sorted(exc.references.items()))
            message = f"The SEN2 files have different reference dates ({dates}); enter the date to judge them on"
        else:
            message = (f"The as-at date, {_day(exc.date)}, is after today ({_day(exc.today)}): every open deadline "
                       "before it would show as overdue. Enter the date the extract was taken, or tick \"The date is "
                       "in the future on purpose\"")
        raise UploadError(message, field="as_at") from None


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def upload_name(filename: str | None, index: int, taken: list[str]) -> str:
    """A safe name for the ``index``-th upload that no other upload of the run has (compared as a file system
    that ignores case would), short enough for any file system: ``a.csv``, ``a-2.csv``, ``a-3.csv``..."""
    name = secure_filename(filename or "") or f"upload-{index}"
    stem, suffix = (name[: -len(Path(name).suffix)], Path(name).suffix) if len(Path(name).suffix) <= 10 else (name, "")
    stem = stem[: MAX_NAME_CHARS - len(suffix) - 4] or f"upload-{index}"
    used = {n.casefold() for n in taken}
    name, n = stem + suffix, 1
    while name.casefold() in used:
        n += 1
        name = f"{stem}-{n}{suffix}"
    return name


def _remove(folder: Path) -> None:
    """Remove a run folder; gone already (removed by its stopping check at the same moment) is fine."""
    shutil.rmtree(folder, ignore_errors=True)
    if folder.exists():
        shutil.rmtree(folder)  # what is left, with the real error


def _cut_off_state(folder: Path) -> dict:
    """What a run folder with no readable state.json is: an upload cut off by a stop, shown so it can be
    deleted (its files may hold children's records)."""
    try:
        created = dt.datetime.strptime(folder.name[:15], "%Y%m%d-%H%M%S").isoformat()
    except ValueError:
        created = ""
    uploads = folder / "uploads"
    inputs = sorted(p.name for p in uploads.iterdir()) if uploads.is_dir() else []
    return {"id": folder.name, "status": "failed", "created": created, "as_at": "", "inputs": inputs, "kinds": {},
            "profile_choice": "auto", "record_history": False, "messages": [], "error": CUT_OFF, "summary": None,
            "notes": []}


def file_kind(path: Path) -> str:
    """What an upload is, from its bytes (not its name): "sen2-xml", "sen2-blade", "sen2-workbook" or "extract".

    Cheap on purpose (the first line or the sheet names), so a national-sized upload is not read twice.
    """
    from ..readers import is_blade_csv, is_presubmission_workbook
    from ..readers.detect import CSV, XML, detect_format

    fmt = detect_format(path)
    if fmt == XML:
        return "sen2-xml"
    if fmt == CSV:
        return "sen2-blade" if is_blade_csv(path) else "extract"
    return "sen2-workbook" if is_presubmission_workbook(path) else "extract"


def _plain(message: str, folder: Path) -> str:
    """A message without this machine's folder names (the reader names files; some errors name paths)."""
    return message.replace(str(folder) + "/", "").replace(str(folder), "")
