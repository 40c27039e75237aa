"""Issue pages: the list, one issue (texts, blocks, checks, approvals), creating from the plan."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from tryggnews.content.approvals import (
    EDITABLE,
    WithdrawnApproval,
    approval_history,
    approve,
    require_may_approve,
    standing_approvals,
    withdraw,
)
from tryggnews.content.issues import block_counts, issue_blocks, list_issues
from tryggnews.content.organisations import BLOCK_OWNERS, SIGNING_ORGANISATIONS
from tryggnews.db.models import Block, Issue, IssueStatus, UserRole
from tryggnews.editors.blocks import can_edit_block
from tryggnews.editors.issue_edits import (
    create_from_plan,
    move_block,
    place_block,
    remove_block,
    update_texts,
)
from tryggnews.editors.mail import withdrawn_notice
from tryggnews.errors import NotFoundError, ValidationError
from tryggnews.followup.html import figures_html
from tryggnews.web.editor.forms import form_int, problems_of, send_and_report
from tryggnews.web.editor.guard import current_user, db, now
from tryggnews.web.editor.services import services
from tryggnews.web.editor.translations import issue_translation_gaps

bp = Blueprint("issues", __name__, url_prefix="/redaktion/utskick")
STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Issues whose ledger has rows: their page shows the figures so far.
WITH_FIGURES = (IssueStatus.SENDING, IssueStatus.PAUSED, IssueStatus.SENT)


def load_issue(key: str) -> Issue:
    issue = db().scalar(select(Issue).where(Issue.key == key))
    if issue is None:
        raise NotFoundError(f"Det finns inget utskick {key}.")
    return issue


def _version() -> int:
    version = form_int("version")
    if version is None:
        abort(400)
    return version


def _finish(issue: Issue, told: list[WithdrawnApproval], message: str) -> Response:
    db().commit()
    send_and_report([withdrawn_notice(w, services().issue_url(issue.key)) for w in told])
    flash(message, "ok")
    return redirect(url_for("editor.issues.show", key=issue.key))


@bp.get("/", endpoint="index")
def index() -> str:
    session = db()
    return render_template(
        "editor/issues.html", issues=list_issues(session), block_counts=block_counts(session)
    )


@bp.post("/skapa", endpoint="create")
def create() -> Response:
    key = request.form.get("key", "")
    schedule = services().schedule()
    planned = schedule.issue(key) if schedule else None
    if planned is None:
        raise NotFoundError(f"Det finns inget planerat utskick {key} i planen.")
    session = db()
    try:
        issue = create_from_plan(session, planned, actor=current_user().email, now=now())
    except ValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("editor.dashboard.index"))
    session.commit()
    flash(f"Utskick {issue.key} är skapat. Lägg till block och skriv ingressen.", "ok")
    return redirect(url_for("editor.issues.show", key=issue.key))


@bp.get("/<key>", endpoint="show")
def show(key: str) -> str:
    user = current_user()
    session = db()
    issue = load_issue(key)
    blocks = issue_blocks(issue)
    in_issue = {b.id for b in blocks}
    available = [
        b
        for b in session.scalars(select(Block).order_by(Block.updated_at.desc()))
        if b.id not in in_issue
    ]
    _, problems = services().publisher().check(session, issue, now())
    blocking = services().content_problems(issue)
    schedule = services().schedule()
    planned = schedule.issue(issue.key) if schedule else None
    standing = standing_approvals(session, issue)
    send_at = issue.planned_send_at.astimezone(STOCKHOLM) if issue.planned_send_at else None
    return render_template(
        "editor/issue.html",
        issue=issue,
        blocks=blocks,
        available=available,
        problems=problems,
        blocking=blocking,
        planned=planned,
        standing=standing,
        history=approval_history(session, issue),
        signing=SIGNING_ORGANISATIONS,
        organisation_names=BLOCK_OWNERS,
        editable=issue.status in EDITABLE,
        can_edit={b.id: can_edit_block(user, b) for b in blocks},
        is_admin=user.role is UserRole.ADMIN,
        send_at_value=send_at.strftime("%Y-%m-%dT%H:%M") if send_at else "",
        send_at=send_at,
        figures=figures_html(session, issue) if issue.status in WITH_FIGURES else None,
        translation_gaps=issue_translation_gaps(session, issue),
        translation_languages=[k for k in services().vocabulary.languages if k != "sv"],
        language_labels=services().vocabulary.languages,
    )


@bp.post("/<key>/texter", endpoint="texts")
def texts(key: str) -> Response | tuple[str, int]:
    issue = load_issue(key)
    form = request.form
    try:
        issue, told = update_texts(
            db(),
            issue.id,
            expected_version=_version(),
            title=form.get("title", ""),
            subject=form.get("subject", ""),
            preheader=form.get("preheader", ""),
            intro_md=form.get("intro_md", ""),
            user=current_user(),
            now=now(),
        )
    except ValidationError as exc:
        db().rollback()
        for problem in problems_of(exc):
            flash(problem, "error")
        return redirect(url_for("editor.issues.show", key=key))
    return _finish(issue, told, "Texterna är sparade.")


@bp.post("/<key>/block", endpoint="add_block")
def add(key: str) -> Response:
    issue = load_issue(key)
    block_id = form_int("block_id")
    block = db().get(Block, block_id) if block_id else None
    if block is None:
        flash("Välj ett block att lägga till.", "error")
        return redirect(url_for("editor.issues.show", key=key))
    try:
        issue, told = place_block(
            db(), issue.id, block, expected_version=_version(), user=current_user(), now=now()
        )
    except ValidationError as exc:
        db().rollback()
        flash(str(exc), "error")
        return redirect(url_for("editor.issues.show", key=key))
    return _finish(issue, told, f"Blocket ”{block.title}” är tillagt.")


@bp.post("/<key>/block/<int:block_id>/ta-bort", endpoint="remove_block")
def remove(key: str, block_id: int) -> Response:
    issue = load_issue(key)
    issue, told = remove_block(
        db(), issue.id, block_id, expected_version=_version(), user=current_user(), now=now()
    )
    return _finish(issue, told, "Blocket är borttaget ur utskicket (blocket finns kvar).")


@bp.post("/<key>/block/<int:block_id>/flytta", endpoint="move_block")
def move(key: str, block_id: int) -> Response:
    issue = load_issue(key)
    offset = -1 if request.form.get("riktning") == "upp" else 1
    issue, told = move_block(
        db(),
        issue.id,
        block_id,
        offset,
        expected_version=_version(),
        user=current_user(),
        now=now(),
    )
    return _finish(issue, told, "Ordningen är ändrad.")


@bp.post("/<key>/godkann", endpoint="approve")
def approve_issue(key: str) -> Response:
    user = current_user()
    session = db()
    issue = load_issue(key)
    organisation = request.form.get("organisation", "")
    require_may_approve(user, organisation)
    if services().content_problems(issue):
        flash("Åtgärda problemen under ”Kontroller” innan du godkänner.", "error")
        return redirect(url_for("editor.issues.show", key=key))
    approve(
        session,
        issue,
        user,
        organisation=organisation,
        expected_version=_version(),
        now=now(),
        min_blocks=services().publisher().promise.min_blocks,
    )
    session.commit()
    session.refresh(issue)
    both = issue.status.value == "approved"
    flash(
        f"Du har godkänt version {issue.version} "
        f"för {SIGNING_ORGANISATIONS[user.organisation_key]}."
        + (" Båda organisationerna har nu godkänt." if both else ""),
        "ok",
    )
    return redirect(url_for("editor.issues.show", key=key))


@bp.post("/<key>/aterkalla", endpoint="withdraw")
def withdraw_approval(key: str) -> Response:
    session = db()
    issue = load_issue(key)
    withdraw(session, issue, current_user(), now=now())
    session.commit()
    flash("Ditt godkännande är återkallat.", "ok")
    return redirect(url_for("editor.issues.show", key=key))
