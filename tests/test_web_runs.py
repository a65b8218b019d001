"""Uploads and runs in the web app (issue 18, point 3): every upload kept under a name of its own and read once,
every run deletable in every state, and file names or sheets too big for a page handled with a message."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import threading
from pathlib import Path

import pytest

pytest.importorskip("flask", reason="flask is not installed (pip install flask)")

from builders import web_client  # noqa: E402

from checker.run import check  # noqa: E402
from checker.web import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TRACKER = ROOT / "fixtures" / "la" / "tracker_a.csv"
SEN2 = ROOT / "fixtures" / "la" / "sen2_2026.xml"
LISTED = 250  # columns the mapping page lists per sheet (docs/web.md)


def csrf(client, path: str = "/") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).data.decode()).group(1)


def upload(client, files: list[tuple[bytes, str]], **fields):
    data = {"csrf_token": csrf(client), "as_at": "31/10/2026", "profile": "la-tracker-a", "record_history": "0",
            "extract": [(io.BytesIO(data), name) for data, name in files]} | fields
    return client.post("/runs", data=data, content_type="multipart/form-data")


def finish(app, run_id: str) -> dict:
    runs = app.extensions["sendcheck_runs"]
    runs.futures[run_id].result(timeout=300)
    return runs.state(run_id)


@pytest.fixture()
def app(tmp_path):
    return create_app({"DATA_DIR": tmp_path / "data"})


@pytest.fixture()
def client(app):
    return web_client(app)


def run_id_of(response) -> str:
    return response.headers["Location"].split("/")[2]


# -- names ---------------------------------------------------------------------------------------------------

def test_uploads_with_clashing_names_are_all_kept_and_each_read_once(app, client, tmp_path):
    """a.csv, 3-a.csv and a.csv: the third used to be saved over the second as "3-a.csv" and read twice, and
    the second's records went missing from a check that said "done"."""
    lines = TRACKER.read_bytes().splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    parts = [header + b"".join(body[i * 20:(i + 1) * 20]) for i in range(3)]
    response = upload(client, [(parts[0], "a.csv"), (parts[1], "3-a.csv"), (parts[2], "a.csv")])
    assert response.status_code == 302
    run_id = run_id_of(response)
    uploads = app.config["DATA_DIR"] / "runs" / run_id / "uploads"
    state = app.extensions["sendcheck_runs"].state(run_id)
    assert len(set(state["inputs"])) == 3
    assert sorted(p.read_bytes() for p in uploads.iterdir()) == sorted(parts)
    assert [(uploads / name).read_bytes() for name in state["inputs"]] == parts
    response = client.post(response.headers["Location"], data={"csrf_token": csrf(client)})
    assert response.status_code == 302
    assert finish(app, run_id)["status"] == "done"
    findings = app.config["DATA_DIR"] / "runs" / run_id / "reports" / "findings.csv"
    with findings.open(encoding="utf-8-sig", newline="") as fh:
        decisions = [r["record_id"] for r in csv.DictReader(fh) if r["rule_id"] == "EHC-DECISION-6W"]
    whole = tmp_path / "whole.csv"
    whole.write_bytes(header + b"".join(body[:60]))
    result = check([whole], dt.date(2026, 10, 31), profile="la-tracker-a")
    expected = result.findings.loc[result.findings["rule_id"] == "EHC-DECISION-6W", "record_id"].tolist()
    assert len(expected) > 50 and sorted(decisions) == sorted(expected)  # each request once: none missing


def test_names_that_differ_only_in_case_are_kept_apart():
    from checker.web.runs import upload_name

    taken: list[str] = []
    for i, name in enumerate(["Extract.csv", "extract.csv", "EXTRACT.CSV", "extract-2.csv"], 1):
        taken.append(upload_name(name, i, taken))
    assert len({n.casefold() for n in taken}) == 4


@pytest.mark.parametrize("name", ["a" * 300 + ".csv", "é" * 200 + ".csv", "Caseload " * 40 + "October.csv",
                                  "x." + "y" * 300])
def test_a_file_name_over_255_bytes_is_shortened(app, client, name):
    """Linux and Windows refuse names over 255 bytes: saving one was a crash page. It is kept under a
    shortened name (with its extension), and the mapping page shows that name."""
    assert len(name.encode()) > 255
    response = upload(client, [(TRACKER.read_bytes(), name)])
    assert response.status_code == 302, response.data.decode()[:500]
    [saved] = app.extensions["sendcheck_runs"].state(run_id_of(response))["inputs"]
    assert len(saved.encode()) <= 120 and (saved.endswith(".csv") or "." not in name[-5:])
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and saved in page.data.decode()


# -- deleting ------------------------------------------------------------------------------------------------

def test_a_run_left_at_the_mapping_step_can_be_deleted_from_its_page(app, client):
    """The person at the mapping step who chose the wrong file can delete the check there, or later from its
    page (Past runs lists it as "Mapping not confirmed")."""
    response = upload(client, [(TRACKER.read_bytes(), "tracker_a.csv")])
    run_id = run_id_of(response)
    page = client.get(response.headers["Location"]).data.decode()
    assert f'action="/runs/{run_id}/delete"' in page and "Delete this check instead" in page
    page = client.get(f"/runs/{run_id}").data.decode()
    assert "Check the column mapping" in page
    assert f'action="/runs/{run_id}/delete"' in page
    assert "Mapping not confirmed" in client.get("/history").data.decode()
    response = client.post(f"/runs/{run_id}/delete", data={"csrf_token": csrf(client)})
    assert response.status_code == 302
    assert not (app.config["DATA_DIR"] / "runs" / run_id).exists()


