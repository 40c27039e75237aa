"""The public pages, in Swedish: sign-up, confirmation, preference centre, "email me my
link", one-click unsubscribe and the accessibility statement.

Links in emails carry signed tokens (``subscribers.tokens``); a token is accepted
only for its purpose and while it names the person's current ``token_salt``. Any
bad link — tampered, expired, meant for something else, revoked, or for someone
erased — gets one friendly page with status 400, and nothing changes.

``POST /u/<token>`` is the RFC 8058 one-click endpoint that mail providers call:
no CSRF token, no cookie, no redirect, 200. ``GET`` on the same address only shows
a page with a button (mail scanners fetch links), and that button is an ordinary
CSRF-protected form. The confirmation link works the same way, for the same
reason: a scanner that opens it must not confirm a sign-up on the owner's behalf.

The sign-up and link forms answer with the same redirect whatever the address is;
their emails go out from a background thread (``public_mailer``).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.sansio.blueprints import BlueprintSetupState
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from tryggnews.content.vocabulary import DEFAULT_LANGUAGE
from tryggnews.db.models import Subscriber, SubscriberStatus
from tryggnews.errors import TokenError
from tryggnews.render.dates import MONTHS
from tryggnews.subscribers.emails import normalise_email
from tryggnews.subscribers.gdpr import erase, export_person
from tryggnews.subscribers.lifecycle import (
    SUBSCRIBED,
    Actor,
    Choices,
    ConfirmResult,
    Recipient,
    SignUpNotice,
    change_preferences,
    confirm,
    find_subscriber,
    is_paused,
    pause,
    resubscribe,
    resume,
    sign_up,
    unsubscribe,
)
from tryggnews.subscribers.notices import NoticeSettings, confirmation_notice, link_notice
from tryggnews.subscribers.suppression import address_hash, is_suppressed
from tryggnews.subscribers.texts import ConsentText, current_text, text_by_version
from tryggnews.subscribers.tokens import TokenPurpose
from tryggnews.web.context import csrf, web_context
from tryggnews.web.public_forms import (
    ChoicesFields,
    LinkRequestForm,
    PauseForm,
    PreferencesForm,
    SignUpForm,
)
from tryggnews.web.public_limits import PublicLimits
from tryggnews.web.public_mailer import BackgroundMailer

bp = Blueprint("public", __name__)

LOCAL = ZoneInfo("Europe/Stockholm")
# Far above a real token (~90 characters): longer input is refused before any crypto.
MAX_TOKEN_CHARS = 400
ONE_CLICK_FIELD = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"
EXTENSION = "tryggnews.public"
T = TypeVar("T")

STATUS_LABELS = {
    "pending": "Väntar på att du bekräftar",
    "active": "Aktiv",
    "paused": "Pausad",
    "unsubscribed": "Avslutad",
    "bounced": "Stoppad: e-post till adressen kommer inte fram",
}
EVENT_LABELS = {
    "subscribed": "Anmälan",
    "confirmed": "Bekräftelse",
    "preferences_changed": "Ändrade val",
    "paused": "Paus",
    "resumed": "Paus avslutad",
    "unsubscribed": "Avslutad prenumeration",
    "imported": "Tillagd från en lista",
    "erased": "Raderad",
    "bounced": "E-post kom inte fram",
    "complained": "Anmäld som skräppost",
}
CHANNEL_LABELS = {
    "form": "webbformuläret",
    "import": "import av lista",
    "link": "länk i e-post",
    "one-click": "avregistrering med ett klick i e-postprogrammet",
    "admin": "administratör",
    "provider-webhook": "e-postleverantören",
    "cli": "administratör",
}
BASIS_LABELS = {"consent": "samtycke", "public-task": "uppgift av allmänt intresse"}
DELIVERY_LABELS = {
    "pending": "I kö",
    "claimed": "Skickas",
    "retry": "Försöker igen",
    "sent": "Skickat",
    "failed": "Kunde inte skickas",
    "bounced": "Kom inte fram",
    "skipped": "Inte skickat",
}
# Languages other than Swedish are labelled in their own language (WCAG 3.1.2), and
# these are written right to left.
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ps", "ur", "ckb", "dv", "yi"})


def _language_attributes(languages: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``lang`` and ``dir`` of each language label that is not Swedish."""
    return {
        key: (key, "rtl" if key in RIGHT_TO_LEFT else "ltr")
        for key in languages
        if key != DEFAULT_LANGUAGE
    }


@dataclass
class PublicState:
    """Per-app parts of the public pages: rate limits, the mail queue, notice settings."""

    limits: PublicLimits
    mailer: BackgroundMailer
    notices: NoticeSettings


