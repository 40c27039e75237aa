"""The public pages in the reader's language: Flask-Babel, which language a request
gets, the language switcher and ``<html lang dir>``.

Which language (first that applies):

1. ``?lang=xx`` on the request (the switcher's links); it is then kept in a cookie;
2. the language the page itself asks for: the preference centre sets the subscriber's
   stored language (``use_language``);
3. the ``lang`` cookie from an earlier choice;
4. the browser's ``Accept-Language``, among the languages audiences.toml declares;
5. Swedish.

The editors' workspace, the Atom feed and everything that is not a public page stay
Swedish. Translations come from the ``messages`` domain of the ``i18n`` room's
catalogues, compiled once when the app starts (a broken ``.po`` file stops the start,
never a page). The cookie holds only a language code: no id, no tracking.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import flask_babel
from babel import support
from flask import Flask, Response, g, request
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from tryggnews.i18n import (
    MESSAGES,
    SOURCE_LANGUAGE,
    direction,
    format_plain_date,
    shipped_catalogues,
)
from tryggnews.i18n.catalogues import Catalogues
from tryggnews.render.dates import format_date, format_moment
from tryggnews.web.context import web_context

COOKIE = "lang"
PARAMETER = "lang"
COOKIE_AGE = timedelta(days=365)
# Parts of the site that are Swedish whatever the reader asked for: the editors'
# workspace is run by Swedish-speaking staff; the feed has one language for all readers.
SWEDISH_ONLY_PREFIXES = ("/redaktion",)
SWEDISH_ONLY_ENDPOINTS = frozenset({"public.archive_feed"})
LOCAL = ZoneInfo("Europe/Stockholm")
# Phone numbers keep their left-to-right order inside right-to-left text (bdi + dir).
EMERGENCY_NUMBER = Markup('<bdi dir="ltr">112</bdi>')
TIPS_NUMBER = Markup('<bdi dir="ltr">114&nbsp;14</bdi>')
# Flask-Babel's per-request namespace on ``g`` and, in it, our (locale, translations):
# see _CataloguesDomain.get_translations.
_BABEL_CONTEXT = "_flask_babel"
_TRANSLATIONS = "tryggnews_translations"


class _CataloguesDomain(flask_babel.Domain):  # type: ignore[misc]  # flask_babel is untyped
    """Flask-Babel's domain, but reading the ``i18n`` room's in-memory catalogues
    instead of compiled ``.mo`` files on disk."""

    def __init__(self, catalogues: Catalogues) -> None:
        super().__init__(domain=MESSAGES)
        self._catalogues = catalogues
        # Flask-Babel calls Babel's ``ugettext`` API, which the stdlib's class lacks.
        self._source = support.NullTranslations()

    def get_translations(self) -> Any:
        # Called for every translated string of a page (~45 on the preference page), so
        # the answer is kept beside Flask-Babel's per-request locale, for as long as that
        # locale object stands (``use_language`` and ``force_locale`` replace it). Reading
        # it there directly skips Flask-Babel's ``get_locale``, which looked the request
        # context up three times per string (docs/performance.md).
        babel = g.get(_BABEL_CONTEXT) if g else None
        locale = getattr(babel, "babel_locale", None)
        if locale is None:
            locale = flask_babel.get_locale()  # runs the selector once per request
            if locale is None:  # outside a request: the Swedish source
                return self._source
            babel = g.get(_BABEL_CONTEXT)
        kept = getattr(babel, _TRANSLATIONS, None)
        if kept is not None and kept[0] is locale:
            return kept[1]
        lang = str(locale)
        translations: Any
        if not self._catalogues.has(lang, MESSAGES) or lang == SOURCE_LANGUAGE:
            translations = self._source
        else:
            translations = self._catalogues.translations(lang, MESSAGES)
        if babel is not None:
            setattr(babel, _TRANSLATIONS, (locale, translations))
        return translations


def gettext(message: str, **values: Any) -> str:
    """``message`` (Swedish source) in the request's language, ``%(name)s`` filled in."""
    return str(flask_babel.gettext(message, **values))


def lazy_gettext(message: str) -> str:
    """Like ``gettext``, translated when it is shown: for labels defined at import time."""
    return cast(str, flask_babel.lazy_gettext(message))


