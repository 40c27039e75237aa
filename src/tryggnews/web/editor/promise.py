"""The promise's follow-up in the workspace: ``/redaktion/loftet``.

Editors of either organisation see the medborgarlöfte per focus area, each commitment with
its status and latest note, and record a new status and/or a dated note on the
commitment's own page (every change audit-logged by ``planning.promise.record_update``).
The same module holds the issue page's switch for the "Så går det med löftet" block.

A missing or broken promise.toml is shown to the editor as the loader's message (file,
line, field), never as a server error.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from tryggnews import wiring
from tryggnews.content.promise_view import STATUS_WORDS, parse_status
from tryggnews.editors.mail import withdrawn_notice
from tryggnews.editors.promise_block import set_promise_block
from tryggnews.errors import NotFoundError, TryggnewsError, ValidationError
from tryggnews.planning.promise import CommitmentStatus, commitment_report, record_update
from tryggnews.planning.promise_file import Promise
from tryggnews.web.context import web_context
from tryggnews.web.editor.forms import form_int, problems_of, send_and_report
from tryggnews.web.editor.guard import current_user, db, now
from tryggnews.web.editor.issues import load_issue
from tryggnews.web.editor.services import services

bp = Blueprint("promise", __name__, url_prefix="/redaktion")
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _promise() -> tuple[Promise | None, str]:
    """The promise, or the reason there is none to show (file, line and field)."""
    settings = web_context().settings
    try:
        promise = wiring.promise(settings)
    except TryggnewsError as exc:
        return None, str(exc)
    if promise is None:
        return None, (
            f"Filen {settings.promise} finns inte. Lägg löftet där (se docs/promise.md) "
            "eller ange en annan fil med inställningen TRYGGNEWS_PROMISE."
        )
    return promise, ""


def _grouped(report: list[CommitmentStatus]) -> list[tuple[str, list[CommitmentStatus]]]:
    groups: dict[str, list[CommitmentStatus]] = {}
    for entry in report:
        groups.setdefault(entry.focus_area_label, []).append(entry)
    return list(groups.items())


def _today() -> date:
    return now().astimezone(STOCKHOLM).date()


@bp.get("/loftet/", endpoint="index")
def index() -> str:
    promise, problem = _promise()
    report = commitment_report(db(), promise) if promise else []
    counts = {
        word: sum(1 for e in report if e.status_word == word) for word in STATUS_WORDS.values()
    }
    return render_template(
        "editor/promise.html",
        promise=promise,
        problem=problem,
        groups=_grouped(report),
        counts=counts,
    )


def _commitment_page(
    promise: Promise,
    entry: CommitmentStatus,
    problems: list[str],
    form: dict[str, str],
    status: int,
) -> tuple[str, int]:
    return render_template(
        "editor/commitment.html",
        promise=promise,
        entry=entry,
        problems=problems,
        form=form,
        statuses=STATUS_WORDS,
        today=_today().isoformat(),
    ), status


def _entry(promise: Promise, key: str) -> CommitmentStatus:
    entry = next((e for e in commitment_report(db(), promise) if e.key == key), None)
    if entry is None:
        raise NotFoundError(f"Det finns inget åtagande {key} i löftet.")
    return entry


@bp.get("/loftet/<key>", endpoint="commitment")
def commitment(key: str) -> tuple[str, int]:
    promise, problem = _promise()
    if promise is None:
        return render_template("editor/promise.html", promise=None, problem=problem), 200
    entry = _entry(promise, key)
    form = {"status": entry.status.value, "note": "", "noted_on": _today().isoformat()}
    return _commitment_page(promise, entry, [], form, 200)


@bp.post("/loftet/<key>", endpoint="update")
def update(key: str) -> Response | tuple[str, int]:
    promise, problem = _promise()
    if promise is None:
        return render_template("editor/promise.html", promise=None, problem=problem), 200
    entry = _entry(promise, key)
    form = {name: request.form.get(name, "") for name in ("status", "note", "noted_on")}
    status = parse_status(form["status"])
    problems = [] if status is not None else ["status: välj en status i listan"]
    try:
        noted_on = date.fromisoformat(form["noted_on"])
    except ValueError:
        problems.append("datum: skriv datumet som 2027-03-15")
        noted_on = _today()
    if not problems:
        session = db()
        try:
            record_update(
                session,
                promise,
                key,
                status=status,
                note=form["note"],
                noted_on=noted_on,
                user=current_user(),
                now=now(),
            )
        except ValidationError as exc:
            session.rollback()
            problems = problems_of(exc)
        else:
            session.commit()
            flash(f"Uppföljningen av ”{entry.text}” är sparad.", "ok")
            return redirect(url_for("editor.promise.index") + f"#{key}")
    return _commitment_page(promise, entry, problems, form, 400)


@bp.post("/utskick/<key>/loftet", endpoint="issue_block")
def issue_block(key: str) -> Response:
    """Switch the issue's "Så går det med löftet" block on or off."""
    issue = load_issue(key)
    version = form_int("version")
    if version is None:
        abort(400)
    on = request.form.get("on") == "1"
    issue, told = set_promise_block(
        db(), issue.id, on=on, expected_version=version, actor=current_user().email, now=now()
    )
    db().commit()
    send_and_report([withdrawn_notice(w, services().issue_url(issue.key)) for w in told])
    flash(
        "Blocket ”Så går det med löftet” är " + ("tillagt." if on else "borttaget."),
        "ok",
    )
    return redirect(url_for("editor.issues.show", key=issue.key))
