"""The preference centre's page (``/p/<token>``), its fixed parts rendered once.

The page as a GET shows it (no form errors, no flashed message waiting) depends on the
page's language, the person's status, whether a pause runs, today's local date (the pause
field's earliest day), the script root and the query string (the language switcher's links
carry it) — and on four values that are the person's own: the token (in every form's
action and link, and in the switcher's links), the e-mail address, the last day of a pause
and the choice fields (rendered once per combination by ``fragments``). Nothing is the
visitor's: the forms post behind the signed link and carry no session CSRF token
(``signed_forms``), so a first visit sets no cookie. So the page is rendered once per the
former, with random per-process placeholders for the latter, and kept (``PageCache``,
bounded: a query string is the visitor's to choose); each request fills its own values in,
in one pass, so a value put in is never read again for a placeholder. No value of a
person is ever rendered into the kept text. A page with errors or a flashed message is
rendered as it is. See docs/performance.md.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, render_template, request, session, url_for
from flask.sansio.blueprints import BlueprintSetupState
from markupsafe import Markup, escape

from tryggnews.archive.cache import PageCache
from tryggnews.db.models import Subscriber
from tryggnews.subscribers.lifecycle import Choices
from tryggnews.subscribers.texts import ConsentText, current_text
from tryggnews.web.context import web_context
from tryggnews.web.i18n import current_language, local_date
from tryggnews.web.public.forms import PauseForm, PreferencesForm
from tryggnews.web.public.fragments import choices_fields, preference_choices
from tryggnews.web.public.labels import LOCAL
from tryggnews.web.public.links import Person

PAGE_EXTENSION = "tryggnews.public.preference_page"
TEMPLATE = "public/preferences.html"
SIZE = 256
# The placeholders: a random mark per process, then one letter naming the value. Letters
# and digits only, so escaping and URL building leave them as they are.
MARK = f"pref{secrets.token_hex(16)}"
TOKEN, EMAIL, DAY, CHOICES = (f"{MARK}{letter}" for letter in "tedf")
# A signed token's characters (base64url and dots), which url_for and escaping keep as
# they are: every token that passed the link check has only these, and a kept page is
# filled with nothing else.
PLAIN_TOKEN = re.compile(r"[A-Za-z0-9_.-]+")


def register(bp: Blueprint) -> None:
    bp.record_once(_set_up)


def _set_up(state: BlueprintSetupState) -> None:
    state.app.extensions[PAGE_EXTENSION] = PageCache(size=SIZE)


def preference_page_cache() -> PageCache:
    cache: PageCache = current_app.extensions[PAGE_EXTENSION]
    return cache


def render_page(
    subscriber: Subscriber | Person,
    token: str,
    *,
    form: PreferencesForm | None = None,
    pause_form: PauseForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The page for ``subscriber`` reached with ``token``; ``form`` or ``pause_form`` with
    their errors after a refused POST."""
    now = web_context().clock.now()
    today = now.astimezone(LOCAL).date()
    through = _paused_through(subscriber, now)
    shared = (
        form is None
        and pause_form is None
        and request.method == "GET"
        and "_flashes" not in session  # a message for this visitor alone
        and PLAIN_TOKEN.fullmatch(token) is not None
    )
    if shared:
        return _filled(subscriber, token, today, through), status
    if form is None:
        form = PreferencesForm(
            data=_choices(subscriber).as_dict(),
            formdata=None,
            vocabulary=web_context().vocabulary,
            email=subscriber.email,
        )
    if pause_form is None:
        pause_form = PauseForm(today=today, formdata=None)
    page = render_template(
        TEMPLATE,
        token=token,
        email=subscriber.email,
        status=subscriber.status.value,
        paused_day=local_date(through) if through else None,
        today=today,
        form=form,
        pause_form=pause_form,
        choices=choices_fields(form),
        text=_text(),
    )
    return page, status


def _filled(subscriber: Subscriber | Person, token: str, today: date, through: date | None) -> str:
    state = subscriber.status.value
    key = (
        current_language(),
        state,
        through is not None,
        today,
        request.script_root,
        request.query_string,
    )
    page = preference_page_cache().get(
        key, lambda: _render_shared(state, through is not None, today)
    )
    values = {
        "t": token,
        "e": str(escape(subscriber.email)),
        "d": str(escape(local_date(through))) if through else "",
        "f": str(preference_choices(_choices(subscriber))),
    }
    first, *rest = page.split(MARK)
    return first + "".join(values[piece[0]] + piece[1:] for piece in rest)


def _render_shared(state: str, pause_ends: bool, today: date) -> str:
    """The page with placeholders for every value of the person."""
    vocabulary = web_context().vocabulary
    return render_template(
        TEMPLATE,
        token=TOKEN,
        email=EMAIL,
        status=state,
        paused_day=DAY if pause_ends else None,
        today=today,
        form=PreferencesForm(formdata=None, vocabulary=vocabulary),
        pause_form=PauseForm(today=today, formdata=None),
        choices=Markup(CHOICES),  # noqa: S704 (a constant of letters and digits)
        text=_text(),
        language_switcher=_switcher(),
    )


def _switcher() -> list[dict[str, Any]]:
    """The language switcher's links (``web.i18n``), the token's placeholder in their path."""
    context: dict[str, Any] = {}
    current_app.update_template_context(context)
    own = f"{request.script_root}{request.path}?"
    placeholder = f"{url_for('public.preferences', token=TOKEN)}?"
    links: list[dict[str, Any]] = []
    for link in context.get("language_switcher", []):
        url = str(link["url"])
        if not url.startswith(own):  # never kept with the person's token in it
            raise ValueError(f"a switcher link not for this page: {url}")
        links.append({**link, "url": placeholder + url[len(own) :]})
    return links


def _choices(subscriber: Subscriber | Person) -> Choices:
    return Choices(tuple(subscriber.audiences), tuple(subscriber.topics), subscriber.language)


def _paused_through(subscriber: Subscriber | Person, now: datetime) -> date | None:
    """The last day of a running pause (it ends at the start of the next); the page shows
    the pause section to an active subscriber only, for whom a pause runs exactly then."""
    if subscriber.paused_until is None or subscriber.paused_until <= now:
        return None
    return (subscriber.paused_until.astimezone(LOCAL) - timedelta(days=1)).date()


def _text() -> ConsentText:
    return current_text(web_context().settings.legal_basis, current_language())
