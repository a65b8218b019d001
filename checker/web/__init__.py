"""``sendcheck serve``: the checker as a small web app on the manager's own machine.

Upload the month's extract or SEN2 return, check the column mapping, watch it run, then read the reports and
download the workbooks. It binds to localhost by default; bound to anything else it asks for a password.
No page loads anything from outside the app, and every upload stays in its run's folder until deleted.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import click

from .. import resources
from .security import csrf_ok, harden, is_local, private_dir, secret_key

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
MAX_UPLOAD_MB = 512
PUBLIC_ENDPOINTS = {"web.login", "web.static_file", "web.favicon"}


def create_app(config: dict | None = None):
    """The Flask app. ``config`` may set DATA_DIR (default ./sendcheck-web), REQUIRE_LOGIN (default False),
    MAX_CONTENT_LENGTH (bytes) and any Flask setting; the secret key comes from the data folder."""
    from flask import Flask, abort, redirect, render_template, request, session, url_for
    from jinja2 import StrictUndefined

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
    )
    app.config.update(config)
    app.extensions["sendcheck_runs"] = Runs(data_dir)
    app.register_blueprint(bp)
    app.register_blueprint(timeline_bp)

    @app.before_request
    def guard():
        if app.config["REQUIRE_LOGIN"] and not session.get("signed_in") and request.endpoint not in PUBLIC_ENDPOINTS:
            if request.method == "GET":
                return redirect(url_for("web.login"))
            abort(401)
        if request.method == "POST" and not csrf_ok(session, request.form.get("csrf_token")):
            abort(400, "csrf")
        return None

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
        return page("Sign in first", "Sign in with the password set when sendcheck was started.", 401)

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


def serve(host: str, port: int, data_dir: Path, open_browser: bool) -> None:
    """Run the app until Ctrl+C. Away from localhost a password is needed: asked for here on first run
    (or taken from SENDCHECK_WEB_PASSWORD), and only its hash is kept."""
    import os
    import webbrowser

    from werkzeug.serving import make_server

    from .security import has_password, password_problem, set_password

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
    app = create_app({"DATA_DIR": data_dir, "REQUIRE_LOGIN": login})
    try:
        _check_port(host, port)
        server = make_server(host, port, app, threaded=True)
    except (OSError, SystemExit) as exc:  # werkzeug exits when the port is taken; say why in our words
        why = getattr(exc, "strerror", None) or "address already in use"
        raise ServeError(f"cannot listen on {host}:{port} ({why}); is sendcheck serve already running? Choose "
                         "another port with --port.") from None
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    url = f"http://{shown}:{server.server_port}/"
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    click.echo(f"sendcheck is running at {url} (press Ctrl+C to stop).")
    click.echo(f"Uploads and reports are kept in {data_dir}.")
    if login:
        click.echo(f"LOGIN REQUIRED: bound to {host}, not just this computer; people sign in with the password "
                   "set at first run. Traffic is not encrypted: use it only on a trusted network.")
    else:
        click.echo("Only this computer can reach it (bound to localhost).")
    if open_browser:
        threading.Timer(0.5, lambda: webbrowser.open(url)).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("sendcheck serve stopped.")
    finally:
        server.server_close()
        app.extensions["sendcheck_runs"].shutdown()


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
