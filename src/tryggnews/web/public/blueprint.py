"""Builds the ``public`` Blueprint: the hooks every public page shares, then each page
module's URL rules.

The page modules only define views and a ``register``; this module imports them
(never the other way round), so a new kind of page is a new module and one more
line in ``PAGES``.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from tryggnews.errors import TokenError
from tryggnews.web.public import (
    about,
    archive,
    calendar,
    followup,
    fragments,
    preferences,
    shared_pages,
    signup,
    unsubscribe,
)
from tryggnews.web.public.labels import template_helpers
from tryggnews.web.public.links import bad_link
from tryggnews.web.public.state import set_up

PAGES = (
    signup,
    preferences,
    unsubscribe,
    about,
    archive,
    calendar,
    followup,
    fragments,
    shared_pages,
)


def keep_private(response: Response) -> Response:
    # Pages with tokens or personal data (and forms with CSRF tokens) must not be
    # kept by a shared cache; token pages must not be indexed. (The archive's pages
    # hold neither and say so themselves.)
    response.headers.setdefault("Cache-Control", "no-store")
    # Over HTTPS, Flask-WTF refuses a form whose POST carries no Referer from this
    # site (WTF_CSRF_SSL_STRICT), and the app-wide "no-referrer" would strip it.
    # "same-origin" sends it to this site only: the tokens in these paths still
    # never reach another one.
    response.headers["Referrer-Policy"] = "same-origin"
    if request.view_args and "token" in request.view_args:
        response.headers["X-Robots-Tag"] = "noindex"
    return response


public_blueprint = Blueprint("public", __name__)
public_blueprint.record_once(set_up)
public_blueprint.context_processor(template_helpers)
public_blueprint.after_request(keep_private)
public_blueprint.register_error_handler(TokenError, bad_link)
for page in PAGES:
    page.register(public_blueprint)
