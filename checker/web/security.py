"""The web app's safeguards: who may use it, and what every response and form carries.

The app holds children's records, so nothing here trusts the network or the other accounts on the computer:

- only requests addressed to this app by name are answered (``host_allowed``), so a web page whose name is
  re-pointed at 127.0.0.1 (DNS rebinding) gets nothing;
- every page needs a signed-in session; the way in is the access token ``sendcheck serve`` makes at each start
  (and, bound beyond localhost, the password too). Sessions are kept on the server (``Sessions``), so signing
  out ends one for real: a cookie copied earlier no longer works;
- wrong access tokens and passwords are counted per client and overall (``Throttle``), and sign-in pauses
  while either count is too high; the pause ends by itself or when sendcheck is restarted;
- the secret key is made on first run and kept readable by its owner only, the password is stored only as a
  Werkzeug hash, every form carries a per-session CSRF token, and every response forbids caching, framing and
  any script or style from elsewhere.
"""

from __future__ import annotations

import collections
import hmac
import ipaddress
import math
import os
import secrets
import threading
import time
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

SECRET_FILE = "web-secret-key"
PASSWORD_FILE = "web-password-hash"
MIN_PASSWORD = 10
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
WILDCARD_HOSTS = {"0.0.0.0", "::", ""}

# Our own pages load nothing but our own stylesheet and the one progress script. The generated reports carry
# their stylesheet inline (so they open from a file:// folder too), hence the second, report-only policy.
APP_CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; "
           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
REPORT_CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'none'; "
              "frame-ancestors 'none'; base-uri 'none'")


def is_local(host: str) -> bool:
    return host.strip("[]").lower() in LOCAL_HOSTS


# -- who may use the app ---------------------------------------------------------------------------------------

def host_name(host_header: str | None) -> str:
    """The name in a ``Host`` header, without its port, brackets or a final dot, in lower case."""
    host = (host_header or "").strip().lower()
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def allowed_hosts(bind_host: str, extra: tuple[str, ...] | list[str] = ()) -> tuple[frozenset[str], bool]:
    """The names the app answers to, and whether any IP address is accepted too.

    Always localhost and the address it is bound to, plus any name the owner allows. Bound to every address
    (0.0.0.0), people may reach it by any of the computer's addresses, so an address typed as digits is
    accepted: DNS rebinding needs a name, because the attacking page's own name is what its browser sends.
    """
    bound = bind_host.strip().strip("[]").lower().rstrip(".")
    names = set(LOCAL_HOSTS) | {host_name(h) for h in extra if h}
    wildcard = bound in WILDCARD_HOSTS
    if wildcard:
        import socket

        names |= {n.lower().rstrip(".") for n in (socket.gethostname(), socket.getfqdn()) if n}
    else:
        names.add(bound)
    return frozenset(names), wildcard


def host_allowed(host_header: str | None, names: frozenset[str], any_ip: bool) -> bool:
    name = host_name(host_header)
    return bool(name) and (name in names or (any_ip and _is_ip(name)))


def new_access_token() -> str:
    """The access token for one run of ``sendcheck serve``: 256 random bits, never written to the terminal's
    command line or to a browser's (it reaches the browser through an owner-only file)."""
    return secrets.token_urlsafe(32)


def same_secret(expected: str | None, sent: str | None) -> bool:
    return bool(expected and sent) and hmac.compare_digest(expected.encode(), sent.encode())


class Sessions:
    """Signed-in sessions, kept on the server: the browser's cookie holds only a random id, and an id is live
    from sign-in until sign-out or until sendcheck stops. So a cookie copied before sign-out is refused after it,
    and restarting sendcheck signs everyone out."""

    def __init__(self):
        self._live: dict[str, float] = {}
        self._lock = threading.Lock()

    def begin(self) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._live[sid] = time.time()
        return sid

    def live(self, sid: str | None) -> bool:
        with self._lock:
            return bool(sid) and sid in self._live

    def end(self, sid: str | None) -> None:
        with self._lock:
            self._live.pop(sid or "", None)


class Paused(Exception):
    """Sign-in is paused; ``str()`` says for whom, for how long, and how the owner ends it now."""

    def __init__(self, message: str, seconds: int):
        super().__init__(message)
        self.seconds = seconds


class Throttle:
    """Wrong access tokens and passwords, counted over a sliding window per client and overall.

    A client with ``per_client`` wrong attempts in the window, or everyone once there have been ``overall``,
    waits until the oldest of them leaves the window; while paused, no password or token is even checked, so a
    guess made then cannot succeed. Nothing is kept on disk: restarting sendcheck ends any pause, and the
    owner, who started it, can always do that.
    """

    def __init__(self, per_client: int = 5, overall: int = 50, window: float = 15 * 60, clock=time.monotonic):
        self.per_client, self.overall, self.window, self.clock = per_client, overall, window, clock
        self._clients: dict[str, collections.deque] = {}
        self._all: collections.deque = collections.deque()
        self._lock = threading.Lock()

    def _prune(self, now: float) -> None:
        for times in [self._all, *self._clients.values()]:
            while times and times[0] <= now - self.window:
                times.popleft()
        for client in [c for c, times in self._clients.items() if not times]:
            del self._clients[client]

    def check(self, client: str) -> None:
        """Raise Paused if ``client`` may not try now."""
        with self._lock:
            now = self.clock()
            self._prune(now)
            mine = self._clients.get(client)
            if len(self._all) >= self.overall:
                wait = self._all[len(self._all) - self.overall] + self.window - now
                raise Paused("There have been too many wrong attempts to sign in, from more than one place, so "
                             f"signing in is paused for everyone for {_minutes(wait)}. Whoever started sendcheck "
                             "can end the pause now by stopping it (Ctrl+C) and starting it again.", math.ceil(wait))
            if mine is not None and len(mine) >= self.per_client:
                wait = mine[len(mine) - self.per_client] + self.window - now
                raise Paused(f"Too many wrong attempts from this computer. Wait {_minutes(wait)} and try again, or "
                             "ask whoever started sendcheck to stop it and start it again.", math.ceil(wait))

    def failed(self, client: str) -> None:
        with self._lock:
            now = self.clock()
            self._clients.setdefault(client, collections.deque()).append(now)
            self._all.append(now)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._clients.pop(client, None)


def _minutes(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def write_private(path: Path, text: str) -> None:
    """Create or replace a file that only its owner can read."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def secret_key(data_dir: Path) -> str:
    """The session-signing key, generated on first run and reused after, so sign-ins survive a restart."""
    path = data_dir / SECRET_FILE
    if path.is_file():
        key = path.read_text(encoding="utf-8").strip()
        if len(key) >= 32:
            return key
    key = secrets.token_hex(32)
    write_private(path, key + "\n")
    return key


def has_password(data_dir: Path) -> bool:
    return (data_dir / PASSWORD_FILE).is_file()


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"The password must be at least {MIN_PASSWORD} characters long."
    return None


def set_password(data_dir: Path, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    write_private(data_dir / PASSWORD_FILE, generate_password_hash(password) + "\n")


def check_password(data_dir: Path, password: str) -> bool:
    path = data_dir / PASSWORD_FILE
    if not path.is_file() or not password:
        return False
    return check_password_hash(path.read_text(encoding="utf-8").strip(), password)


def csrf_token(session) -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(session, sent: str | None) -> bool:
    return same_secret(session.get("csrf"), sent)


def harden(response, report: bool = False):
    """Headers on every response: no caching of children's data, no framing, no content sniffing."""
    response.headers["Content-Security-Policy"] = REPORT_CSP if report else APP_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