@bp.record_once
def _set_up(state: BlueprintSetupState) -> None:
    context = state.app.extensions["tryggnews"]
    state.app.extensions[EXTENSION] = PublicState(
        limits=PublicLimits(context.clock),
        mailer=BackgroundMailer(context.transport, state.app.logger),
        notices=NoticeSettings.from_settings(context.settings),
    )


def public_state() -> PublicState:
    state: PublicState = current_app.extensions[EXTENSION]
    return state


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    context = web_context()
    vocabulary = context.vocabulary
    return {
        "sv_time": format_time,
        "sv_date": _sv_date,
        "contact_address": context.settings.sender_address,
        "audience_labels": vocabulary.audiences,
        "topic_labels": vocabulary.topics,
        "language_labels": vocabulary.languages,
        "language_attributes": _language_attributes(vocabulary.languages),
        "status_labels": STATUS_LABELS,
        "event_labels": EVENT_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "basis_labels": BASIS_LABELS,
        "delivery_labels": DELIVERY_LABELS,
    }


@bp.after_request
def _private(response: Response) -> Response:
    # Pages with tokens or personal data (and forms with CSRF tokens) must not be
    # kept by a shared cache; token pages must not be indexed.
    response.headers["Cache-Control"] = "no-store"
    # Over HTTPS, Flask-WTF refuses a form whose POST carries no Referer from this
    # site (WTF_CSRF_SSL_STRICT), and the app-wide "no-referrer" would strip it.
    # "same-origin" sends it to this site only: the tokens in these paths still
    # never reach another one.
    response.headers["Referrer-Policy"] = "same-origin"
    if request.view_args and "token" in request.view_args:
        response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.errorhandler(TokenError)
def _bad_link(error: TokenError) -> tuple[str, int]:
    return render_template("public/link_invalid.html", reason=error.reason), 400


# --- helpers -----------------------------------------------------------------


def format_time(value: datetime | str | None) -> str:
    """``"1 mars 2027 kl. 10.00"`` in Swedish local time."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    local = value.astimezone(LOCAL)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year} kl. {local:%H.%M}"


def _actor(channel: str) -> Actor:
    context = web_context()
    return Actor(
        channel=channel, now=context.clock.now(), secret_key=context.settings.require_secret_key()
    )


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


def _subscriber(
    session: Session, purpose: TokenPurpose, token: str, *, max_age: int | None = None
) -> Subscriber:
    """The person a link names, or ``TokenError`` (→ the 400 page)."""
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenError("malformed", f"{purpose} token is too long")
    claims = web_context().signer.verify(purpose, token, max_age=max_age)
    subscriber = session.get(Subscriber, claims.subscriber_id)
    if subscriber is None:
        raise TokenError("revoked", f"{purpose} token names a subscriber who is not stored")
    if not hmac.compare_digest(subscriber.token_salt, claims.token_salt):
        raise TokenError("revoked", f"{purpose} token was revoked (the salt was rotated)")
    return subscriber


def _confirm_max_age() -> int:
    return web_context().settings.confirm_token_hours * 3600


def _manage_url(subscriber: Subscriber | Recipient) -> str:
    token = web_context().signer.manage_token(_id(subscriber), subscriber.token_salt)
    return url_for("public.preferences", token=token)


def _id(subscriber: Subscriber | Recipient) -> int:
    return subscriber.id if isinstance(subscriber, Subscriber) else subscriber.subscriber_id


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
        )
    )


def _choices(form: ChoicesFields) -> Choices:
    """The validated form's choices (the form already refused unknown keys)."""
    return Choices.checked(
        web_context().vocabulary, form.audiences.data, form.topics.data, form.language.data or ""
    )


