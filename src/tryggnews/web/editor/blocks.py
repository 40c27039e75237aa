"""Block pages: list, write, edit (with a Markdown preview), copy."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from tryggnews.content import audit
from tryggnews.content.blocks import BlockInput
from tryggnews.content.issues import get_issue
from tryggnews.content.organisations import BLOCK_OWNERS
from tryggnews.content.vocabulary import FOCUS_AREAS
from tryggnews.db.models import Block
from tryggnews.editors.blocks import (
    block_locked_reason,
    can_edit_block,
    copy_block,
    edit_block,
    get_block,
    issues_with_block,
    list_blocks_for,
    new_block,
    organisations_for,
)
from tryggnews.editors.issue_edits import place_block
from tryggnews.editors.mail import withdrawn_notice
from tryggnews.editors.media import store_image
from tryggnews.errors import ValidationError
from tryggnews.render.markdown import render_markdown
from tryggnews.web.editor.forms import form_int, problems_of, send_and_report
from tryggnews.web.editor.guard import current_user, db, now
from tryggnews.web.editor.services import services

bp = Blueprint("blocks", __name__, url_prefix="/redaktion/block")


@bp.get("/", endpoint="index")
def index() -> str:
    user = current_user()
    organisation = request.args.get("organisation", "")
    if organisation not in BLOCK_OWNERS:
        organisation = ""
    evergreen = True if request.args.get("ateranvandbara") == "1" else None
    blocks = list_blocks_for(db(), organisation=organisation, evergreen=evergreen)
    return render_template(
        "editor/blocks.html",
        blocks=blocks,
        organisation=organisation,
        evergreen=evergreen,
        can_edit={b.id: can_edit_block(user, b) for b in blocks},
    )


def _input_from_form(existing: Block | None) -> tuple[BlockInput, list[str]]:
    """The submitted block, with an uploaded image stored; upload problems listed apart."""
    user = current_user()
    form = request.form
    problems: list[str] = []
    image_url = form.get("image_url", "").strip() or None
    upload = request.files.get("image_file")
    if upload is not None and upload.filename:
        try:
            name = store_image(services().settings.media_dir, upload.read())
        except ValidationError as exc:
            problems += problems_of(exc)
        else:
            image_url = f"{services().settings.base_url}/media/{name}"
            # Committed with the block; a form refused later leaves the file unused.
            audit.record(
                db(),
                actor=user.email,
                action="media.upload",
                object_type="media",
                object_id=name,
                details={"bytes": upload.content_length or None, "filename": upload.filename},
                at=now(),
            )
    if form.get("remove_image") == "1":
        image_url = None
    default_org = existing.organisation_key if existing else organisations_for(user)[0]
    data = BlockInput(
        title=form.get("title", ""),
        body_md=form.get("body_md", ""),
        organisation=form.get("organisation", default_org),
        focus_area=form.get("focus_area", ""),
        author=user.email,
        audiences=[a for a in form.getlist("audiences") if a],
        image_url=image_url,
        image_alt=form.get("image_alt", "").strip() or None,
        cta_url=form.get("cta_url", "").strip() or None,
        cta_label=form.get("cta_label", "").strip() or None,
        evergreen=form.get("evergreen") == "1",
    )
    return data, problems


def _render_form(
    data: BlockInput,
    *,
    block: Block | None,
    problems: list[str] | None = None,
    preview: bool = False,
    issue_key: str = "",
    status: int = 200,
) -> tuple[str, int]:
    user = current_user()
    return render_template(
        "editor/block_form.html",
        data=data,
        block=block,
        version=block.version if block else None,
        problems=problems or [],
        preview_html=render_markdown(data.body_md) if (preview or block) and data.body_md else "",
        organisations=organisations_for(user)
        if block is None
        else (list(BLOCK_OWNERS) if user.role.value == "admin" else [block.organisation_key]),
        organisation_names=BLOCK_OWNERS,
        focus_areas=FOCUS_AREAS,
        audiences=services().vocabulary.audiences,
        issues=issues_with_block(db(), block.id) if block else [],
        locked=block_locked_reason(db(), block) if block else None,
        issue_key=issue_key,
    ), status


@bp.route("/nytt", methods=["GET", "POST"], endpoint="new")
def new() -> str | Response | tuple[str, int]:
    user = current_user()
    issue_key = request.values.get("utskick", "")
    if request.method == "GET":
        empty = BlockInput(
            title="",
            body_md="",
            organisation=organisations_for(user)[0],
            focus_area="",
            author=user.email,
        )
        return _render_form(empty, block=None, issue_key=issue_key)
    data, problems = _input_from_form(None)
    if request.form.get("action") == "preview" or problems:
        return _render_form(
            data,
            block=None,
            problems=problems,
            preview=True,
            issue_key=issue_key,
            status=400 if problems else 200,
        )
    session = db()
    try:
        block = new_block(session, user, data, vocabulary=services().vocabulary, now=now())
        notices = []
        if issue_key:
            issue = get_issue(session, issue_key)
            _, told = place_block(
                session, issue.id, block, expected_version=issue.version, user=user, now=now()
            )
            notices = [withdrawn_notice(w, services().issue_url(issue.key)) for w in told]
    except ValidationError as exc:
        session.rollback()
        return _render_form(
            data, block=None, problems=problems_of(exc), issue_key=issue_key, status=400
        )
    session.commit()
    send_and_report(notices)
    flash(f"Blocket ”{block.title}” är sparat.", "ok")
    if issue_key:
        return redirect(url_for("editor.issues.show", key=issue_key))
    return redirect(url_for("editor.blocks.edit", block_id=block.id))


@bp.route("/<int:block_id>", methods=["GET", "POST"], endpoint="edit")
def edit(block_id: int) -> str | Response | tuple[str, int]:
    user = current_user()
    session = db()
    block = get_block(session, block_id)
    if request.method == "GET":
        return _render_form(_input_of(block), block=block)
    if not can_edit_block(user, block):
        abort(403)
    data, problems = _input_from_form(block)
    if request.form.get("action") == "preview" or problems:
        return _render_form(
            data, block=block, problems=problems, preview=True, status=400 if problems else 200
        )
    version = form_int("version")
    if version is None:
        abort(400)
    try:
        block, told = edit_block(
            session,
            user,
            block_id,
            data,
            vocabulary=services().vocabulary,
            expected_version=version,
            now=now(),
        )
    except ValidationError as exc:
        session.rollback()
        return _render_form(data, block=block, problems=problems_of(exc), status=400)
    session.commit()
    send_and_report([withdrawn_notice(w, services().issue_url(w.issue_key)) for w in told])
    flash(f"Blocket ”{block.title}” är sparat.", "ok")
    return redirect(url_for("editor.blocks.edit", block_id=block.id))


@bp.post("/<int:block_id>/kopiera", endpoint="copy")
def copy(block_id: int) -> Response:
    session = db()
    block = copy_block(
        session, current_user(), block_id, vocabulary=services().vocabulary, now=now()
    )
    session.commit()
    flash(f"En kopia av blocket är skapad: ”{block.title}”.", "ok")
    return redirect(url_for("editor.blocks.edit", block_id=block.id))


@bp.post("/forhandsvisning", endpoint="preview")
def preview() -> tuple[str, int, dict[str, str]]:
    """The Markdown as readers will get it (sanitised), for the live preview script."""
    html = render_markdown(request.form.get("body_md", ""))
    return html, 200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


def _input_of(block: Block) -> BlockInput:
    return BlockInput(
        title=block.title,
        body_md=block.body_md,
        organisation=block.organisation_key,
        focus_area=block.focus_area_key,
        author=block.author,
        audiences=list(block.audiences),
        image_url=block.image_url,
        image_alt=block.image_alt,
        cta_url=block.cta_url,
        cta_label=block.cta_label,
        evergreen=block.evergreen,
    )
