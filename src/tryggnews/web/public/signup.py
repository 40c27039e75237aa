"""Signing up: the sign-up form, the confirmation link and "email me my link".

The sign-up and link forms answer with the same redirect whatever the address is;
their emails go out from a background thread (``mailer``). The confirmation link
shows a page with a button on ``GET`` and confirms only on the ``POST`` (behind the
signed link: ``signed_forms``): a mail scanner that opens the link must not confirm a sign-up on the
owner's behalf.

These are the only pages that send email and the only ones rate-limited, so the
sending and the limits live here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from tryggnews.db.models import SubscriberStatus
from tryggnews.subscribers.emails import normalise_email
from tryggnews.subscribers.lifecycle import (
    SUBSCRIBED,
    ConfirmResult,
    Recipient,
    SignUpNotice,
    confirm,
    find_subscriber,
    sign_up,
)
from tryggnews.subscribers.notices import confirmation_notice, link_notice
from tryggnews.subscribers.suppression import address_hash, is_suppressed
from tryggnews.subscribers.texts import ConsentText, current_text
from tryggnews.subscribers.tokens import TokenPurpose
from tryggnews.web.context import csrf, web_context
from tryggnews.web.i18n import current_language
from tryggnews.web.public.embedding import embeddable, posted_from_trusted_origin
from tryggnews.web.public.forms import LinkRequestForm, SignUpForm, read_choices, text_shown
from tryggnews.web.public.links import load_subscriber, make_manage_url
from tryggnews.web.public.shared_pages import shared_page
from tryggnews.web.public.signed_forms import signed_link_form
from tryggnews.web.public.state import actor, public_state

T = TypeVar("T")


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/", view_func=index, methods=["GET"])
    # The sign-up pages may be framed by, and posted to from, the organisations' own
    # websites (embedding.py); the view checks the CSRF token or the Origin itself.
    bp.add_url_rule(
        "/prenumerera", view_func=csrf.exempt(embeddable(sign_up_page)), methods=["GET", "POST"]
    )
    bp.add_url_rule("/prenumerera/skickat", view_func=embeddable(sign_up_sent), methods=["GET"])
    bp.add_url_rule(
        "/bekrafta/<token>", view_func=signed_link_form(confirm_page), methods=["GET", "POST"]
    )
    bp.add_url_rule("/min-lank", view_func=link_request_page, methods=["GET", "POST"])
    bp.add_url_rule("/min-lank/skickad", view_func=link_request_sent, methods=["GET"])


# --- helpers -----------------------------------------------------------------


def _external(endpoint: str, **values: Any) -> str:
    """An absolute URL for an email: the ``base_url`` setting, never the request's Host."""
    path = url_for(endpoint, **values)[len(request.script_root) :]
    return web_context().settings.base_url + path


def _in_transaction(work: Callable[[Session], T]) -> T:
    """Run ``work`` in one transaction; once more if a parallel request inserted the
    same address first (the unique key on ``email_key`` refuses the second)."""
    factory = web_context().session_factory
    try:
        with factory.begin() as session:
            return work(session)
    except IntegrityError:
        with factory.begin() as session:
            return work(session)


def _confirm_max_age() -> int:
    return web_context().settings.confirm_token_hours * 3600


def _client_allowed() -> None:
    if not public_state().limits.by_ip.hit(request.remote_addr or "unknown"):
        abort(429)


def _address_allowed(email: str) -> bool:
    """Per-address limit, on the keyed hash; a refused attempt sends nothing but
    answers the same, so the limit reveals nothing about the address either."""
    _address, email_key = normalise_email(email)
    key = address_hash(web_context().settings.require_secret_key(), email_key)
    return public_state().limits.by_address.hit(key)


def _send_confirmation(recipient: Recipient) -> None:
    context = web_context()
    token = context.signer.confirm_token(recipient.subscriber_id, recipient.token_salt)
    public_state().mailer.submit(
        confirmation_notice(
            public_state().notices,
            to=recipient.email,
            confirm_url=_external("public.confirm_page", token=token),
            now=context.clock.now(),
            language=recipient.language,
        )
    )


