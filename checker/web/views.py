"""The pages: upload, map the columns, progress, the run's reports and downloads, past runs, sign-in."""

from __future__ import annotations

import datetime as dt
from importlib.resources import as_file
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from werkzeug.security import safe_join

from .. import resources
from ..dataset import InputError
from . import access, mapping
from .runs import UploadError
from .security import check_password, csrf_token, harden

bp = Blueprint("web", __name__)
STATIC = {"report.css": ("report.css", "text/css"), "web.css": ("web/web.css", "text/css"),
          "progress.js": ("web/progress.js", "text/javascript")}  # name -> (template file, type)
DOWNLOADS = {".xlsx", ".csv", ".jsonl", ".json"}
EXAMPLE_DATE = "31/10/2026"


def runs():
    return current_app.extensions["sendcheck_runs"]


def parse_as_at(text: str) -> dt.date | None:
    text = (text or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def bundled_profiles() -> list[str]:
    from ..readers.profile import list_profiles, profile_name

    return [name for name in (profile_name(p) for p in list_profiles()) if not name.startswith("sen2-")]


@bp.app_context_processor
def page_globals():
    return {"csrf_token": csrf_token(session), "login_required": current_app.config["REQUIRE_LOGIN"],
            "signed_in": access.signed_in()}


@bp.route("/static/<name>")
def static_file(name):
    if name not in STATIC:
        abort(404)
    template, mime = STATIC[name]
    with as_file(resources.template_file(template)) as path:  # the installed file itself unless zipped
        return send_file(path, mimetype=mime, max_age=0)


@bp.route("/favicon.ico")
def favicon():
    return "", 204


# -- sign-in ---------------------------------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
def login():
    """The password (bound beyond localhost) or the access token from the link sendcheck printed."""
    error = None
    password = current_app.config["REQUIRE_LOGIN"]
    if request.method == "GET" and access.signed_in():
        return redirect(url_for("web.index"))
    if request.method == "POST":
        data_dir = current_app.config["DATA_DIR"]
        if access.try_secret(request.form.get("password", ""),
                             password_ok=(lambda sent: check_password(data_dir, sent)) if password else None):
            return redirect(url_for("web.index"))
        error = ("The password is not right. Try again, or ask whoever started sendcheck." if password else
                 "The access token is not right. Use the link sendcheck printed when it started: each start "
                 "makes a new one.")
    return render_template("login.html", error=error, password=password,
                           signed_out=request.args.get("signed_out") == "1"), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    """Ends the session on the server too, so the cookie is worth nothing afterwards, wherever it was copied."""
    access.end_session()
    return redirect(url_for("web.login", signed_out="1"))


# -- a new check -----------------------------------------------------------------------------------------------

@bp.route("/", methods=["GET"])
def index():
    return render_template("upload.html", profiles=bundled_profiles(), errors={}, form={},
                           example_date=EXAMPLE_DATE, max_mb=current_app.config["MAX_CONTENT_LENGTH"] // 2**20)


@bp.route("/runs", methods=["POST"])
def create_run():
    form = request.form
    errors: dict[str, str] = {}
    as_at = parse_as_at(form.get("as_at", ""))
    if as_at is None and form.get("as_at", "").strip():  # empty: a SEN2 return's reference date (Runs.create)
        errors["as_at"] = f"The as-at date must be a real date, for example {EXAMPLE_DATE}"
    choice = form.get("profile", "auto")
    if choice not in ["auto", "draft"] + bundled_profiles():
        errors["profile"] = "Choose a mapping profile from the list"
    files = request.files.getlist("extract")
    if not [f for f in files if f.filename]:
        errors["extract"] = "Choose the extract or SEN2 file to upload"
    run_id = None
    if not errors:
        try:
            run_id = runs().create(files, as_at, choice, form.get("record_history") == "1",
                                   allow_future_as_at=form.get("allow_future_as_at") == "1")
        except UploadError as exc:
            errors[exc.field] = str(exc)
    if errors:
        errors = {k: errors[k] for k in ("extract", "as_at", "profile") if k in errors}  # in the form's order
        return render_template("upload.html", profiles=bundled_profiles(), errors=errors, form=form,
                               example_date=EXAMPLE_DATE,
                               max_mb=current_app.config["MAX_CONTENT_LENGTH"] // 2**20), 400
    if runs().extracts(run_id):
        return redirect(url_for("web.map_columns", run_id=run_id))
    runs().start(run_id, None)
    return redirect(url_for("web.run_page", run_id=run_id))


def _run_or_404(run_id: str) -> tuple[Path, dict]:
    folder = runs().folder(run_id)
    state = runs().state(run_id) if folder else None
    if folder is None or state is None:
        abort(404)
    return folder, state


@bp.route("/runs/<run_id>/map", methods=["GET", "POST"])
def map_columns(run_id):
    folder, state = _run_or_404(run_id)
    if state["status"] != "uploaded":
        return redirect(url_for("web.run_page", run_id=run_id))
    problems: list[str] = []
    form = mapping.load_form(folder)
    if form is None:
        try:
            form = mapping.prepare(folder, runs().extracts(run_id), state["profile_choice"])
        except InputError as exc:
            runs().update(run_id, status="failed", error=str(exc))
            return redirect(url_for("web.run_page", run_id=run_id))
    chosen = {}
    if request.method == "POST":
        chosen = {k: v for k, v in request.form.items() if k.startswith("map-")}
        profile_path, problems = mapping.apply(folder, form, chosen)
        if profile_path is not None:
            runs().start(run_id, profile_path)
            return redirect(url_for("web.run_page", run_id=run_id))
    return render_template("map.html", run=state, form=form, chosen=chosen, problems=problems,
                           choices=mapping.field_choices(),
                           choice_values={v for v, _ in mapping.field_choices()}), (400 if problems else 200)


@bp.route("/runs/<run_id>", methods=["GET"])
def run_page(run_id):
    folder, state = _run_or_404(run_id)
    reports = folder / "reports"
    files = _report_files(reports) if state["status"] == "done" else {}
    return render_template("run.html", run=state, files=files)


@bp.route("/runs/<run_id>/status.json")
def run_status(run_id):
    _, state = _run_or_404(run_id)
    return jsonify({"status": state["status"], "messages": state["messages"][-8:]})


@bp.route("/runs/<run_id>/delete", methods=["POST"])
def delete_run(run_id):
    """Deletes a run in any state; a running check stops at its next step and its folder goes then."""
    _run_or_404(run_id)
    gone = runs().delete(run_id)
    return redirect(url_for("web.history", deleted="1" if gone else "soon"))


@bp.route("/runs/<run_id>/files/<path:name>")
def run_file(run_id, name):
    folder, state = _run_or_404(run_id)
    if state["status"] != "done":
        abort(404)
    path = safe_join(str(folder / "reports"), name)
    if path is None or not Path(path).is_file():
        abort(404)
    path = Path(path)
    if path.suffix == ".html":
        return harden(send_file(path, mimetype="text/html", max_age=0), report=True)
    if path.suffix in DOWNLOADS:
        return send_file(path, as_attachment=True, download_name=path.name, max_age=0)
    abort(404)


def _report_files(reports: Path) -> dict:
    def has(name: str) -> str | None:
        return name if (reports / name).is_file() else None

    return {"manager": has("send-manager-report.html"), "governors": has("governors-all-schools.html"),
            "inspection": has("inspection-pack.html"), "inspection_xlsx": has("inspection-pack.xlsx"),
            "breach_xlsx": has("breach-workbook.xlsx"), "findings": has("findings.csv"),
            "issues": has("data_issues.csv"), "accounting": has("accounting.csv"), "since": has("since-last-month.csv"),
            "school_count": len(list((reports / "governors").glob("*.html"))) if (reports / "governors").is_dir()
            else 0}


# -- past runs -------------------------------------------------------------------------------------------------

def _history_store():
    """The history database, or None when the history package is not in this build."""
    try:
        from ..history import HistoryError, open_store
    except ImportError:
        return None, None
    db = current_app.config["DATA_DIR"] / "sendcheck-history.sqlite"
    if not db.is_file():
        return None, None
    try:
        return open_store(db), None
    except HistoryError as exc:
        return None, str(exc)


@bp.route("/history")
def history():
    store, problem = _history_store()
    months = []
    if store is not None:
        with store:
            months = list(reversed(store.runs()))
    return render_template("history.html", runs=runs().all(), months=months, problem=problem,
                           deleted=request.args.get("deleted", ""))


@bp.route("/history/trend")
def trend():
    store, problem = _history_store()
    if store is None:
        return render_template("message.html", title="No trend yet", message=problem or
                               "The trend page needs at least one check recorded in the history."), 404
    from ..history.trend import write_trend

    out = current_app.config["DATA_DIR"] / "trend"
    with store:
        html_path, _ = write_trend(store, None, None, out)
    return harden(send_file(html_path, mimetype="text/html", max_age=0), report=True)


@bp.route("/history/<path:name>")
def trend_file(name):
    path = safe_join(str(current_app.config["DATA_DIR"] / "trend"), name)
    if path is None or not name.endswith(".csv") or not Path(path).is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=Path(path).name, max_age=0)
