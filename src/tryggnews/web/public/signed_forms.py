"""Forms behind a person's own signed link carry no session CSRF token.

Every form on a page reached through a link from an e-mail — the preference centre
(``/p/<token>`` and the pages under it), the unsubscribe button (``/u/<token>/bekrafta``)
and the confirm button (``/bekrafta/<token>``) — posts to an address that holds the signed,
purpose-scoped token (``subscribers.tokens``). A forged cross-site request needs a page
elsewhere that makes the person's browser post there; to write it, the forger needs the
token, and with the token they could post it themselves, from anywhere. A session token
adds nothing then, as with RFC 8058's one-click unsubscribe, which mail providers post with
no cookie at all. Without it, the pages reached from an e-mail set no cookie (until a
change leaves a message to show), and the preference page is filled in from a kept copy
with nothing of the visitor's session in it (``preference_page``, docs/performance.md).

As defence in depth, a browser's own word that a POST comes from another site is refused
with 403: Fetch Metadata's ``Sec-Fetch-Site`` (sent by every current browser), else the
``Origin`` header when there is one. A client that sends neither (an old browser, a
script) is let through: the token decides, as it always does. docs/security.md.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, request

from tryggnews.web.context import csrf, web_context
from tryggnews.web.framing import origin_of

# "none": the person started the request themselves (a bookmark, the address bar).
_OWN_FETCH_SITES = frozenset({"same-origin", "none"})


def signed_link_form(view: Callable[..., Any]) -> Callable[..., Any]:
    """``view`` answers posts without a session CSRF token, and refuses cross-site ones."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if request.method == "POST" and posted_from_another_site():
            abort(403)
        return view(*args, **kwargs)

    csrf.exempt(checked)  # the same module and name as ``view``: what CSRFProtect looks up
    return checked


def posted_from_another_site() -> bool:
    """Whether the browser says this request comes from a page of another site."""
    fetch_site = request.headers.get("Sec-Fetch-Site", "").strip().lower()
    if fetch_site:
        return fetch_site not in _OWN_FETCH_SITES
    origin = request.headers.get("Origin", "").strip().lower()
    if not origin:
        return False
    # Behind a proxy the public address is the setting's; locally it is the request's.
    own = {origin_of(web_context().settings.base_url), origin_of(request.host_url)}
    return origin not in own  # "null" too: a sandboxed frame or a cross-site redirect