def set_up_languages(app: Flask) -> None:
    """Flask-Babel with the shipped catalogues, the selector, the switcher and the cookie."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", SOURCE_LANGUAGE)
    babel = flask_babel.Babel(app, locale_selector=reader_language)
    # {% trans %} blocks span lines in the templates: one space per run of white space,
    # as the extraction (docs/languages.md) does, so the message ids match.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # Compiled here, at start: a broken catalogue stops the app, not a reader's page.
    domain = _CataloguesDomain(shipped_catalogues())
    babel.domain_instance = domain
    # Templates ask the domain directly: Flask-Babel's own callables look the domain up
    # again for every string, which was a measurable part of a page (docs/performance.md).
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.context_processor(_page_language)
    app.after_request(_remember_choice)


def use_language(language: str | None) -> None:
    """Ask for ``language`` on this page (the subscriber's stored one); before rendering."""
    g.page_language = language
    flask_babel.refresh()


def current_language() -> str:
    """The language of the page being rendered."""
    return str(flask_babel.get_locale() or SOURCE_LANGUAGE)


def local_date(value: date) -> str:
    """A date in the page's language: sv ``"1 mars 2027"``, en ``"1 March 2027"``."""
    lang = current_language()
    return format_date(value) if lang == SOURCE_LANGUAGE else format_plain_date(value, lang)


def local_time(value: datetime | str | None) -> str:
    """A moment in Swedish local time, in the page's language (stored values may be text)."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    lang = current_language()
    if lang == SOURCE_LANGUAGE:
        return format_moment(value, LOCAL)
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(LOCAL)
    return f"{format_plain_date(local.date(), lang)} {local:%H:%M}"


def _declared() -> Mapping[str, str]:
    return web_context().vocabulary.languages


def _swedish_only() -> bool:
    return request.path.startswith(SWEDISH_ONLY_PREFIXES) or (
        request.endpoint in SWEDISH_ONLY_ENDPOINTS
    )


def _asked() -> str | None:
    """The language ``?lang=`` asks for, when it is a declared one."""
    if not request.query_string:  # most pages: no need to parse the arguments
        return None
    value = request.args.get(PARAMETER, "")
    return value if value in _declared() else None


def reader_language() -> str:
    """The request's language (Flask-Babel's locale selector; see the module's text)."""
    if _swedish_only():
        return SOURCE_LANGUAGE
    declared = _declared()
    for candidate in (_asked(), g.get("page_language"), request.cookies.get(COOKIE)):
        if candidate in declared:
            return str(candidate)
    best = request.accept_languages.best_match(list(declared))
    return best or SOURCE_LANGUAGE


def _switch_url(language: str) -> str:
    args = MultiDict(request.args)
    args[PARAMETER] = language
    return f"{request.script_root}{request.path}?{urlencode(list(args.items(multi=True)))}"


def _page_language() -> dict[str, Any]:
    language = current_language()
    return {
        "page_language": language,
        "page_direction": direction(language),
        "language_direction": direction,
        "language_switcher": _switcher(language),
        "local_date": local_date,
        "local_time": local_time,
        "emergency_number": EMERGENCY_NUMBER,
        "tips_number": TIPS_NUMBER,
    }


def _switcher(current: str) -> list[dict[str, str | bool]]:
    """The switcher's links: each language named in itself, on GET pages that are public."""
    if request.method != "GET" or _swedish_only():
        return []
    return [
        {
            "code": code,
            "name": name,
            "dir": direction(code),
            "url": _switch_url(code),
            "current": code == current,
        }
        for code, name in _declared().items()
    ]


def _remember_choice(response: Response) -> Response:
    """Keep a ``?lang=`` choice in a cookie, and say that pages vary by language."""
    if _swedish_only():
        return response
    response.vary.update(("Accept-Language", "Cookie"))
    asked = _asked()
    if asked is not None and request.cookies.get(COOKIE) != asked:
        response.set_cookie(
            COOKIE,
            asked,
            max_age=int(COOKIE_AGE.total_seconds()),
            path="/",
            samesite="Lax",
            httponly=True,
            secure=web_context().settings.base_url.startswith("https://"),
        )
        # An answer that sets a cookie is one reader's: no shared cache may keep it.
        response.headers["Cache-Control"] = "private, no-store"
    return response
