"""The real rendered email, per audience variant and language, at desktop and phone width;
a test to oneself.

Rendering goes through ``Publisher.preview`` — the path sending uses — so what an
editor sees here is what readers get. The message itself is served on its own URL
for the iframe, with a policy that allows its inline styles and nothing else: no
script runs in it, and the iframe is sandboxed besides.
"""

from __future__ import annotations

import secrets
from dataclasses import replace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from tryggnews.content import audit
from tryggnews.content.vocabulary import DEFAULT_LANGUAGE
from tryggnews.delivery.message import MessageTemplate
from tryggnews.errors import LintError, TemplateError
from tryggnews.render.model import RenderedVariant
from tryggnews.transports.base import OutgoingMessage, SendStatus
from tryggnews.web.context import web_context
from tryggnews.web.editor.guard import current_user, db, now
from tryggnews.web.editor.issues import load_issue
from tryggnews.web.editor.services import services

bp = Blueprint("preview", __name__, url_prefix="/redaktion/utskick")
WIDTHS = {"600": "Dator (600 px)", "375": "Mobil (375 px)"}
EVERYONE = "alla"
# The email in the iframe: its own inline styles and images, nothing else, no script.
# Same-origin (but never scripts) so the workspace page can measure its height and
# show the whole message without a scroll bar inside the frame (static/editor.js).
MESSAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; "
    "frame-ancestors 'self'; sandbox allow-same-origin"
)
TEST_UNBUILDABLE = (
    "Testmeddelandet kunde inte byggas: ett värde går inte att sätta i e-postens huvud. "
    "Kontrollera ämnesraden och namnet på ditt konto."
)
# Valid token characters, so the message builds exactly as a real one does.
TEST_TOKEN = "forhandsgranskning"  # noqa: S105 (a stand-in shown in links, not a secret)


@bp.errorhandler(LintError)
@bp.errorhandler(TemplateError)
def cannot_render(error: LintError | TemplateError) -> tuple[str, int]:
    """A text with a control character (or a template fault): say what to fix, never 500."""
    problems = error.problems if isinstance(error, LintError) else [str(error)]
    key = (request.view_args or {}).get("key", "")
    return render_template(
        "editor/message.html",
        title="Utskicket kan inte visas eller skickas som test",
        message="Rätta detta först: " + "; ".join(problems),
        back_url=url_for("editor.issues.show", key=key) if key else None,
    ), 422


def _audience() -> str:
    chosen = request.values.get("malgrupp", EVERYONE)
    return chosen if chosen in web_context().vocabulary.audiences else EVERYONE


def _language() -> str:
    """The language chosen for the preview (``?sprak=``): a declared one, else Swedish."""
    chosen = request.values.get("sprak", DEFAULT_LANGUAGE)
    return chosen if chosen in web_context().vocabulary.languages else DEFAULT_LANGUAGE


def _variant(key: str, audience: str, language: str) -> RenderedVariant:
    issue = load_issue(key)
    everyone = list(web_context().vocabulary.audiences)
    audiences = everyone if audience == EVERYONE else [audience]
    return services().publisher().preview(issue, audiences=audiences, language=language)


@bp.get("/<key>/forhandsgranska", endpoint="show")
def show(key: str) -> str:
    issue = load_issue(key)
    audience, language = _audience(), _language()
    width = request.args.get("bredd", "600")
    if width not in WIDTHS:
        width = "600"
    variant = _variant(key, audience, language)
    return render_template(
        "editor/preview.html",
        issue=issue,
        audience=audience,
        audiences=web_context().vocabulary.audiences,
        everyone=EVERYONE,
        language=language,
        languages=web_context().vocabulary.languages,
        width=width,
        widths=WIDTHS,
        variant=variant,
        frame_url=url_for("editor.preview.message", key=key, malgrupp=audience, sprak=language),
    )


@bp.get("/<key>/forhandsgranska/meddelande", endpoint="message")
def message(key: str) -> Response:
    variant = _variant(key, _audience(), _language())
    response = Response(variant.html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = MESSAGE_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<key>/testutskick", endpoint="send_test")
def send_test(key: str) -> Response:
    user = current_user()
    issue = load_issue(key)
    audience, language = _audience(), _language()
    back = url_for("editor.preview.show", key=key, malgrupp=audience, sprak=language)
    variant = _variant(key, audience, language)
    variant = replace(variant, subject=f"[Test] {variant.subject}")
    messages = services().publisher().messages
    try:
        template = MessageTemplate.from_variant(
            variant,
            sender_name=messages.sender_name,
            sender_address=messages.sender_address,
            list_id_domain=messages.list_id_domain,
            unsubscribe_address=messages.unsubscribe_address,
            base_url=messages.base_url,
            feedback_id=f"{issue.key}:test:trygg",
        )
    except ValueError as exc:
        flash(f"{TEST_UNBUILDABLE} (Tekniskt: {exc})", "error")
        return redirect(back)
    message_id = f"<test.{secrets.token_hex(12)}@{messages.message_id_domain}>"
    try:
        raw = template.build(
            to_address=user.email,
            to_name=user.name or None,
            manage_token=TEST_TOKEN,
            unsubscribe_token=TEST_TOKEN,
            message_id=message_id,
            date=now(),
        )
    except ValueError as exc:  # a name or address stored before the input checks
        flash(f"{TEST_UNBUILDABLE} (Tekniskt: {exc})", "error")
        return redirect(back)
    results = web_context().transport.send(
        [OutgoingMessage(delivery_id=0, recipient=user.email, message_id=message_id, raw=raw)]
    )
    audit.record(
        db(),
        actor=user.email,
        action="issue.test_sent",
        object_type="issue",
        object_id=issue.key,
        details={
            "audience": audience,
            "language": language,
            "version": issue.version,
            "to": user.email,
        },
        at=now(),
    )
    db().commit()
    if results and results[0].status is SendStatus.ACCEPTED:
        flash(f"Ett testmeddelande är skickat till {user.email}.", "ok")
    else:
        detail = results[0].detail if results else "inget svar"
        flash(f"Testmeddelandet kunde inte skickas ({detail}).", "error")
    return redirect(back)
