"""A check never touches the network: children's records stay on the council's machine.

Every way Python opens a connection is replaced by one that fails the test, then a full run writes every report
(manager, governor, inspection, Excel) and records the history database.
"""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner
from test_robust_privacy import build_caseload

from checker.cli import main


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args[:2])
        raise NetworkUsed(f"network use attempted: {args[:2]!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket.socket, "sendto", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return calls


def test_full_run_opens_no_socket(tmp_path, no_network):
    src, _ = build_caseload(tmp_path)
    out = tmp_path / "reports" / "2026-10-31"
    result = CliRunner().invoke(main, ["check", str(src), "--as-at", "2026-10-31", "--out", str(out),
                                       "--profile", "la-tracker-a", "--record"])
    assert not isinstance(result.exception, NetworkUsed), result.exception
    assert result.exit_code in (0, 1), result.output
    assert no_network == []
    for name in ("send-manager-report.html", "governors-all-schools.html", "inspection-pack.html",
                 "inspection-pack.xlsx", "breach-workbook.xlsx", "findings.csv"):
        assert (out / name).exists(), name
    assert (tmp_path / "reports" / "sendcheck-history.sqlite").exists()


def test_the_guard_itself_catches_a_connection(no_network):
    with pytest.raises(NetworkUsed):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)
    assert no_network
