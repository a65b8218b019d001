"""Run folders: the uploads, the mapping profile, the progress and the reports of one check, kept together.

Each run lives in ``<data>/runs/<id>/`` (owner-only): ``uploads/`` holds the files exactly as uploaded,
``profile.yaml`` the mapping used, ``reports/`` everything the run wrote, ``state.json`` what a browser polls.
Deleting a run removes the folder, uploads and all, so nothing of a child's record is left behind on request.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
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
SEN2_KINDS = ("sen2-xml", "sen2-blade", "sen2-workbook")


class UploadError(ValueError):
    """An upload that cannot be used; the message is for the person who chose the file."""


class Runs:
    """The run folders under one data folder, and the single worker thread that checks them one at a time
    (two councils' months at once would only double the memory a national-sized file needs)."""

    def __init__(self, data_dir: Path):
        self.root = private_dir(Path(data_dir) / "runs")
        self.data_dir = Path(data_dir)
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sendcheck-run")
        self.futures: dict = {}
        self._abandon_unfinished()

    def _abandon_unfinished(self) -> None:
        """Checks left running when the server last stopped will never finish: say so, and let them be deleted."""
        for state in self.all():
            if state.get("status") in ("queued", "running"):
                self.update(state["id"], status="failed", error="sendcheck was stopped before this check "
                            "finished. Start a new check; this one can be deleted.")

    # -- folders ------------------------------------------------------------------------------------------

    def folder(self, run_id: str) -> Path | None:
        """The run's folder, or None for an id that is malformed or unknown (never a path outside runs/)."""
        if not isinstance(run_id, str) or not RUN_ID.match(run_id):
            return None
        path = self.root / run_id
        return path if (path / "state.json").is_file() else None

    def create(self, files, as_at: dt.date, profile_choice: str, record_history: bool) -> str:
        """Save the uploads into a new run folder and check each one's real format; UploadError if unusable."""
        files = [f for f in files if f is not None and f.filename]
        if not files:
            raise UploadError("Choose the extract or SEN2 file to upload.")
        if len(files) > MAX_FILES:
            raise UploadError(f"Upload at most {MAX_FILES} files at once.")
        now = dt.datetime.now()
        run_id = f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        folder = private_dir(self.root / run_id)
        uploads = private_dir(folder / "uploads")
        names: list[str] = []
        try:
            for i, f in enumerate(files, 1):
                name = secure_filename(f.filename) or f"upload-{i}"
                if name in names:
                    name = f"{i}-{name}"
                target = uploads / name
                f.save(target)
                target.chmod(0o600)
                names.append(name)
            kinds = {}
            for name in names:
                try:
                    kinds[name] = file_kind(uploads / name)
                except InputError as exc:
                    raise UploadError(_plain(str(exc), uploads)) from None
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        state = {"id": run_id, "status": "uploaded", "created": now.replace(microsecond=0).isoformat(),
                 "as_at": as_at.isoformat(), "inputs": names, "kinds": kinds, "profile_choice": profile_choice,
                 "record_history": bool(record_history), "messages": [], "error": None, "summary": None,
                 "history_note": None}
        self.save(run_id, state)
        return run_id

    def state(self, run_id: str) -> dict | None:
        folder = self.folder(run_id)
        if folder is None:
            return None
        with self._lock:
            return json.loads((folder / "state.json").read_text(encoding="utf-8"))

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
        """Remove the run's folder: uploads, profile and reports. A run still being checked is not removed."""
        folder = self.folder(run_id)
        if folder is None:
            return False
        state = self.state(run_id) or {}
        if state.get("status") in ("queued", "running"):
            raise UploadError("This check is still running; delete it once it has finished.")
        shutil.rmtree(folder)
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
        state = self.state(run_id) or {}
        self.update(run_id, messages=(state.get("messages") or []) + [message])

    def _execute(self, run_id: str, profile_path: Path | None) -> None:
        from ..output import write_machine_outputs
        from ..run import run_check

        folder = self.root / run_id
        state = self.update(run_id, status="running", messages=["started"])
        inputs = [folder / "uploads" / n for n in state["inputs"]]
        say = lambda msg: self._say(run_id, msg)  # noqa: E731
        try:
            as_at = dt.date.fromisoformat(state["as_at"])
            result = run_check(inputs, as_at, profile=profile_path, progress=say)
            out = private_dir(folder / "reports")
            say("writing findings and data issues")
            write_machine_outputs(result, out)
            say("writing the manager report, governor reports, inspection pack and workbooks")
            try:
                from ..reports import write_reports
            except ImportError:
                write_reports = None
            if write_reports is not None:
                write_reports(result, out)
            note = self._record_history(result, inputs) if state.get("record_history") else None
            self.update(run_id, status="done", summary=summarise(result), history_note=note,
                        finished=dt.datetime.now().replace(microsecond=0).isoformat())
            say("finished")
        except InputError as exc:
            self.update(run_id, status="failed", error=_plain(str(exc), folder))
        except Exception as exc:  # noqa: BLE001 - the person gets a message, the log gets the traceback
            log.exception("check %s failed", run_id)
            self.update(run_id, status="failed", error=f"An unexpected problem stopped the check "
                        f"({type(exc).__name__}: {_plain(str(exc), folder)}). Nothing was recorded in the history. "
                        "Please report it with the server's log.")

    def _record_history(self, result, inputs) -> str | None:
        try:
            from ..history import HistoryError, open_store
        except ImportError:
            return None
        try:
            with open_store(self.data_dir) as store:
                store.record(result, inputs)
                replaced = getattr(store, "last_replaced", None)
        except HistoryError as exc:
            return f"Not recorded in the history: {exc}"
        month = result.as_at.strftime("%B %Y")
        return f"Recorded in the history as {month}" + (", replacing the earlier run for that month." if replaced
                                                           else ".")

    def shutdown(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)


def summarise(result) -> dict:
    """The few figures the run page shows before anyone opens a report."""
    f = result.findings
    issues = result.issues
    must = f[f["strength"] == "must"] if len(f) else f
    return {
        "checks": int(len(f)),
        "records": int(f["record_id"].nunique()) if len(f) else 0,
        "must_breaches": int(must["status"].isin(["late", "overdue"]).sum()) if len(f) else 0,
        "overdue_now": int((must["status"] == "overdue").sum()) if len(f) else 0,
        "due_soon": int((f["status"] == "due_soon").sum()) if len(f) else 0,
        "errors": int((issues["severity"] == "error").sum()) if len(issues) else 0,
        "queries": int((issues["severity"] == "query").sum()) if len(issues) else 0,
        "not_evaluated": len(result.not_evaluated),
    }


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
