"""The web app's safeguards: a secret key and a login password kept beside the data, CSRF tokens, headers.

The app holds children's records, so nothing here trusts the network: the secret key is made on first run and
kept readable by its owner only, the password is stored only as a Werkzeug hash, every form carries a
per-session token, and every response forbids caching, framing and any script or style from elsewhere.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

SECRET_FILE = "web-secret-key"
PASSWORD_FILE = "web-password-hash"
MIN_PASSWORD = 10
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}

# Our own pages load nothing but our own stylesheet and the one progress script. The generated reports carry
# their stylesheet inline (so they open from a file:// folder too), hence the second, report-only policy.
APP_CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; "
           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
REPORT_CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'none'; "
              "frame-ancestors 'none'; base-uri 'none'")


def is_local(host: str) -> bool:
    return host.strip("[]").lower() in LOCAL_HOSTS


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
    expected = session.get("csrf")
    return bool(expected and sent and hmac.compare_digest(expected, sent))


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
