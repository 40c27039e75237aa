"""Unsubscribing through the link in every newsletter: the page, its button, and the
RFC 8058 one-click endpoint.

``POST /u/<token>`` is the RFC 8058 one-click endpoint that mail providers call:
no CSRF token, no cookie, no redirect, 200. ``GET`` on the same address only shows
a page with a button (mail scanners fetch links); that button's form, behind the
signed link, needs no session CSRF token either (``signed_forms``).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from tryggnews.db.models import SubscriberStatus
from tryggnews.followup.origin import latest_issue_origin
from tryggnews.subscribers.lifecycle import unsubscribe
from tryggnews.subscribers.tokens import TokenPurpose
from tryggnews.web.context import csrf, web_context
from tryggnews.web.public.links import load_subscriber, make_manage_url
from tryggnews.web.public.signed_forms import signed_link_form
from tryggnews.web.public.state import actor

ONE_CLICK_FIELD = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/u/<token>", view_func=unsubscribe_page, methods=["GET"])
    bp.add_url_rule(
        "/u/<token>/bekrafta", view_func=signed_link_form(unsubscribe_button), methods=["POST"]
    )
    bp.add_url_rule("/u/<token>", view_func=one_click_unsubscribe, methods=["POST"])
    bp.add_url_rule("/u/", view_func=unsubscribe_without_token, methods=["GET", "POST"])
    # Mail providers post without a CSRF token: the signed token in the path is the proof.
    csrf.exempt(one_click_unsubscribe)
    csrf.exempt(unsubscribe_without_token)


def unsubscribe_page(token: str) -> str:
    with web_context().session_factory() as session:
        subscriber = load_subscriber(session, TokenPurpose.UNSUBSCRIBE, token)
        if subscriber.status is SubscriberStatus.UNSUBSCRIBED:
            return render_template(
                "public/unsubscribed.html", already=True, manage_url=make_manage_url(subscriber)
            )
        return render_template(
            "public/unsubscribe.html",
            token=token,
            email=subscriber.email,
            manage_url=make_manage_url(subscriber),
        )


def unsubscribe_button(token: str) -> str:
    by = actor("link")
    with web_context().session_factory.begin() as session:
        subscriber = load_subscriber(session, TokenPurpose.UNSUBSCRIBE, token)
        origin = latest_issue_origin(session, subscriber.id)
        unsubscribe(session, subscriber, by=by, details=origin)
        manage_url = make_manage_url(subscriber)
    return render_template("public/unsubscribed.html", already=False, manage_url=manage_url)


def one_click_unsubscribe(token: str) -> tuple[str, int]:
    """RFC 8058: the mail provider posts ``List-Unsubscribe=One-Click``; 200, no redirect.

    The page rendered has no form and reads nothing into the session, so the
    response sets no cookie.
    """
    if request.form.get(ONE_CLICK_FIELD) != ONE_CLICK_VALUE:
        return render_template("public/link_invalid.html", reason="not-one-click"), 400
    by = actor("one-click")
    with web_context().session_factory.begin() as session:
        subscriber = load_subscriber(session, TokenPurpose.UNSUBSCRIBE, token)
        origin = latest_issue_origin(session, subscriber.id)
        unsubscribe(session, subscriber, by=by, details=origin)
    return render_template("public/unsubscribed.html", already=False, manage_url=None), 200


def unsubscribe_without_token() -> tuple[str, int]:
    return render_template("public/link_invalid.html", reason="malformed"), 400
