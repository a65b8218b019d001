"""Only the person who started `sendcheck serve` can use it (issue 18, point 1).

Each test is one way in that used to be open: a page whose DNS name is re-pointed at 127.0.0.1 (a forged Host),
another account on the same computer (no token), a cookie copied before sign-out, guessing the password or the
token, and a session cookie sent over plain http after TLS.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

pytest.importorskip("flask", reason="flask is not installed (pip install flask)")

from builders import web_client, web_sign_in_path  # noqa: E402

from checker.web import create_app  # noqa: E402
from checker.web.security import set_password  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEN2 = ROOT / "fixtures" / "la" / "sen2_2026.xml"
PASSWORD = "correct horse battery"


def csrf(client, path: str = "/") -> str:
    page = client.get(path).data.decode()
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def finished_run(client) -> str:
    """A finished check (the SEN2 fixture: no mapping step); its page's path."""
    response = client.post("/runs", data={"csrf_token": csrf(client), "as_at": "15/01/2026", "profile": "auto",
                                          "record_history": "0", "extract": (io.BytesIO(SEN2.read_bytes()),
                                                                             SEN2.name)},
                           content_type="multipart/form-data")
    run_url = response.headers["Location"]
    future = client.application.extensions["sendcheck_runs"].futures[run_url.rsplit("/", 1)[1]]
    future.result(timeout=300)
    assert client.get(run_url + "/status.json").get_json()["status"] == "done"
    return run_url


class Clock:
    """A clock the throttle reads, moved by hand: the tests never wait."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def app(tmp_path):
    return create_app({"DATA_DIR": tmp_path / "data"})


@pytest.fixture()
def password_app(tmp_path):
    data = tmp_path / "password-data"
    data.mkdir()
    set_password(data, PASSWORD)
    return create_app({"DATA_DIR": data, "REQUIRE_LOGIN": True, "BIND_HOST": "0.0.0.0"})


def with_clock(app) -> Clock:
    clock = Clock()
    if "sendcheck_throttle" in app.extensions:  # so that an app without one fails on what it does
        app.extensions["sendcheck_throttle"].clock = clock
    return clock


def token_of(app) -> str:
    return app.config.get("ACCESS_TOKEN") or ""


# -- DNS rebinding -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["rebind.example", "rebind.example:8080", "127.0.0.1.rebind.example:8080",
                                  "localhost.rebind.example", "attacker.example:80", "localhostx:8080"])
def test_a_forged_host_gets_nothing(app, host):
    """A page at rebind.example whose name now points at 127.0.0.1: its requests carry Host: rebind.example.
    Refused before anything else, even the sign-in link and even with the owner's session cookie."""
    owner = web_client(app)
    run_url = finished_run(owner)
    for path in ("/", "/history", run_url, run_url + "/files/findings.csv", run_url + "/status.json",
                 web_sign_in_path(app), "/login", "/static/web.css"):
        response = owner.get(path, headers={"Host": host})
        assert response.status_code == 421, (path, response.status_code)
        assert b"not sendcheck" in response.data and b"R0" not in response.data and b"csrf" not in response.data
        assert "Set-Cookie" not in response.headers
    response = owner.post(run_url + "/delete", headers={"Host": host}, data={"csrf_token": csrf(owner)})
    assert response.status_code == 421 and owner.get(run_url).status_code == 200


@pytest.mark.parametrize("host", ["localhost", "localhost:8080", "127.0.0.1:8080", "[::1]:8080", "LOCALHOST:8080"])
def test_the_names_of_this_computer_are_answered(app, host):
    client = app.test_client()
    assert client.get(web_sign_in_path(app), headers={"Host": host}).status_code == 200


def test_bound_to_every_address_digits_and_allowed_names_are_answered(tmp_path):
    """Bound to 0.0.0.0, people may type the computer's address; a name must be one the owner allowed."""
    app = create_app({"DATA_DIR": tmp_path / "data", "BIND_HOST": "0.0.0.0", "ALLOWED_HOSTS": ("send-laptop",)})
    client = app.test_client()
    for host in ("192.168.1.20:8080", "[fe80::1]:8080", "send-laptop:8080", "localhost:8080"):
        assert client.get("/login", headers={"Host": host}).status_code == 200, host
    for host in ("rebind.example:8080", "send-laptop.rebind.example"):
        assert client.get("/login", headers={"Host": host}).status_code == 421, host


