"""Importing a subscriber list in the browser: upload, dry-run report, legal basis, import.

The same two steps as ``tryggnews subscribers import``: ``import_plan.parse_csv`` checks
every row, ``importer.apply_import`` says (dry run) and then does what the list means.
Nothing is imported before the administrator has read the report, chosen the legal
basis (no choice is made for them) and confirmed; a list with an invalid row cannot be
confirmed at all. The upload waits in ``import_jobs.ImportStore`` and the import runs
in the background with a progress page (``import-progress.js`` follows it; without
JavaScript a link reloads it, and a small list is finished before the page shows).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from tryggnews.content.text import refused_character
from tryggnews.errors import ValidationError
from tryggnews.subscribers.import_plan import ImportFileError, ImportPlan, parse_csv
from tryggnews.subscribers.importer import BASES, MAX_SOURCE_CHARS
from tryggnews.web.context import web_context
from tryggnews.web.editor import subscriber_labels
from tryggnews.web.editor.guard import current_user, db, now, require_admin
from tryggnews.web.editor.import_jobs import (
    SHOWN_ROWS,
    ImportOrder,
    ImportStore,
    dry_run,
    problem_record,
    start_import,
)

bp = Blueprint("subscriber_import", __name__, url_prefix="/redaktion/prenumeranter/import")
bp.before_request(require_admin)
bp.context_processor(lambda: dict(subscriber_labels.ALL))
# How long the confirming request waits for the import before showing the progress
# page: a list of a few thousand rows is done by then, also for a browser without JS.
WAIT_SECONDS = 3.0
CONFIG_DIR = "TRYGGNEWS_IMPORT_DIR"


def store() -> ImportStore:
    root = current_app.config.get(CONFIG_DIR) or Path(tempfile.gettempdir()) / "tryggnews-imports"
    found = ImportStore(Path(root))
    found.sweep()
    return found


def _own(token: str) -> dict[str, Any]:
    """The upload's state, only for the session and account that uploaded it."""
    state = store().state(token)
    if (
        state is None
        or session.get("import_token") != token
        or state.get("user") != current_user().id
    ):
        abort(404)
    return state


@bp.get("/", endpoint="index")
def index() -> str:
    store()  # sweeps what was left behind
    return render_template("editor/import_upload.html", problems=[])


@bp.post("/", endpoint="upload")
def upload() -> Response | tuple[str, int]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template(
            "editor/import_upload.html", problems=["Välj en CSV-fil att ladda upp."]
        ), 400
    file_name = secure_filename(upload.filename) or "lista.csv"
    token = store().save(upload.stream, user_id=current_user().id, file_name=file_name)
    session["import_token"] = token
    return redirect(url_for("editor.subscriber_import.show", token=token))


def _plan(token: str, state: dict[str, Any]) -> tuple[ImportPlan | None, str | None]:
    """The checked file, or the whole-file problem (named by the uploaded file's name)."""
    path = store().csv_path(token)
    try:
        return parse_csv(path, web_context().vocabulary), None
    except ValidationError as exc:
        text = exc.swedish if isinstance(exc, ImportFileError) else str(exc)
        return None, text.replace(str(path), state["file"])


def _default_source(state: dict[str, Any]) -> str:
    return f"import:{state['file']}"[:MAX_SOURCE_CHARS]


def _report(
    token: str, state: dict[str, Any], *, problems: list[str], form: dict[str, str]
) -> tuple[str, int]:
    plan, error = _plan(token, state)
    if plan is None:
        store().discard(token)  # nothing in it can be imported: not kept
        return render_template("editor/import_upload.html", problems=[error]), 400
    result = (
        dry_run(
            db(),
            plan,
            secret_key=web_context().settings.require_secret_key(),
            now=now(),
            source=form.get("source") or _default_source(state),
        )
        if plan.is_valid
        else None
    )
    if not plan.is_valid:
        store().delete_file(token)  # the report is all that is left; nothing to confirm
    return render_template(
        "editor/import_report.html",
        token=token,
        file_name=state["file"],
        plan=plan,
        result=result,
        row_problems=[problem_record(p) for p in plan.problems[:SHOWN_ROWS]],
        warnings=[problem_record(p) for p in plan.warnings[:SHOWN_ROWS]],
        skipped=[problem_record(p) for p in (result.skipped if result else [])[:SHOWN_ROWS]],
        shown_rows=SHOWN_ROWS,
        bases=BASES,
        problems=problems,
        form=form,
    ), 400 if problems or not plan.is_valid else 200


@bp.get("/<token>", endpoint="show")
def show(token: str) -> tuple[str, int]:
    state = _own(token)
    if state["state"] == "uploaded":
        return _report(
            token, state, problems=[], form={"basis": "", "source": _default_source(state)}
        )
    return render_template("editor/import_progress.html", token=token, state=state), 200


@bp.get("/<token>.json", endpoint="progress")
def progress(token: str) -> Response:
    state = _own(token)
    return jsonify({key: state.get(key) for key in ("state", "done", "total")})


@bp.post("/<token>/importera", endpoint="confirm")
def confirm(token: str) -> Response | tuple[str, int]:
    state = _own(token)
    if state["state"] != "uploaded":
        return redirect(url_for("editor.subscriber_import.show", token=token))
    form = {
        "basis": request.form.get("basis", ""),
        "source": request.form.get("source", "").strip(),
    }
    problems = []
    if form["basis"] not in BASES:
        problems.append("Välj den rättsliga grunden för adresserna i listan.")
    if not form["source"] or len(form["source"]) > MAX_SOURCE_CHARS:
        problems.append(f"Skriv varifrån listan kommer (1–{MAX_SOURCE_CHARS} tecken).")
    elif refused_character(form["source"]) is not None:
        problems.append("Källan får inte innehålla radbrytningar eller andra styrtecken.")
    plan, _error = _plan(token, state)
    if plan is None or not plan.is_valid or problems:
        return _report(token, state, problems=problems, form=form)
    order = ImportOrder(
        token=token,
        plan=plan,
        basis=form["basis"],
        source=form["source"],
        now=now(),
        actor=current_user().email,
        user_id=current_user().id,
        file_name=state["file"],
        secret_key=web_context().settings.require_secret_key(),
    )
    start_import(store(), order, web_context().session_factory).join(WAIT_SECONDS)
    return redirect(url_for("editor.subscriber_import.show", token=token))


@bp.post("/<token>/avbryt", endpoint="cancel")
def cancel(token: str) -> Response:
    state = _own(token)
    if state["state"] == "running":
        flash("Importen pågår redan och kan inte avbrytas.", "error")
        return redirect(url_for("editor.subscriber_import.show", token=token))
    store().discard(token)
    session.pop("import_token", None)
    flash("Importen är avbruten och filen är raderad. Inget importerades.", "ok")
    return redirect(url_for("editor.subscriber_import.index"))
