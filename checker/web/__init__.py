"""``sendcheck serve``: the checker as a small web app on the manager's own machine.

Upload the month's extract or SEN2 return, check the column mapping, watch it run, then read the reports and
download the workbooks. It binds to localhost by default and answers only the person who started it: the
browser is opened signed in with an access token made at each start (bound to anything else, a password is
needed too). No page loads anything from outside the app, and every upload stays in its run's folder until
deleted. What it protects against, and what it does not, is in docs/web.md.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import click

from .. import resources
from .access import access_url
from .security import WILDCARD_HOSTS, harden, is_local, private_dir, secret_key, write_private

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
MAX_UPLOAD_MB = 512
OPEN_FILE = "open-sendcheck.html"


def create_app(config: dict | None = None):
    """The Flask app. ``config`` may set DATA_DIR (default ./sendcheck-web), REQUIRE_LOGIN (default False),
    BIND_HOST (the address served; default 127.0.0.1) and ALLOWED_HOSTS (other names it answers to),
    ACCESS_TOKEN (made here when not given: read it from ``app.config`` to sign a browser or test client in,
    see ``access_url``), THROTTLE_PER_CLIENT, THROTTLE_OVERALL and THROTTLE_WINDOW (wrong sign-ins allowed per
    client and overall within that many seconds), MAX_CONTENT_LENGTH (bytes) and any Flask setting; the secret
    key comes from the data folder."""
    from flask import Flask, render_template
    from jinja2 import StrictUndefined

    from . import access
    from .runs import Runs
    from .timeline import bp as timeline_bp
    from .views import bp

    config = dict(config or {})
    data_dir = private_dir(Path(config.pop("DATA_DIR", "sendcheck-web")).resolve())
    app = Flask(__name__, static_folder=None)
    app.jinja_loader = resources.template_loader("web")
    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    app.config.update(
        DATA_DIR=data_dir, REQUIRE_LOGIN=False, MAX_CONTENT_LENGTH=MAX_UPLOAD_MB * 2**20,
        SECRET_KEY=secret_key(data_dir), SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="sendcheck_session", MAX_FORM_MEMORY_SIZE=2 * 2**20,
        BIND_HOST=DEFAULT_HOST, ALLOWED_HOSTS=(), ACCESS_TOKEN=None,
        THROTTLE_PER_CLIENT=5, THROTTLE_OVERALL=50, THROTTLE_WINDOW=15 * 60,
    )
    app.config.update(config)
    app.extensions["sendcheck_runs"] = Runs(data_dir)
    app.register_blueprint(bp)
    app.register_blueprint(timeline_bp)
    access.install(app)

    @app.after_request
    def headers(response):
        if "Content-Security-Policy" not in response.headers:
            harden(response)
        return response

    def page(title: str, message: str, code: int):
        return render_template("message.html", title=title, message=message), code

    @app.errorhandler(400)
    def bad_request(exc):
        if getattr(exc, "description", "") == "csrf":
            return page("This form has expired", "The page was open too long or came from somewhere else. "
                        "Go back, reload the page and try again.", 400)
        return page("Something in the request was not right", "Go back and try again.", 400)

    @app.errorhandler(401)
    def unauthorised(_exc):
        return page("Sign in first", "Open sendcheck with the link it printed when it started, or sign in.", 401)

    @app.errorhandler(429)
    def paused(exc):
        response = page("Signing in is paused", exc.description, 429)[0]
        return app.make_response((response, 429, {"Retry-After": "60"}))

    @app.errorhandler(404)
    def not_found(_exc):
        return page("Page not found", "The check may have been deleted. Past checks are listed under "
                    "Past runs.", 404)

    @app.errorhandler(413)
    def too_large(_exc):
        return page("The file is too large", f"Upload files of up to {app.config['MAX_CONTENT_LENGTH'] // 2**20} "
                    "MB in total. For a bigger extract, use the sendcheck command instead.", 413)

    @app.errorhandler(500)
    def server_error(_exc):
        return page("Sorry, there is a problem with sendcheck", "Nothing you uploaded was sent anywhere. Try "
                    "again; if it happens again, report it with the server's log.", 500)

    return app


def serve(host: str, port: int, data_dir: Path, open_browser: bool, allow_hosts: tuple[str, ...] = (),
          tls: tuple[Path, Path] | None = None) -> None:
    """Run the app until Ctrl+C, and open the owner's browser signed in.

    Each start makes a new access token. The browser is sent to it through an owner-only file in the data folder
    rather than on a command line, where other accounts could read it; the terminal shows the link for when no
    browser opens. Away from localhost a password is needed too: asked for here on first run (or taken from
    SENDCHECK_WEB_PASSWORD), and only its hash is kept. ``tls`` (certificate, key) serves https.
    """
    import os

    from werkzeug.serving import make_server

    from .security import has_password, new_access_token, password_problem, set_password

    data_dir = private_dir(Path(data_dir).resolve())
    login = not is_local(host)
    if login and not has_password(data_dir):
        password = os.environ.get("SENDCHECK_WEB_PASSWORD")
        if password is None:
            click.echo(f"sendcheck serve is bound to {host}, so other computers can reach it: set a password "
                       "that people will need to sign in.", err=True)
            password = click.prompt("New password", hide_input=True, confirmation_prompt=True, err=True)
        problem = password_problem(password)
        if problem:
            raise ServeError(problem)
        set_password(data_dir, password)
    ssl_context = _tls_context(*tls) if tls else None
    token = new_access_token()
    app = create_app({"DATA_DIR": data_dir, "REQUIRE_LOGIN": login, "BIND_HOST": host,
                      "ALLOWED_HOSTS": tuple(allow_hosts), "ACCESS_TOKEN": token})
    try:
        _check_port(host, port)
        server = make_server(host, port, app, threaded=True, ssl_context=ssl_context)
    except (OSError, SystemExit) as exc:  # werkzeug exits when the port is taken; say why in our words
        why = getattr(exc, "strerror", None) or "address already in use"
        raise ServeError(f"cannot listen on {host}:{port} ({why}); is sendcheck serve already running? Choose "
                         "another port with --port.") from None
    bare = host.strip("[]")
    shown = "localhost" if is_local(host) or bare in WILDCARD_HOSTS else (f"[{bare}]" if ":" in bare else bare)
    base = f"{'https' if ssl_context else 'http'}://{shown}:{server.server_port}"
    link = access_url(base, token)
    opener = data_dir / OPEN_FILE
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    click.echo(f"sendcheck is running at {base}/ (press Ctrl+C to stop).")
    click.echo(f"{'Your browser should open signed in. If it does not' if open_browser else 'To use it'}, "
               "open this link (it works until sendcheck stops; keep it to yourself):")
    click.echo(f"    {link}")
    click.echo(f"Uploads and reports are kept in {data_dir}.")
    if login:
        click.echo(f"LOGIN REQUIRED: bound to {host}, not just this computer; people sign in with the password "
                   "set at first run." + ("" if ssl_context else " Traffic is not encrypted: use it only on a "
                                          "trusted network, or give a certificate with --tls-cert and --tls-key."))
    else:
        click.echo("Only this computer can reach it (bound to localhost), and only with the link above.")
    if open_browser:
        write_private(opener, _opener_page(link))
        _in_background(lambda: _open(opener.as_uri()))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("sendcheck serve stopped.")
    finally:
        server.server_close()
        opener.unlink(missing_ok=True)
        app.extensions["sendcheck_runs"].shutdown()


def _opener_page(link: str) -> str:
    """A page that sends the browser on to ``link``: opened from a file, the token stays off the command line."""
    from markupsafe import escape

    return ('<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
            f'<meta http-equiv="refresh" content="0;url={escape(link)}"><title>Opening sendcheck</title></head>'
            f'<body><p><a href="{escape(link)}">Open sendcheck</a></p></body></html>\n')


def _open(uri: str) -> None:
    import webbrowser

    webbrowser.open(uri)


def _in_background(job) -> None:
    """Run ``job`` beside the server (a text-mode browser could otherwise hold the terminal)."""
    threading.Thread(target=job, daemon=True, name="sendcheck-open-browser").start()


def _tls_context(cert: Path, key: Path):
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(str(cert), str(key))
    except (OSError, ssl.SSLError) as exc:
        raise ServeError(f"cannot use the certificate {Path(cert).name} with the key {Path(key).name} "
                         f"({getattr(exc, 'strerror', None) or exc}). Give a PEM certificate and its private key."
                         ) from None
    return context


def _check_port(host: str, port: int) -> None:
    """OSError if the address cannot be bound (tried before werkzeug, which would print and exit instead)."""
    import socket

    if port == 0:
        return
    infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)


class ServeError(click.ClickException):
    """A reason the server cannot start, shown as ``Error: ...`` with exit code 2."""

    exit_code = 2


__all__ = ["create_app", "serve", "ServeError", "DEFAULT_HOST", "DEFAULT_PORT"]
