"""The sign-up on the organisations' own websites (docs/embedding.md).

``TRYGGNEWS_EMBED_ORIGINS`` lists the sites that may show ``/prenumerera`` in an iframe
(``frame-ancestors``) and post a plain HTML sign-up form to it.

Neither can carry our CSRF token: a form on another site has none, and inside another
site's iframe the browser keeps no cookie of ours (``SameSite=Lax``), so the token in
the form matches no session. For the sign-up form only, a browser's ``Origin`` header
naming this site (``TRYGGNEWS_BASE_URL``) or a listed site stands in for the token, as
OWASP describes for verifying the origin with standard headers. Any other origin, or
none, still needs the token. Signing up only sends a confirmation link to the address
(double opt-in, rate-limited), so nothing changes for a subscriber until they click it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import make_response, request
from werkzeug.wrappers import Response as BaseResponse

from tryggnews.web.context import web_context
from tryggnews.web.framing import allow_framing_by, origin_of


def embeddable(view: Callable[..., Any]) -> Callable[..., BaseResponse]:
    """Let the configured websites frame the answers of ``view``."""

    @wraps(view)
    def framed(*args: Any, **kwargs: Any) -> BaseResponse:
        response = make_response(view(*args, **kwargs))
        allow_framing_by(response, web_context().settings.embed_origins)
        return response

    return framed


def posted_from_trusted_origin() -> bool:
    """Whether the browser says this POST comes from this site or a listed website."""
    origin = request.headers.get("Origin", "").strip().lower()
    if not origin or origin == "null":
        return False
    settings = web_context().settings
    return origin == origin_of(settings.base_url) or origin in settings.embed_origins
