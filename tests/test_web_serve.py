"""Starting the server: localhost needs no password; anything else asks for one at first run and says so."""

from __future__ import annotations

import socket
import stat

import pytest

pytest.importorskip("flask", reason="flask is not installed (pip install flask)")

import werkzeug.serving  # noqa: E402

from checker.web import ServeError, serve  # noqa: E402
from checker.web.security import PASSWORD_FILE, check_password, is_local  # noqa: E402


class FakeServer:
    server_port = 8123

    def serve_forever(self):
        raise KeyboardInterrupt

    def server_close(self):
        pass


@pytest.fixture()
def fake_server(monkeypatch):
    seen = {}

    def make_server(host, port, app, threaded):
        seen.update(host=host, port=port, app=app)
        return FakeServer()

    monkeypatch.setattr(werkzeug.serving, "make_server", make_server)
    return seen


def test_localhost_needs_no_login(fake_server, tmp_path, capsys):
    serve("127.0.0.1", 8123, tmp_path / "data", open_browser=False)
    out = capsys.readouterr().out
    assert "http://localhost:8123/" in out and "Only this computer" in out and "LOGIN" not in out
    assert fake_server["app"].config["REQUIRE_LOGIN"] is False
    assert not (tmp_path / "data" / PASSWORD_FILE).exists()


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