@pytest.mark.parametrize("left", ["no state file", "state says uploading", "state file unreadable"])
def test_half_saved_uploads_after_a_crash_are_listed_and_deletable(tmp_path, left):
    """sendcheck stopped while saving an upload: the folder holds part of a child's records. It is listed, says
    what happened, and can be deleted like any other run."""
    data = tmp_path / "data"
    create_app({"DATA_DIR": data})
    folder = data / "runs" / "20261031-093000-abc123"
    (folder / "uploads").mkdir(parents=True)
    (folder / "uploads" / "tracker_a.csv").write_bytes(TRACKER.read_bytes()[:5000])
    if left == "state says uploading":
        (folder / "state.json").write_text(json.dumps({
            "id": folder.name, "status": "uploading", "created": "2026-10-31T09:30:00", "as_at": "2026-10-31",
            "inputs": [], "kinds": {}, "profile_choice": "auto", "record_history": True, "messages": [],
            "error": None, "summary": None, "notes": []}))
    elif left == "state file unreadable":
        (folder / "state.json").write_text('{"id": "20261031-0930')
    app = create_app({"DATA_DIR": data})  # the server starting again
    client = web_client(app)
    history = client.get("/history").data.decode()
    assert f"/runs/{folder.name}" in history and "Failed" in history
    page = client.get(f"/runs/{folder.name}").data.decode()
    assert "were not all saved" in page and f'action="/runs/{folder.name}/delete"' in page
    response = client.post(f"/runs/{folder.name}/delete", data={"csrf_token": csrf(client)})
    assert response.status_code == 302 and not folder.exists()


def test_a_waiting_check_can_be_deleted(app, client):
    release = threading.Event()
    runs = app.extensions["sendcheck_runs"]
    blocker = runs._worker.submit(release.wait)  # the one worker is busy, so the next check waits its turn
    try:
        response = upload(client, [(SEN2.read_bytes(), SEN2.name)], as_at="15/01/2026")
        run_id = run_id_of(response)
        assert runs.state(run_id)["status"] == "queued"
        response = client.post(f"/runs/{run_id}/delete", data={"csrf_token": csrf(client)})
        assert response.status_code == 302 and response.headers["Location"].endswith("deleted=1")
        assert not (app.config["DATA_DIR"] / "runs" / run_id).exists()
    finally:
        release.set()
        blocker.result(timeout=60)


def test_a_running_check_can_be_deleted(app, client, monkeypatch):
    """Deleting a running check stops it at its next step and removes its folder then: nothing is left."""
    import checker.run

    started, release = threading.Event(), threading.Event()
    real_check = checker.run.check

    def slow_check(inputs, as_at, *, progress=None, **options):
        started.set()
        release.wait(60)
        progress("reading")  # the next step: stops here
        return real_check(inputs, as_at, progress=progress, **options)

    monkeypatch.setattr(checker.run, "check", slow_check)
    response = upload(client, [(SEN2.read_bytes(), SEN2.name)], as_at="15/01/2026")
    run_id = run_id_of(response)
    folder = app.config["DATA_DIR"] / "runs" / run_id
    assert started.wait(60)
    page = client.get(f"/runs/{run_id}").data.decode()
    assert f'action="/runs/{run_id}/delete"' in page and "is stopped first" in page
    response = client.post(f"/runs/{run_id}/delete", data={"csrf_token": csrf(client)})
    assert response.status_code == 302 and response.headers["Location"].endswith("deleted=soon")
    assert "Being deleted" in client.get("/history").data.decode()
    assert "Deleting this check" in client.get(f"/runs/{run_id}").data.decode()
    release.set()
    app.extensions["sendcheck_runs"].futures[run_id].result(timeout=120)
    assert not folder.exists()
    assert client.get(f"/runs/{run_id}").status_code == 404


# -- files too wide for a page -------------------------------------------------------------------------------

def wide_csv(columns: int) -> bytes:
    header = ["Request Ref", "Child ID", "Date Request Received"] + [f"Extra {i}" for i in range(columns - 3)]
    row = ["R1", "C1", "01/09/2026"] + ["x"] * (columns - 3)
    return (",".join(header) + "\n" + ",".join(row) + "\n").encode()


def test_a_10000_column_file_gets_a_clear_message(app, client):
    """The mapping page for it was 100 MB of selects, and saving it timed out or was refused as "too large"."""
    response = upload(client, [(wide_csv(10_000), "wide.csv")], profile="auto")
    assert response.status_code == 302
    page = client.get(response.headers["Location"], follow_redirects=True)
    text = page.data.decode()
    assert page.status_code == 200 and len(page.data) < 100_000
    assert "The check could not be finished" in text
    assert "wide.csv has 10,000 columns; the web app maps at most 1,000" in text


def test_a_wide_file_lists_its_mapped_columns_and_says_how_many_more(app, client):
    """600 columns: the page lists the mapped ones and unused ones up to 250 (docs/web.md), not 600 selects."""
    response = upload(client, [(wide_csv(600), "wide.csv")], profile="la-tracker-a")
    map_url = response.headers["Location"]
    page = client.get(map_url).data.decode()
    rows = dict(re.findall(r'<th scope="row" id="(map-\d+-\d+)-header">([^<]+)</th>', page))
    assert len(rows) == LISTED
    assert {"Request Ref", "Child ID", "Date Request Received"} <= set(rows.values())
    assert f"{600 - LISTED:,} more columns that no field uses are not listed" in page
    response = client.post(map_url, data={"csrf_token": csrf(client)})
    assert response.status_code == 302  # saved: the unlisted columns keep "Not used"
    run_id = run_id_of(response)
    profile = (app.config["DATA_DIR"] / "runs" / run_id / "profile.yaml").read_text()
    assert "- Extra 596" in profile and "Extra 596:" not in profile
    app.extensions["sendcheck_runs"].futures[run_id].result(timeout=300)