def test_bound_to_one_address_only_that_address_and_localhost_are_answered(tmp_path):
    app = create_app({"DATA_DIR": tmp_path / "data", "BIND_HOST": "192.168.1.20"})
    client = app.test_client()
    assert client.get("/login", headers={"Host": "192.168.1.20:8080"}).status_code == 200
    assert client.get("/login", headers={"Host": "192.168.1.21:8080"}).status_code == 421


# -- another account on the same computer --------------------------------------------------------------------

def test_without_the_token_nothing_is_served(app):
    """Another account on the computer can reach 127.0.0.1:8080 but does not have the token: it gets the
    sign-in page and nothing else, and cannot delete, even with a CSRF token from its own session."""
    run_url = finished_run(web_client(app))
    stranger = app.test_client()
    for path in ("/", "/history", "/history/trend", run_url, run_url + "/files/findings.csv",
                 run_url + "/files/send-manager-report.html", run_url + "/status.json", run_url + "/map"):
        response = stranger.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/login"), path
    page = stranger.get("/login").data.decode()
    assert "Access token" in page and "R0" not in page and "Past runs" not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert stranger.post(run_url + "/delete", data={"csrf_token": token}).status_code == 401
    assert stranger.post("/runs", data={"csrf_token": token}).status_code == 401
    assert web_client(app).get(run_url).status_code == 200


def test_the_token_link_signs_in_and_moves_to_an_address_without_it(app):
    client = app.test_client()
    token = token_of(app)
    response = client.get(f"/history?token={token}")
    assert response.status_code == 200
    page = response.data.decode()
    assert '<meta http-equiv="refresh" content="0;url=/history">' in page and token not in page
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    assert client.get("/history").status_code == 200


def test_the_token_typed_on_the_sign_in_page_signs_in(app):
    client = app.test_client()
    response = client.post("/login", data={"csrf_token": csrf(client, "/login"),
                                           "password": token_of(app)})
    assert response.status_code == 302 and client.get("/").status_code == 200


def test_a_token_from_an_earlier_start_does_not_work(app, tmp_path):
    """Each start makes a new token, and restarting signs everyone out."""
    old = web_client(app)
    restarted = create_app({"DATA_DIR": tmp_path / "data"})
    assert token_of(restarted) != token_of(app)
    client = restarted.test_client()
    response = client.get(f"/?token={token_of(app)}")
    assert response.status_code == 403 and b"from an earlier start" in response.data
    cookie = old.get_cookie("sendcheck_session").value
    client.set_cookie("sendcheck_session", cookie)
    assert client.get("/").status_code == 302


