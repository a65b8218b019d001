"""The web app through Flask's test client: upload, mapping, a whole run, downloads, deletion and safeguards."""

from __future__ import annotations

import io
import re
import stat
import time
from pathlib import Path

import pytest

pytest.importorskip("flask", reason="flask is not installed (pip install flask)")

from builders import web_client  # noqa: E402

from checker.web import create_app  # noqa: E402
from checker.web.security import PASSWORD_FILE, SECRET_FILE, set_password  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TRACKER = ROOT / "fixtures" / "la" / "tracker_a.csv"
SEN2 = ROOT / "fixtures" / "la" / "sen2_2026.xml"


def token(client) -> str:
    page = client.get("/").data.decode()
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def upload(client, path: Path, name: str | None = None, **fields):
    data = {"csrf_token": token(client), "as_at": "31/10/2026", "profile": "auto", "record_history": "1",
            "extract": (io.BytesIO(path.read_bytes()), name or path.name)} | fields
    return client.post("/runs", data=data, content_type="multipart/form-data")


def wait(client, run_url: str, timeout: float = 120) -> dict:
    end = time.time() + timeout
    while time.time() < end:
        status = client.get(run_url + "/status.json").get_json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.3)
    raise AssertionError("the run did not finish")


@pytest.fixture()
def app(tmp_path):
    return create_app({"DATA_DIR": tmp_path / "data"})


@pytest.fixture()
def client(app):
    return web_client(app)


def test_upload_map_run_download_and_delete(app, client, tmp_path):
    response = upload(client, TRACKER)
    assert response.status_code == 302
    map_url = response.headers["Location"]
    page = client.get(map_url).data.decode()
    assert "la-tracker-a" in page
    rows = dict(re.findall(r'<th scope="row" id="(map-\d+-\d+)-header">([^<]+)</th>', page))
    team = next(k for k, v in rows.items() if v == "Team")
    response = client.post(map_url, data={"csrf_token": token(client), team: ""})
    assert response.status_code == 302, response.data.decode()[:2000]
    run_url = response.headers["Location"]
    run_dir = app.config["DATA_DIR"] / "runs" / run_url.rsplit("/", 1)[1]
    assert stat.S_IMODE(run_dir.stat().st_mode) == 0o700
    profile = (run_dir / "profile.yaml").read_text(encoding="utf-8")
    assert '"Team": team' not in profile and "- Team" in profile
    assert wait(client, run_url)["status"] == "done"
    page = client.get(run_url).data.decode()
    assert "Check finished" in page and "Recorded in the history as October 2026" in page
    links = re.findall(r'href="(/runs/[^"]+/files/[^"]+)"', page)
    assert any(link.endswith("breach-workbook.xlsx") for link in links)
    report = client.get(next(link for link in links if link.endswith("send-manager-report.html")))
    assert report.status_code == 200 and b"SEND manager report" in report.data
    assert "unsafe-inline" in report.headers["Content-Security-Policy"]
    workbook = client.get(next(link for link in links if link.endswith("breach-workbook.xlsx")))
    assert workbook.headers["Content-Disposition"].startswith("attachment")
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(workbook.data), read_only=True)
    assert book.sheetnames
    history = client.get("/history").data.decode()
    assert "2026-10" in history and "tracker_a.csv" in history
    trend = client.get("/history/trend")
    assert trend.status_code == 200 and b"<svg" in trend.data
    response = client.post(run_url + "/delete", data={"csrf_token": token(client)})
    assert response.status_code == 302 and not run_dir.exists()
    assert client.get(run_url).status_code == 404


def test_sen2_xml_needs_no_mapping(client):
    response = upload(client, SEN2, record_history="0", as_at="2026-01-15")
    run_url = response.headers["Location"]
    assert "/map" not in run_url
    assert wait(client, run_url)["status"] == "done"


def test_file_type_is_judged_by_content_not_name(client, tmp_path):
    fake = tmp_path / "extract.xlsx"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    response = upload(client, fake)
    assert response.status_code == 400
    page = response.data.decode()
    assert "not a spreadsheet, CSV or XML file" in page and "There is a problem" in page
    renamed = upload(client, TRACKER, name="tracker_a.xlsx")
    assert renamed.status_code == 400 and "holds plain text" in renamed.data.decode()


def test_form_errors_name_the_field(client):
    response = client.post("/runs", data={"csrf_token": token(client), "as_at": "31/02/2026", "profile": "auto"},
                           content_type="multipart/form-data")
    page = response.data.decode()
    assert response.status_code == 400
    assert 'href="#as_at"' in page and "must be a real date" in page
    assert 'href="#extract"' in page and "<title>Error:" in page


