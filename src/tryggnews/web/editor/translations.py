"""Translations in the workspace: per block which languages exist, are missing or stale;
a form per language (block texts, and an issue's title, subject, preheader and intro);
the block's language policy; and the gaps an approver sees before approving.

Saving goes through ``editors.translations`` (permissions, lock, audit, withdrawn
approvals); every form carries the CSRF token like the workspace's other forms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from tryggnews.content.approvals import WithdrawnApproval
from tryggnews.content.issues import issue_blocks
from tryggnews.content.translations import (
    POLICY_LABELS,
    STATE_WORDS,
    TranslationInput,
    adjective,
    block_states,
    readers_by_language,
    translation_gaps,
    translation_languages,
)
from tryggnews.content.views import block_view, issue_view
from tryggnews.content.vocabulary import Vocabulary
from tryggnews.db.models import Issue
from tryggnews.editors.blocks import block_locked_reason, can_edit_block, get_block
from tryggnews.editors.mail import withdrawn_notice
from tryggnews.editors.translations import set_language_policy, translate_block, translate_issue
from tryggnews.errors import NotFoundError, ValidationError
from tryggnews.i18n import direction
from tryggnews.web.editor.forms import problems_of, send_and_report
from tryggnews.web.editor.guard import current_user, db, now
from tryggnews.web.editor.services import services

bp = Blueprint("translations", __name__, url_prefix="/redaktion")


def issue_translation_gaps(session: Session, issue: Issue) -> list[str]:
    """What the issue page shows above the approval buttons (see ``translation_gaps``)."""
    blocks = [block_view(b) for b in issue_blocks(issue)]
    vocabulary = services().vocabulary
    return translation_gaps(issue_view(issue), blocks, vocabulary, readers_by_language(session))


def _language(lang: str) -> str:
    if lang not in translation_languages(services().vocabulary):
        raise NotFoundError(f"Språket {lang!r} finns inte bland språken i audiences.toml.")
    return lang


def _page_of_block(block_id: int, **extra: object) -> str:
    block = get_block(db(), block_id)
    languages = translation_languages(services().vocabulary)
    return render_template(
        "editor/translations.html",
        block=block,
        view=block_view(block),
        states=block_states(block_view(block), languages),
        state_words=STATE_WORDS,
        policies=POLICY_LABELS,
        labels=services().vocabulary.languages,
        locked=block_locked_reason(db(), block),
        may_edit=can_edit_block(current_user(), block),
        **extra,
    )


def _language_shown(lang: str, vocabulary: Vocabulary, *, stale: bool) -> dict[str, Any]:
    """What the two translation forms show of the language they edit."""
    return {
        "lang": lang,
        "dir": direction(lang),
        "label": vocabulary.languages[lang],
        "what": adjective(lang, vocabulary),
        "stale": stale,
    }


def _save(
    edit: Callable[[], list[WithdrawnApproval]], done: str, then: str
) -> Response | list[str]:
    """Run an edit that may withdraw approvals: commit it, mail whoever lost an approval,
    say ``done`` and go to ``then``; or roll back and give the problems for the form."""
    session = db()
    try:
        told = edit()
    except ValidationError as exc:
        session.rollback()
        return problems_of(exc)
    session.commit()
    send_and_report([withdrawn_notice(w, services().issue_url(w.issue_key)) for w in told])
    flash(done, "ok")
    return redirect(then)


@bp.get("/block/<int:block_id>/oversattningar", endpoint="block")
def block_page(block_id: int) -> str:
    return _page_of_block(block_id)


@bp.route(
    "/block/<int:block_id>/oversattningar/<lang>", methods=["GET", "POST"], endpoint="block_form"
)
def block_form(block_id: int, lang: str) -> str | Response | tuple[str, int]:
    session, vocabulary = db(), services().vocabulary
    block = get_block(session, block_id)
    lang = _language(lang)
    text = block_view(block).translation(lang)
    data = TranslationInput(
        language=lang,
        title=text.title if text else "",
        body_md=text.body_md if text else "",
        cta_label=text.cta_label if text else None,
        image_alt=text.image_alt if text else None,
    )
    problems: list[str] = []
    if request.method == "POST":
        if not can_edit_block(current_user(), block):
            abort(403)
        form = request.form
        data = TranslationInput(
            language=lang,
            title=form.get("title", ""),
            body_md=form.get("body_md", ""),
            cta_label=form.get("cta_label") or None,
            image_alt=form.get("image_alt") or None,
        )
        saved = _save(
            lambda: translate_block(
                session, current_user(), block_id, data, vocabulary=vocabulary, now=now()
            ),
            f"Den {adjective(lang, vocabulary)}en av ”{block.title}” är sparad.",
            url_for("editor.translations.block", block_id=block_id),
        )
        if isinstance(saved, Response):
            return saved
        problems = saved
    page = render_template(
        "editor/translation_form.html",
        block=block,
        data=data,
        problems=problems,
        locked=block_locked_reason(session, block),
        **_language_shown(lang, vocabulary, stale=bool(text and text.stale)),
    )
    return (page, 400) if problems else page


@bp.post("/block/<int:block_id>/sprakval", endpoint="policy")
def policy(block_id: int) -> Response | tuple[str, int]:
    saved = _save(
        lambda: set_language_policy(
            db(), current_user(), block_id, request.form.get("policy", ""), now=now()
        ),
        "Språkvalet är sparat.",
        url_for("editor.translations.block", block_id=block_id),
    )
    if isinstance(saved, Response):
        return saved
    return _page_of_block(block_id, problems=saved), 400


@bp.route("/utskick/<key>/oversattningar/<lang>", methods=["GET", "POST"], endpoint="issue")
def issue_form(key: str, lang: str) -> str | Response | tuple[str, int]:
    session, vocabulary = db(), services().vocabulary
    issue = session.scalar(select(Issue).where(Issue.key == key))
    if issue is None:
        raise NotFoundError(f"Det finns inget utskick {key}.")
    lang = _language(lang)
    text = next((t for t in issue_view(issue).translations if t.language == lang), None)
    data = TranslationInput(
        language=lang,
        title=text.title if text else "",
        subject=text.subject if text else "",
        preheader=text.preheader if text else "",
        body_md=text.intro_md if text else "",
    )
    problems: list[str] = []
    if request.method == "POST":
        form = request.form
        data = TranslationInput(
            language=lang,
            title=form.get("title", ""),
            subject=form.get("subject", ""),
            preheader=form.get("preheader", ""),
            body_md=form.get("intro_md", ""),
        )
        saved = _save(
            lambda: translate_issue(
                session, current_user(), issue.id, data, vocabulary=vocabulary, now=now()
            ),
            f"Den {adjective(lang, vocabulary)}en av utskick {key} är sparad.",
            url_for("editor.issues.show", key=key),
        )
        if isinstance(saved, Response):
            return saved
        problems = saved
    page = render_template(
        "editor/issue_translation.html",
        issue=issue,
        data=data,
        problems=problems,
        **_language_shown(lang, vocabulary, stale=bool(text and text.stale)),
    )
    return (page, 400) if problems else page
