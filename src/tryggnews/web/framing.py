"""Who may show our pages in a frame.

Every answer gets ``CONTENT_SECURITY_POLICY`` (``frame-ancestors 'self'``) and
``X-Frame-Options: SAMEORIGIN`` from ``app.py``. The sign-up pages may also be framed by
the websites in the ``TRYGGNEWS_EMBED_ORIGINS`` setting (docs/embedding.md): for those
``allow_framing_by`` lists the origins in ``frame-ancestors`` and leaves out
X-Frame-Options, which has no way to name another site.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Response, g

# Strict by default: nothing from other origins, no inline script. Pages that need
# more (the editors' preview iframe) loosen it for themselves.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
_SELF_ONLY = "frame-ancestors 'self';"
_FRAMED = "tryggnews_framed_by_others"


def policy_framed_by(origins: Iterable[str]) -> str:
    """The default policy with ``origins`` added to ``frame-ancestors``."""
    ancestors = " ".join(["'self'", *origins])
    return CONTENT_SECURITY_POLICY.replace(_SELF_ONLY, f"frame-ancestors {ancestors};")


def allow_framing_by(response: Response, origins: tuple[str, ...]) -> None:
    """Let ``origins`` frame this answer (nothing changes when there are none)."""
    if not origins:
        return
    response.headers["Content-Security-Policy"] = policy_framed_by(origins)
    g.setdefault(_FRAMED, True)


def framed_by_others() -> bool:
    """Whether this request's answer may be framed by another site."""
    return bool(g.get(_FRAMED, False))


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower-case; empty when it has none."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"
