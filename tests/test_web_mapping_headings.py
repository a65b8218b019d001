"""The web app's mapping step with files as councils have them: a heading typed with Alt+Enter, and the
inspection's Annex A list, whose bundled profile has a synthetic key and constants the form must keep."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from pathlib import Path

import pytest

pytest.importorskip("flask", reason="flask is not installed (pip install flask)")

from builders import web_client, workbook  # noqa: E402

from checker.readers.profile import load_profile  # noqa: E402
from checker.web import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def app(tmp_path):
    return create_app({"DATA_DIR": tmp_path / "data"})


@pytest.fixture()
def client(app):
    return web_client(app)


def token(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").data.decode()).group(1)


def upload(client, path: Path, profile: str):
    data = {"csrf_token": token(client), "as_at": "31/10/2026", "profile": profile, "record_history": "0",
            "extract": (io.BytesIO(path.read_bytes()), path.name)}
    return client.post("/runs", data=data, content_type="multipart/form-data")


def finish(client, run_url: str) -> dict:
    end = time.time() + 120
    while time.time() < end:
        status = client.get(run_url + "/status.json").get_json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.3)
    raise AssertionError("the run did not finish")


def test_a_heading_with_a_line_break_maps_and_runs(app, client, tmp_path):
    rows = [["Child ID", "Request Ref", "Date request\nreceived", "Decision to assess\ndate"],
            ["C1", "R1", dt.date(2026, 9, 1), dt.date(2026, 10, 9)]]
    path = workbook(tmp_path / "tracker.xlsx", rows)
    map_url = upload(client, path, "draft").headers["Location"]
    page = client.get(map_url)
    assert page.status_code == 200, page.data.decode()[:2000]
    assert "Date request received" in page.data.decode()
    response = client.post(map_url, data={"csrf_token": token(client)})
    assert response.status_code == 302, response.data.decode()[:2000]
    saved = load_profile(app.config["DATA_DIR"] / "runs" / map_url.split("/")[2] / "profile.yaml")
    assert saved.sheets[0].columns["Date request received"] == "request.received_date"


def test_the_annex_a_profile_survives_the_mapping_form(app, client):
    map_url = upload(client, ROOT / "fixtures" / "la" / "annex_a_list1.xlsx", "auto").headers["Location"]
    page = client.get(map_url).data.decode()
    assert "annex-a-list1" in page
    response = client.post(map_url, data={"csrf_token": token(client)})
    assert response.status_code == 302, response.data.decode()[:2000]
    run_dir = app.config["DATA_DIR"] / "runs" / map_url.split("/")[2]
    saved = (run_dir / "profile.yaml").read_text(encoding="utf-8")
    assert "request_id: '{person_id}'" in saved and "sen_need.sen_type_rank" in saved
    assert finish(client, response.headers["Location"])["status"] == "done"
    state = app.extensions["sendcheck_runs"].state(run_dir.name)
    assert state["summary"]["by_status"]["overdue"] > 0 and state["notes"] == []
