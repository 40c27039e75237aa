"""Whole public pages that are the same for every visitor, rendered once.

The sign-up form as a GET shows it (no errors yet, no flashed message waiting) depends
only on the page's language and on the request's path and query string (the language
switcher's links carry them); the one part that is the visitor's own is the CSRF token.
So the page is rendered once per (template, language, path, query string) with a
placeholder where the token goes, kept (``PageCache``, bounded: a query string is the
visitor's to choose), and each request gets a copy with its own session's token put in;
a page without a form gets none (and so sets no cookie). A page whose content changes
with the data gives a ``version`` (the yearly follow-up: a five-minute window), which is
part of the key. A page with a flashed message waiting is rendered as it is. See
docs/performance.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from typing import Any

from flask import Blueprint, current_app, render_template, request, session
from flask.sansio.blueprints import BlueprintSetupState
from flask_wtf.csrf import generate_csrf

from tryggnews.archive.cache import PageCache
from tryggnews.web.i18n import current_language

SHARED_PAGES_EXTENSION = "tryggnews.public.shared_pages"
SIZE = 64
# Where the token goes: random per process, so no text of a page can contain it by chance.
PLACEHOLDER = f"csrf-placeholder-{secrets.token_hex(16)}"


def register(bp: Blueprint) -> None:
    bp.record_once(_set_up)


def _set_up(state: BlueprintSetupState) -> None:
    state.app.extensions[SHARED_PAGES_EXTENSION] = PageCache(size=SIZE)


def shared_page_cache() -> PageCache:
    cache: PageCache = current_app.extensions[SHARED_PAGES_EXTENSION]
    return cache


def shared_page(
    template: str, context: Callable[[], dict[str, Any]], *, version: Hashable = None
) -> str:
    """``template`` rendered with ``context()`` — once per language, path, query string
    and ``version`` — with this request's CSRF token in it where it has a form."""
    if "_flashes" in session:  # a message for this visitor alone: render it as it is
        return render_template(template, **context())
    key = (
        template,
        current_language(),
        request.script_root,
        request.path,
        request.query_string,
        version,
    )
    html = shared_page_cache().get(
        key, lambda: render_template(template, **context(), csrf_token=lambda: PLACEHOLDER)
    )
    return html.replace(PLACEHOLDER, generate_csrf()) if PLACEHOLDER in html else html
