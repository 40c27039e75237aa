"""The public archive seen by administrators: what the public can read of each sent
issue, and taking an issue or one block off the archive (with a reason) or back on."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from tryggnews.archive.withdrawal import (
    archive_standings,
    restore_block,
    restore_issue,
    withdraw_block,
    withdraw_issue,
)
from tryggnews.errors import ValidationError
from tryggnews.web.context import web_context
from tryggnews.web.editor.guard import current_user, db, now, require_admin

bp = Blueprint("archive_admin", __name__, url_prefix="/redaktion/arkiv")
bp.before_request(require_admin)


def _back(anchor: str = "") -> Response:
    return redirect(url_for("editor.archive_admin.index") + (f"#{anchor}" if anchor else ""))


def _done(message: str, anchor: str) -> Response:
    db().commit()
    flash(message, "ok")
    return _back(anchor)


def _refused(error: ValidationError, anchor: str) -> Response:
    db().rollback()
    flash(str(error), "error")
    return _back(anchor)


@bp.get("/", endpoint="index")
def index() -> str:
    return render_template(
        "editor/archive.html",
        issues=archive_standings(db()),
        site=web_context().settings.public_url.rstrip("/"),
    )


@bp.post("/<key>/ta-bort", endpoint="withdraw_issue")
def withdraw_issue_view(key: str) -> Response:
    try:
        withdraw_issue(
            db(), key, reason=request.form.get("reason", ""), actor=current_user().email, now=now()
        )
    except ValidationError as error:
        return _refused(error, f"utskick-{key}")
    return _done(f"Utskick {key} är borttaget från arkivet. Sidan svarar nu 410.", f"utskick-{key}")


@bp.post("/<key>/aterstall", endpoint="restore_issue")
def restore_issue_view(key: str) -> Response:
    try:
        restore_issue(db(), key, actor=current_user().email, now=now())
    except ValidationError as error:
        return _refused(error, f"utskick-{key}")
    return _done(f"Utskick {key} finns i arkivet igen.", f"utskick-{key}")


@bp.post("/block/<int:block_id>/ta-bort", endpoint="withdraw_block")
def withdraw_block_view(block_id: int) -> Response:
    try:
        withdraw_block(
            db(),
            block_id,
            reason=request.form.get("reason", ""),
            actor=current_user().email,
            now=now(),
        )
    except ValidationError as error:
        return _refused(error, f"block-{block_id}")
    return _done(f"Block {block_id} visas inte längre i arkivet eller flödet.", f"block-{block_id}")


@bp.post("/block/<int:block_id>/aterstall", endpoint="restore_block")
def restore_block_view(block_id: int) -> Response:
    try:
        restore_block(db(), block_id, actor=current_user().email, now=now())
    except ValidationError as error:
        return _refused(error, f"block-{block_id}")
    return _done(f"Block {block_id} visas i arkivet igen.", f"block-{block_id}")