# -- sign-out ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["token", "password"])
def test_a_cookie_copied_before_sign_out_does_not_work_after_it(app, password_app, mode):
    if mode == "token":
        owner = web_client(app)
    else:
        app = password_app
        owner = app.test_client()
        owner.post("/login", data={"csrf_token": csrf(owner, "/login"), "password": PASSWORD})
    copied = owner.get_cookie("sendcheck_session").value
    thief = app.test_client()
    thief.set_cookie("sendcheck_session", copied)
    assert thief.get("/history").status_code == 200  # the copy works while the session lasts
    response = owner.post("/logout", data={"csrf_token": csrf(owner)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login?signed_out=1")
    assert "You have signed out" in owner.get("/login?signed_out=1").data.decode()
    assert owner.get("/history").status_code == 302
    thief = app.test_client()
    thief.set_cookie("sendcheck_session", copied)
    assert thief.get("/history").status_code == 302
    assert thief.post("/runs", data={}).status_code == 401


# -- guessing ------------------------------------------------------------------------------------------------

def test_wrong_tokens_are_throttled_per_client(app):
    clock = with_clock(app)
    client = app.test_client()
    for _ in range(5):
        response = client.get("/?token=guess")
        assert response.status_code == 403 and b"does not open sendcheck" in response.data
    response = client.get("/?token=guess")
    assert response.status_code == 429 and b"Too many wrong attempts from this computer" in response.data
    assert response.headers["Retry-After"]
    paused = client.get(web_sign_in_path(app))  # not even the right token is checked while paused
    assert paused.status_code == 429 and "Wait 15 minutes" in paused.data.decode()
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "127.0.0.2"
    assert other.get(web_sign_in_path(app)).status_code == 200  # another client is not held up
    clock.now += 15 * 60 + 1
    assert client.get(web_sign_in_path(app)).status_code == 200


def test_wrong_passwords_are_throttled_per_client(password_app):
    clock = with_clock(password_app)
    client = password_app.test_client()
    token = csrf(client, "/login")
    for _ in range(5):
        response = client.post("/login", data={"csrf_token": token, "password": "guess"})
        assert response.status_code == 401 and b"not right" in response.data
    response = client.post("/login", data={"csrf_token": token, "password": PASSWORD})
    assert response.status_code == 429 and "Too many wrong attempts from this computer" in response.data.decode()
    clock.now += 10 * 60
    assert client.post("/login", data={"csrf_token": token, "password": PASSWORD}).status_code == 429
    clock.now += 5 * 60 + 1
    assert client.post("/login", data={"csrf_token": token, "password": PASSWORD}).status_code == 302


def test_guessing_from_many_clients_pauses_sign_in_for_everyone_until_the_owner_restarts(password_app, tmp_path):
    """Guesses spread over many addresses are held by the overall count. The pause is clearly explained, ends
    by itself, and the owner can end it at once by restarting sendcheck: no lock-out they cannot undo."""
    with_clock(password_app)
    for n in range(50):
        guesser = password_app.test_client()
        guesser.environ_base["REMOTE_ADDR"] = f"10.0.{n // 200}.{n % 200 + 1}"
        guesser.post("/login", data={"csrf_token": csrf(guesser, "/login"), "password": f"guess {n}"})
    owner = password_app.test_client()
    response = owner.post("/login", data={"csrf_token": csrf(owner, "/login"), "password": PASSWORD})
    page = response.data.decode()
    assert response.status_code == 429 and "paused for everyone" in page and "starting it again" in page
    restarted = create_app({"DATA_DIR": tmp_path / "password-data", "REQUIRE_LOGIN": True, "BIND_HOST": "0.0.0.0"})
    owner = restarted.test_client()
    assert owner.post("/login", data={"csrf_token": csrf(owner, "/login"), "password": PASSWORD}).status_code == 302


def test_a_right_password_clears_the_clients_count(password_app):
    with_clock(password_app)
    client = password_app.test_client()
    token = csrf(client, "/login")
    for _ in range(4):
        client.post("/login", data={"csrf_token": token, "password": "typo"})
    assert client.post("/login", data={"csrf_token": token, "password": PASSWORD}).status_code == 302
    client.post("/logout", data={"csrf_token": csrf(client)})
    token = csrf(client, "/login")
    for _ in range(4):
        assert client.post("/login", data={"csrf_token": token, "password": "typo"}).status_code == 401


# -- cookies and forms ---------------------------------------------------------------------------------------

def test_the_session_cookie_is_secure_over_tls(app):
    client = app.test_client()
    response = client.get(web_sign_in_path(app), base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_every_form_still_needs_its_csrf_token(app):
    owner = web_client(app)
    run_url = finished_run(owner)
    for path in ("/runs", run_url + "/delete", "/logout", "/login", run_url + "/map"):
        response = owner.post(path, data={"as_at": "31/10/2026"})
        assert response.status_code == 400 and b"This form has expired" in response.data, path
    assert owner.get(run_url).status_code == 200


def test_the_token_link_moves_only_within_the_app(app):
    """A link whose path starts with // would otherwise forward to another site once signed in."""
    response = app.test_client().get(f"/?token={token_of(app)}",
                                     environ_overrides={"PATH_INFO": "//rebind.example/"})
    assert 'content="0;url=/rebind.example/"' in response.data.decode()
