"""Starting the server: the browser opens signed in with a token made at each start (kept off every command
line); localhost needs no password; anything else asks for one at first run and says so."""

from __future__ import annotations

import shutil
import socket
import stat
import subprocess
import webbrowser

import pytest

pytest.importorskip("flask", reason="flask is not installed (pip install flask)")

import werkzeug.serving  # noqa: E402

import checker.web  # noqa: E402
from checker.web import OPEN_FILE, ServeError, serve  # noqa: E402
from checker.web.security import PASSWORD_FILE, check_password, is_local  # noqa: E402


class FakeServer:
    server_port = 8123

    def serve_forever(self):
        raise KeyboardInterrupt

    def server_close(self):
        pass


@pytest.fixture()
def fake_server(monkeypatch):
    seen = {"opened": []}

    def make_server(host, port, app, threaded, ssl_context=None):
        seen.update(host=host, port=port, app=app, ssl_context=ssl_context)
        return FakeServer()

    def open_browser(uri):
        opener = tmp_file(uri)
        seen["opened"].append((uri, opener.read_text(encoding="utf-8"), stat.S_IMODE(opener.stat().st_mode)))

    monkeypatch.setattr(werkzeug.serving, "make_server", make_server)
    monkeypatch.setattr(webbrowser, "open", open_browser)
    monkeypatch.setattr(checker.web, "_in_background", lambda job: job())
    return seen


def tmp_file(uri: str):
    from pathlib import Path
    from urllib.parse import unquote, urlparse

    return Path(unquote(urlparse(uri).path))


def test_localhost_needs_no_login(fake_server, tmp_path, capsys):
    serve("127.0.0.1", 8123, tmp_path / "data", open_browser=False)
    out = capsys.readouterr().out
    assert "http://localhost:8123/" in out and "Only this computer" in out and "LOGIN" not in out
    assert fake_server["app"].config["REQUIRE_LOGIN"] is False
    assert not (tmp_path / "data" / PASSWORD_FILE).exists()
    assert fake_server["opened"] == []


def test_the_browser_opens_signed_in_and_the_terminal_shows_the_link(fake_server, tmp_path, capsys):
    """One command: the browser opens signed in. It is sent an owner-only file that forwards to the token link,
    never the link itself, which any account could read on the browser's command line; the terminal prints the
    link for when no browser opened. The file goes when the server stops; each start makes a new token."""
    serve("127.0.0.1", 8123, tmp_path / "data", open_browser=True)
    out = capsys.readouterr().out
    token = fake_server["app"].config["ACCESS_TOKEN"]
    assert len(token) >= 40
    assert f"http://localhost:8123/?token={token}" in out and "If it does not, open this link" in out
    [(uri, page, mode)] = fake_server["opened"]
    assert uri.startswith("file://") and token not in uri
    assert tmp_file(uri).parent == (tmp_path / "data").resolve() and mode == 0o600
    assert f'url=http://localhost:8123/?token={token}"' in page
    assert not (tmp_path / "data" / OPEN_FILE).exists()
    serve("127.0.0.1", 8123, tmp_path / "data", open_browser=False)
    assert fake_server["app"].config["ACCESS_TOKEN"] != token


def test_bound_to_every_address_the_browser_opens_localhost(fake_server, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SENDCHECK_WEB_PASSWORD", "staff room laptop 42")
    serve("0.0.0.0", 8123, tmp_path / "data", open_browser=False, allow_hosts=("send-laptop",))
    out = capsys.readouterr().out
    assert "http://localhost:8123/?token=" in out
    app = fake_server["app"]
    assert app.config["BIND_HOST"] == "0.0.0.0" and app.config["ALLOWED_HOSTS"] == ("send-laptop",)


def test_tls_serves_https(fake_server, tmp_path, capsys):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed, so no test certificate can be made")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "2",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    serve("127.0.0.1", 8123, tmp_path / "data", open_browser=False, tls=(cert, key))
    assert "https://localhost:8123/?token=" in capsys.readouterr().out
    assert fake_server["ssl_context"] is not None


def test_an_unusable_certificate_is_a_message(fake_server, tmp_path):
    cert = tmp_path / "cert.pem"
    cert.write_text("not a certificate")
    with pytest.raises(ServeError, match="cannot use the certificate cert.pem"):
        serve("127.0.0.1", 8123, tmp_path / "data", open_browser=False, tls=(cert, cert))


def test_other_hosts_need_a_password_set_at_first_run(fake_server, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SENDCHECK_WEB_PASSWORD", "staff room laptop 42")
    serve("0.0.0.0", 8123, tmp_path / "data", open_browser=False)
    out = capsys.readouterr().out
    assert "LOGIN REQUIRED" in out and "0.0.0.0" in out
    assert fake_server["app"].config["REQUIRE_LOGIN"] is True
    hashed = tmp_path / "data" / PASSWORD_FILE
    assert stat.S_IMODE(hashed.stat().st_mode) == 0o600
    assert "staff room" not in hashed.read_text() and check_password(tmp_path / "data", "staff room laptop 42")


def test_short_password_is_refused(fake_server, tmp_path, monkeypatch):
    monkeypatch.setenv("SENDCHECK_WEB_PASSWORD", "short")
    with pytest.raises(ServeError, match="at least"):
        serve("192.168.1.20", 8123, tmp_path / "data", open_browser=False)


def test_port_in_use_is_a_message_not_a_traceback(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ServeError, match="cannot listen on 127.0.0.1"):
            serve("127.0.0.1", port, tmp_path / "data", open_browser=False)


@pytest.mark.parametrize("host,local", [("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
                                        ("0.0.0.0", False), ("192.168.1.20", False), ("::", False)])
def test_is_local(host, local):
    assert is_local(host) is local