def test_post_without_csrf_token_is_refused(client):
    client.get("/")
    response = client.post("/runs", data={"as_at": "31/10/2026"}, content_type="multipart/form-data")
    assert response.status_code == 400 and b"This form has expired" in response.data
    assert not any((client.application.config["DATA_DIR"] / "runs").iterdir())


def test_upload_limit(tmp_path):
    app = create_app({"DATA_DIR": tmp_path / "data", "MAX_CONTENT_LENGTH": 50_000})
    client = web_client(app)
    response = upload(client, TRACKER)
    assert response.status_code == 413 and b"too large" in response.data


def test_secret_key_is_made_once_and_private(tmp_path):
    first = create_app({"DATA_DIR": tmp_path / "data"})
    second = create_app({"DATA_DIR": tmp_path / "data"})
    key = tmp_path / "data" / SECRET_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] and len(first.config["SECRET_KEY"]) >= 64
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700


def test_login_required_away_from_localhost(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    set_password(data, "correct horse battery")
    stored = (data / PASSWORD_FILE).read_text()
    assert "correct horse" not in stored and stat.S_IMODE((data / PASSWORD_FILE).stat().st_mode) == 0o600
    client = create_app({"DATA_DIR": data, "REQUIRE_LOGIN": True}).test_client()
    assert client.get("/").status_code == 302
    assert client.get("/history").headers["Location"].endswith("/login")
    page = client.get("/login").data.decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    wrong = client.post("/login", data={"csrf_token": csrf, "password": "guess"})
    assert wrong.status_code == 401 and b"not right" in wrong.data
    right = client.post("/login", data={"csrf_token": csrf, "password": "correct horse battery"})
    assert right.status_code == 302
    assert client.get("/").status_code == 200


def test_password_must_be_long_enough(tmp_path):
    with pytest.raises(ValueError, match="at least"):
        set_password(tmp_path, "short")


def test_paths_outside_the_run_are_not_served(client):
    response = upload(client, SEN2, record_history="0", as_at="2026-01-15")
    run_url = response.headers["Location"]
    wait(client, run_url)
    for bad in ("../state.json", "..%2Fstate.json", "../uploads/sen2_2026.xml", "/etc/passwd", "summary.txt"):
        assert client.get(f"{run_url}/files/{bad}", follow_redirects=True).status_code == 404, bad
    assert client.get("/runs/../../etc/passwd").status_code == 404
    assert client.get("/runs/not-a-run").status_code == 404


def test_pages_load_nothing_from_elsewhere(client):
    for url in ("/", "/history", "/login"):
        response = client.get(url)
        page = response.data.decode()
        assert not re.search(r'(src|href)="(https?:)?//', page), url
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"


def test_checks_cut_off_by_a_restart_are_marked_failed(app, client):
    response = upload(client, TRACKER)
    run_id = response.headers["Location"].split("/")[2]
    app.extensions["sendcheck_runs"].update(run_id, status="running")
    restarted = create_app({"DATA_DIR": app.config["DATA_DIR"]})
    state = restarted.extensions["sendcheck_runs"].state(run_id)
    assert state["status"] == "failed" and "stopped before this check finished" in state["error"]


def test_a_new_profile_drafted_from_the_headers(app, client):
    response = upload(client, ROOT / "fixtures" / "la" / "tracker_b.xlsx", profile="draft")
    map_url = response.headers["Location"]
    page = client.get(map_url).data.decode()
    assert "a draft made from your file" in page
    selects = re.findall(r'<th scope="row" id="(map-\d+-\d+)-header">([^<]+)</th>', page)
    assert len(selects) > 10
    response = client.post(map_url, data={"csrf_token": token(client)})
    assert response.status_code == 302, response.data.decode()[:3000]
    run_dir = app.config["DATA_DIR"] / "runs" / map_url.split("/")[2]
    assert (run_dir / "profile.yaml").read_text(encoding="utf-8").startswith("name: web-")
    assert wait(client, response.headers["Location"])["status"] in ("done", "failed")
    state = app.extensions["sendcheck_runs"].state(run_dir.name)
    assert state["status"] == "done" or "Traceback" not in (state["error"] or "")


def test_a_required_field_left_unmapped_is_shown_on_the_form(client):
    response = upload(client, TRACKER, profile="la-tracker-a")
    map_url = response.headers["Location"]
    page = client.get(map_url).data.decode()
    rows = dict(re.findall(r'<th scope="row" id="(map-\d+-\d+)-header">([^<]+)</th>', page))
    ref = next(k for k, v in rows.items() if v == "Request Ref")
    response = client.post(map_url, data={"csrf_token": token(client), ref: ""})
    assert response.status_code == 400
    assert "no column is mapped to request_id" in response.data.decode()