def _render_form(template: str, status: int, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


# --- sign-up -----------------------------------------------------------------


@bp.get("/")
def index() -> BaseResponse:
    return redirect(url_for("public.sign_up_page"))


@bp.route("/prenumerera", methods=["GET", "POST"])
def sign_up_page() -> BaseResponse | tuple[str, int]:
    text = current_text(web_context().settings.legal_basis)
    form = SignUpForm(vocabulary=web_context().vocabulary)
    if request.method == "GET":
        return _render_form("public/sign_up.html", 200, form=form, text=text)
    _client_allowed()
    if not form.validate():
        return _render_form("public/sign_up.html", 422, form=form, text=text)
    _sign_up(form, _text_shown(text))
    return redirect(url_for("public.sign_up_sent"), code=303)


def _text_shown(current: ConsentText) -> ConsentText:
    """The consent text the page showed (its version is posted back with the form).

    Normally the current one; a page loaded just before a new wording was deployed
    showed the previous one, and the ledger must record what the person saw.
    """
    shown = text_by_version(request.form.get("consent_text", ""))
    if shown is not None and shown.legal_basis == current.legal_basis:
        return shown
    return current


def _sign_up(form: SignUpForm, text: ConsentText) -> None:
    email = form.email.data.strip()
    if not _address_allowed(email):
        return
    choices = _choices(form)
    by = _actor("form")
    outcome = _in_transaction(lambda session: sign_up(session, email, choices, text=text, by=by))
    if outcome.recipient is None:
        return
    if outcome.notice is SignUpNotice.CONFIRM:
        _send_confirmation(outcome.recipient)
    elif outcome.notice is SignUpNotice.LINK:
        _send_link(outcome.recipient)


@bp.get("/prenumerera/skickat")
def sign_up_sent() -> str:
    return render_template("public/sign_up_sent.html")


@bp.route("/bekrafta/<token>", methods=["GET", "POST"])
def confirm_page(token: str) -> str:
    if request.method == "GET":
        with web_context().session_factory() as session:
            subscriber = _subscriber(
                session, TokenPurpose.CONFIRM, token, max_age=_confirm_max_age()
            )
            if subscriber.status in SUBSCRIBED:
                return render_template(
                    "public/confirmed.html", already=True, manage_url=_manage_url(subscriber)
                )
            return render_template("public/confirm.html", email=subscriber.email)
    by = _actor("link")
    with web_context().session_factory.begin() as session:
        subscriber = _subscriber(session, TokenPurpose.CONFIRM, token, max_age=_confirm_max_age())
        result = confirm(session, subscriber, by=by)
        manage_url = _manage_url(subscriber)
    if result is ConfirmResult.BLOCKED:
        return render_template("public/blocked.html")
    return render_template(
        "public/confirmed.html", already=result is ConfirmResult.ALREADY, manage_url=manage_url
    )


# --- "email me my link" ------------------------------------------------------


@bp.route("/min-lank", methods=["GET", "POST"])
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


@bp.get("/min-lank/skickad")
def link_request_sent() -> str:
    return render_template("public/link_sent.html")


# --- preference centre -------------------------------------------------------


def _preferences_page(
    session: Session,
    subscriber: Subscriber,
    token: str,
    *,
    form: PreferencesForm | None = None,
    pause_form: PauseForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    context = web_context()
    now = context.clock.now()
    today = now.astimezone(LOCAL).date()
    if form is None:
        form = PreferencesForm(
            data=Choices.of(subscriber).as_dict(), formdata=None, vocabulary=context.vocabulary
        )
    if pause_form is None:
        pause_form = PauseForm(today=today, formdata=None)
    stored = export_person(
        session,
        email_key=subscriber.email_key,
        secret_key=context.settings.require_secret_key(),
        now=now,
    )
    paused_through = None
    if subscriber.paused_until is not None and subscriber.paused_until > now:
        paused_through = (subscriber.paused_until.astimezone(LOCAL) - timedelta(days=1)).date()
    page = render_template(
        "public/preferences.html",
        token=token,
        subscriber=subscriber,
        form=form,
        pause_form=pause_form,
        stored=stored,
        paused=is_paused(subscriber, now),
        paused_through=paused_through,
        today=today,
        text=current_text(context.settings.legal_basis),
    )
    return page, status


@bp.get("/p/<token>")
def preferences(token: str) -> tuple[str, int]:
    with web_context().session_factory() as session:
        subscriber = _subscriber(session, TokenPurpose.MANAGE, token)
        return _preferences_page(session, subscriber, token)


@bp.post("/p/<token>")
def save_preferences(token: str) -> BaseResponse | tuple[str, int]:
    form = PreferencesForm(vocabulary=web_context().vocabulary)
    by = _actor("link")
    with web_context().session_factory.begin() as session:
        subscriber = _subscriber(session, TokenPurpose.MANAGE, token)
        if not form.validate():
            return _preferences_page(session, subscriber, token, form=form, status=422)
        choices = _choices(form)
        changed = change_preferences(session, subscriber, choices, by=by)
    flash("Dina val är sparade." if changed else "Inget ändrades: dina val var redan de här.", "ok")
    return redirect(url_for("public.preferences", token=token), code=303)


@bp.post("/p/<token>/pausa")
def pause_page(token: str) -> BaseResponse | tuple[str, int]:
    by = _actor("link")
    form = PauseForm(today=by.now.astimezone(LOCAL).date())
    with web_context().session_factory.begin() as session:
        subscriber = _subscriber(session, TokenPurpose.MANAGE, token)
        if subscriber.status is not SubscriberStatus.ACTIVE:
            flash("Bara en aktiv prenumeration kan pausas.", "error")
            return redirect(url_for("public.preferences", token=token), code=303)
        if not form.validate() or form.until_date is None:
            return _preferences_page(session, subscriber, token, pause_form=form, status=422)
        # "Till och med" the chosen day: sending resumes at the start of the next one.
        until = datetime.combine(form.until_date + timedelta(days=1), time(0), tzinfo=LOCAL)
        pause(session, subscriber, until, by=by)
    flash(f"Utskicken är pausade till och med {_sv_date(form.until_date)}.", "ok")
    return redirect(url_for("public.preferences", token=token), code=303)


def _sv_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


@bp.post("/p/<token>/fortsatt")
def resume_page(token: str) -> BaseResponse:
    by = _actor("link")
    with web_context().session_factory.begin() as session:
        resume(session, _subscriber(session, TokenPurpose.MANAGE, token), by=by)
    flash("Pausen är avslutad. Du får nästa nyhetsbrev.", "ok")
    return redirect(url_for("public.preferences", token=token), code=303)


@bp.post("/p/<token>/avsluta")
def unsubscribe_all(token: str) -> BaseResponse:
    by = _actor("link")
    with web_context().session_factory.begin() as session:
        unsubscribe(session, _subscriber(session, TokenPurpose.MANAGE, token), by=by)
    flash("Din prenumeration är avslutad. Du får inga fler nyhetsbrev.", "ok")
    return redirect(url_for("public.preferences", token=token), code=303)


@bp.post("/p/<token>/prenumerera-igen")
def resubscribe_page(token: str) -> BaseResponse | str:
    by = _actor("link")
    text = _text_shown(current_text(web_context().settings.legal_basis))
    with web_context().session_factory.begin() as session:
        result = resubscribe(
            session, _subscriber(session, TokenPurpose.MANAGE, token), text=text, by=by
        )
    if result is ConfirmResult.BLOCKED:
        return render_template("public/blocked.html")
    flash("Välkommen tillbaka! Du får nyhetsbrevet igen.", "ok")
    return redirect(url_for("public.preferences", token=token), code=303)


@bp.get("/p/<token>/mina-uppgifter.json")
def download_data(token: str) -> Response:
    context = web_context()
    with context.session_factory() as session:
        subscriber = _subscriber(session, TokenPurpose.MANAGE, token)
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


@bp.route("/p/<token>/radera", methods=["GET", "POST"])
def erase_page(token: str) -> str:
    if request.method == "GET":
        with web_context().session_factory() as session:
            subscriber = _subscriber(session, TokenPurpose.MANAGE, token)
            return render_template("public/erase.html", token=token, email=subscriber.email)
    by = _actor("link")
    with web_context().session_factory.begin() as session:
        erase(session, _subscriber(session, TokenPurpose.MANAGE, token), by=by)
    return render_template("public/erased.html")


# --- unsubscribe -------------------------------------------------------------


@bp.get("/u/<token>")
def unsubscribe_page(token: str) -> str:
    with web_context().session_factory() as session:
        subscriber = _subscriber(session, TokenPurpose.UNSUBSCRIBE, token)
        if subscriber.status is SubscriberStatus.UNSUBSCRIBED:
            return render_template(
                "public/unsubscribed.html", already=True, manage_url=_manage_url(subscriber)
            )
        return render_template("public/unsubscribe.html", token=token, email=subscriber.email)


@bp.post("/u/<token>/bekrafta")
def unsubscribe_button(token: str) -> str:
    by = _actor("link")
    with web_context().session_factory.begin() as session:
        subscriber = _subscriber(session, TokenPurpose.UNSUBSCRIBE, token)
        unsubscribe(session, subscriber, by=by)
        manage_url = _manage_url(subscriber)
    return render_template("public/unsubscribed.html", already=False, manage_url=manage_url)


@bp.post("/u/<token>")
def one_click_unsubscribe(token: str) -> tuple[str, int]:
    """RFC 8058: the mail provider posts ``List-Unsubscribe=One-Click``; 200, no redirect.

    The page rendered has no form and reads nothing into the session, so the
    response sets no cookie.
    """
    if request.form.get(ONE_CLICK_FIELD) != ONE_CLICK_VALUE:
        return render_template("public/link_invalid.html", reason="not-one-click"), 400
    by = _actor("one-click")
    with web_context().session_factory.begin() as session:
        unsubscribe(session, _subscriber(session, TokenPurpose.UNSUBSCRIBE, token), by=by)
    return render_template("public/unsubscribed.html", already=False, manage_url=None), 200


@bp.route("/u/", methods=["GET", "POST"])
def unsubscribe_without_token() -> tuple[str, int]:
    return render_template("public/link_invalid.html", reason="malformed"), 400


# Mail providers post without a CSRF token: the signed token in the path is the proof.
csrf.exempt(one_click_unsubscribe)
csrf.exempt(unsubscribe_without_token)


# --- about the site ----------------------------------------------------------


@bp.get("/tillganglighet")
def accessibility() -> str:
    return render_template("public/accessibility.html")