def _send_link(recipient: Recipient) -> None:
    context = web_context()
    signer = context.signer
    public_state().mailer.submit(
        link_notice(
            public_state().notices,
            to=recipient.email,
            manage_url=_external(
                "public.preferences",
                token=signer.manage_token(recipient.subscriber_id, recipient.token_salt),
            ),
            unsubscribe_url=_external(
                "public.unsubscribe_page",
                token=signer.unsubscribe_token(recipient.subscriber_id, recipient.token_salt),
            ),
            now=context.clock.now(),
            language=recipient.language,
        )
    )


def _render_form(template: str, status: int, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


# --- sign-up -----------------------------------------------------------------


def index() -> BaseResponse:
    return redirect(url_for("public.sign_up_page"))


def sign_up_page() -> BaseResponse | tuple[str, int]:
    # The consent text in the page's language: its own version and hash go to the ledger.
    text = current_text(web_context().settings.legal_basis, current_language())
    if request.method == "GET":  # the same page for every visitor but its CSRF token
        return shared_page(
            "public/sign_up.html",
            lambda: {"form": SignUpForm(vocabulary=web_context().vocabulary), "text": text},
        ), 200
    form = SignUpForm(vocabulary=web_context().vocabulary)
    if posted_from_trusted_origin():
        g.csrf_valid = True  # the Origin stands in for the token (see embedding.py)
    else:
        csrf.protect()
    _client_allowed()
    if not form.validate():
        return _render_form("public/sign_up.html", 422, form=form, text=text)
    _sign_up(form, text_shown(text))
    return redirect(url_for("public.sign_up_sent"), code=303)


def _sign_up(form: SignUpForm, text: ConsentText) -> None:
    email = form.email.data.strip()
    if not _address_allowed(email):
        return
    choices = read_choices(form)
    by = actor("form")
    outcome = _in_transaction(lambda session: sign_up(session, email, choices, text=text, by=by))
    if outcome.recipient is None:
        return
    if outcome.notice is SignUpNotice.CONFIRM:
        _send_confirmation(outcome.recipient)
    elif outcome.notice is SignUpNotice.LINK:
        _send_link(outcome.recipient)


def sign_up_sent() -> str:
    return render_template("public/sign_up_sent.html")


def confirm_page(token: str) -> str:
    if request.method == "GET":
        with web_context().session_factory() as session:
            subscriber = load_subscriber(
                session, TokenPurpose.CONFIRM, token, max_age=_confirm_max_age()
            )
            if subscriber.status in SUBSCRIBED:
                return render_template(
                    "public/confirmed.html", already=True, manage_url=make_manage_url(subscriber)
                )
            return render_template("public/confirm.html", email=subscriber.email)
    by = actor("link")
    with web_context().session_factory.begin() as session:
        subscriber = load_subscriber(
            session, TokenPurpose.CONFIRM, token, max_age=_confirm_max_age()
        )
        result = confirm(session, subscriber, by=by)
        manage_url = make_manage_url(subscriber)
    if result is ConfirmResult.BLOCKED:
        return render_template("public/blocked.html")
    return render_template(
        "public/confirmed.html", already=result is ConfirmResult.ALREADY, manage_url=manage_url
    )


# --- "email me my link" ------------------------------------------------------


def link_request_page() -> BaseResponse | tuple[str, int]:
    form = LinkRequestForm()
    if request.method == "GET":
        return _render_form("public/link_request.html", 200, form=form)
    _client_allowed()
    if not form.validate():
        return _render_form("public/link_request.html", 422, form=form)
    email = form.email.data.strip()
    if _address_allowed(email):
        _send_own_link(email)
    return redirect(url_for("public.link_request_sent"), code=303)


def _send_own_link(email: str) -> None:
    _address, email_key = normalise_email(email)
    secret_key = web_context().settings.require_secret_key()
    with web_context().session_factory() as session:
        if is_suppressed(session, address_hash(secret_key, email_key)):
            return
        subscriber = find_subscriber(session, email_key)
        if subscriber is None:
            return
        recipient = Recipient.of(subscriber)
        pending = subscriber.status is SubscriberStatus.PENDING
    if pending:
        _send_confirmation(recipient)
    else:
        _send_link(recipient)


def link_request_sent() -> str:
    return render_template("public/link_sent.html")
