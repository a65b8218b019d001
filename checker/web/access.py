"""Who gets in: the request checks that run before every page, and signing in and out.

Every request must be addressed to this app by name (not a rebound DNS name), and every page but sign-in and
the app's own stylesheet and script needs a live session. A session begins with the access token that
``sendcheck serve`` opens the browser with (``/?token=...``, once: the app sets its cookie and moves to the
same address without the token), with that token typed on the sign-in page, or, bound beyond localhost, with
the password there.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, current_app, redirect, render_template, request, session, url_for
from markupsafe import escape

from .security import Paused, Sessions, Throttle, csrf_ok, harden, host_allowed, new_access_token, same_secret

TOKEN_PARAM = "token"
PUBLIC_ENDPOINTS = {"web.login", "web.static_file", "web.favicon"}


def install(app) -> None:
    """Give ``app`` its access token, sessions and throttle, and the checks that run before every request."""
    from flask.sessions import SecureCookieSessionInterface

    from .security import allowed_hosts

    app.config.setdefault("ACCESS_TOKEN", None)
    if not app.config["ACCESS_TOKEN"]:
        app.config["ACCESS_TOKEN"] = new_access_token()
    names, any_ip = allowed_hosts(app.config["BIND_HOST"], app.config["ALLOWED_HOSTS"])
    app.extensions["sendcheck_hosts"] = (names, any_ip)
    app.extensions["sendcheck_sessions"] = Sessions()
    app.extensions["sendcheck_throttle"] = Throttle(app.config["THROTTLE_PER_CLIENT"], app.config["THROTTLE_OVERALL"],
                                                    app.config["THROTTLE_WINDOW"])

    class SessionInterface(SecureCookieSessionInterface):
        """The cookie is marked Secure whenever the request came over TLS."""

        def get_cookie_secure(self, app) -> bool:
            return bool(app.config["SESSION_COOKIE_SECURE"] or (request and request.is_secure))

    app.session_interface = SessionInterface()
    app.before_request(guard)


def access_url(base: str, token: str, path: str = "/") -> str:
    """The address that signs a browser in: ``base`` (``http://localhost:8080``), ``path``, the access token."""
    return f"{base.rstrip('/')}{path}?{urlencode({TOKEN_PARAM: token})}"


def signed_in() -> bool:
    return current_app.extensions["sendcheck_sessions"].live(session.get("sid"))


def begin_session() -> None:
    """A fresh session (a new id and CSRF token, nothing carried over from before sign-in)."""
    sessions = current_app.extensions["sendcheck_sessions"]
    sessions.end(session.get("sid"))
    session.clear()
    session["sid"] = sessions.begin()


def end_session() -> None:
    current_app.extensions["sendcheck_sessions"].end(session.get("sid"))
    session.clear()


def client() -> str:
    return request.remote_addr or "unknown"


def try_secret(sent: str, *, password_ok=None) -> bool:
    """Sign in if ``sent`` is the access token (or, with ``password_ok``, the password). Counts wrong attempts
    per client and overall; while sign-in is paused nothing is checked and the person is told (429)."""
    throttle = current_app.extensions["sendcheck_throttle"]
    try:
        throttle.check(client())
    except Paused as exc:
        abort(429, str(exc))
    if same_secret(current_app.config["ACCESS_TOKEN"], sent) or (password_ok is not None and password_ok(sent)):
        throttle.succeeded(client())
        begin_session()
        return True
    throttle.failed(client())
    return False


def guard():
    """Runs before every request: the right name, then a live session (or the access token), then CSRF."""
    names, any_ip = current_app.extensions["sendcheck_hosts"]
    if not host_allowed(request.host, names, any_ip):
        return wrong_host()
    token = request.args.get(TOKEN_PARAM)
    if token is not None and request.method == "GET":
        if not try_secret(token):
            return render_template("message.html", title="This link does not open sendcheck",
                                   message="The access token in it is not right, or is from an earlier start of "
                                   "sendcheck: each start makes a new one. Use the link sendcheck printed when it "
                                   "started, or sign in."), 403
        args = {k: v for k, v in request.args.items(multi=True) if k != TOKEN_PARAM}
        clean = "/" + request.path.lstrip("/\\") + ("?" + urlencode(args) if args else "")  # never //elsewhere
        # A page, not a redirect: a redirect would still count as the navigation that brought the token from
        # outside (a file or a terminal), and browsers withhold a SameSite=Strict cookie from it.
        return render_template("signed-in.html", next_url=clean)
    if request.endpoint not in PUBLIC_ENDPOINTS and not signed_in():
        if request.method == "GET":
            return redirect(url_for("web.login"))
        abort(401)
    if request.method == "POST" and not csrf_ok(session, request.form.get("csrf_token")):
        abort(400, "csrf")
    return None


def wrong_host():
    """A plain refusal for a request addressed to another name: no template, no cookie, nothing of the app."""
    from flask import make_response

    shown = escape(request.host[:200])
    body = ("<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>Not sendcheck</title></head>"
            "<body><h1>This address is not sendcheck's</h1><p>sendcheck answers only at the address it printed "
            f"when it started (such as http://localhost:8080/), not at {shown}. To reach it by another name, "
            "start it with --allow-host and that name.</p></body></html>")
    response = make_response(body, 421)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    return harden(response)
