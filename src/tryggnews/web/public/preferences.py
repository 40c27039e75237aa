"""The preference centre at ``/p/<token>``: choices, pause and resume, unsubscribe
and resubscribe; behind links of its own, the person's stored data (a page and a
download) and erasure.

Every view here is reached through the manage link (``TokenPurpose.MANAGE``) and
changes only the person that link names.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from tryggnews.db.models import SubscriberStatus
from tryggnews.followup.origin import latest_issue_origin
from tryggnews.subscribers.gdpr import erase, export_person
from tryggnews.subscribers.lifecycle import (
    ConfirmResult,
    change_preferences,
    pause,
    resubscribe,
    resume,
    unsubscribe,
)
from tryggnews.subscribers.texts import current_text
from tryggnews.subscribers.tokens import TokenPurpose
from tryggnews.web.context import web_context
from tryggnews.web.i18n import current_language, local_date, use_language
from tryggnews.web.i18n import gettext as _
from tryggnews.web.public import preference_page
from tryggnews.web.public.forms import PauseForm, PreferencesForm, read_choices, text_shown
from tryggnews.web.public.labels import LOCAL
from tryggnews.web.public.links import load_subscriber, view_person
from tryggnews.web.public.signed_forms import signed_link_form
from tryggnews.web.public.state import actor
from tryggnews.web.public.stored import stored_data


def register(bp: Blueprint) -> None:
    preference_page.register(bp)
    bp.add_url_rule("/p/<token>", view_func=preferences, methods=["GET"])
    # The link is the secret: no session CSRF token on these forms (signed_forms.py).
    posts = [
        ("/p/<token>", save_preferences, ["POST"]),
        ("/p/<token>/pausa", pause_page, ["POST"]),
        ("/p/<token>/fortsatt", resume_page, ["POST"]),
        ("/p/<token>/avsluta", unsubscribe_all, ["POST"]),
        ("/p/<token>/prenumerera-igen", resubscribe_page, ["POST"]),
        ("/p/<token>/radera", erase_page, ["GET", "POST"]),
    ]
    for rule, view, methods in posts:
        bp.add_url_rule(rule, view_func=signed_link_form(view), methods=methods)
    bp.add_url_rule("/p/<token>/mina-uppgifter", view_func=stored_data, methods=["GET"])
    bp.add_url_rule("/p/<token>/mina-uppgifter.json", view_func=download_data, methods=["GET"])


def preferences(token: str) -> tuple[str, int]:
    return preference_page.render_page(view_person(TokenPurpose.MANAGE, token), token)


def save_preferences(token: str) -> BaseResponse | tuple[str, int]:
    form = PreferencesForm(vocabulary=web_context().vocabulary)
    by = actor("link")
    with web_context().session_factory.begin() as session:
        subscriber = load_subscriber(session, TokenPurpose.MANAGE, token)
        form.owner_email = subscriber.email  # staff audiences accept some domains only
        if not form.validate():
            return preference_page.render_page(subscriber, token, form=form, status=422)
        choices = read_choices(form)
        changed = change_preferences(session, subscriber, choices, by=by)
    # The language just chosen is the page's from now on: the message already speaks it.
    use_language(choices.language)
    saved = _("Dina val är sparade.")
    flash(saved if changed else _("Inget ändrades: dina val var redan de här."), "ok")
    return redirect(url_for("public.preferences", token=token), code=303)


def pause_page(token: str) -> BaseResponse | tuple[str, int]:
    by = actor("link")
    form = PauseForm(today=by.now.astimezone(LOCAL).date())
    with web_context().session_factory.begin() as session:
        subscriber = load_subscriber(session, TokenPurpose.MANAGE, token)
        if subscriber.status is not SubscriberStatus.ACTIVE:
            flash(_("Bara en aktiv prenumeration kan pausas."), "error")
            return redirect(url_for("public.preferences", token=token), code=303)
        if not form.validate() or form.until_date is None:
            return preference_page.render_page(subscriber, token, pause_form=form, status=422)
        # "Till och med" the chosen day: sending resumes at the start of the next one.
        until = datetime.combine(form.until_date + timedelta(days=1), time(0), tzinfo=LOCAL)
        pause(session, subscriber, until, by=by)
    flash(_("Utskicken är pausade till och med %(day)s.", day=local_date(form.until_date)), "ok")
    return redirect(url_for("public.preferences", token=token), code=303)


def resume_page(token: str) -> BaseResponse:
    by = actor("link")
    with web_context().session_factory.begin() as session:
        resume(session, load_subscriber(session, TokenPurpose.MANAGE, token), by=by)
    flash(_("Pausen är avslutad. Du får nästa nyhetsbrev."), "ok")
    return redirect(url_for("public.preferences", token=token), code=303)


def unsubscribe_all(token: str) -> BaseResponse:
    by = actor("link")
    with web_context().session_factory.begin() as session:
        subscriber = load_subscriber(session, TokenPurpose.MANAGE, token)
        origin = latest_issue_origin(session, subscriber.id)
        unsubscribe(session, subscriber, by=by, details=origin)
    flash(_("Din prenumeration är avslutad. Du får inga fler nyhetsbrev."), "ok")
    return redirect(url_for("public.preferences", token=token), code=303)


def resubscribe_page(token: str) -> BaseResponse | str:
    by = actor("link")
    text = text_shown(current_text(web_context().settings.legal_basis, current_language()))
    with web_context().session_factory.begin() as session:
        result = resubscribe(
            session, load_subscriber(session, TokenPurpose.MANAGE, token), text=text, by=by
        )
    if result is ConfirmResult.BLOCKED:
        return render_template("public/blocked.html")
    flash(_("Välkommen tillbaka! Du får nyhetsbrevet igen."), "ok")
    return redirect(url_for("public.preferences", token=token), code=303)


def download_data(token: str) -> Response:
    context = web_context()
    with context.session_factory() as session:
        subscriber = load_subscriber(session, TokenPurpose.MANAGE, token)
        data = export_person(
            session,
            email_key=subscriber.email_key,
            secret_key=context.settings.require_secret_key(),
            now=context.clock.now(),
        )
    body = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        'attachment; filename="trygg-i-osteraker-mina-uppgifter.json"'
    )
    return response


def erase_page(token: str) -> str:
    if request.method == "GET":
        with web_context().session_factory() as session:
            subscriber = load_subscriber(session, TokenPurpose.MANAGE, token)
            return render_template("public/erase.html", token=token, email=subscriber.email)
    by = actor("link")
    with web_context().session_factory.begin() as session:
        erase(session, load_subscriber(session, TokenPurpose.MANAGE, token), by=by)
    return render_template("public/erased.html")
