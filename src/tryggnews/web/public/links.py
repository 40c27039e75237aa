"""The signed links of the public pages: reading a token back to a person, and the
page shown when that fails.

Links in emails carry signed tokens (``subscribers.tokens``); a token is accepted
only for its purpose and while it names the person's current ``token_salt``. Any
bad link — tampered, expired, meant for something else, revoked, or for someone
erased — gets one friendly page with status 400, and nothing changes.
"""

from __future__ import annotations

import hmac

from flask import render_template, url_for
from sqlalchemy.orm import Session

from tryggnews.db.models import Subscriber
from tryggnews.errors import TokenError
from tryggnews.subscribers.lifecycle import Recipient
from tryggnews.subscribers.tokens import TokenPurpose
from tryggnews.web.context import web_context

# Far above a real token (~90 characters): longer input is refused before any crypto.
MAX_TOKEN_CHARS = 400


def bad_link(error: TokenError) -> tuple[str, int]:
    return render_template("public/link_invalid.html", reason=error.reason), 400


def load_subscriber(
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


def make_manage_url(subscriber: Subscriber | Recipient) -> str:
    token = web_context().signer.manage_token(_id(subscriber), subscriber.token_salt)
    return url_for("public.preferences", token=token)


def _id(subscriber: Subscriber | Recipient) -> int:
    return subscriber.id if isinstance(subscriber, Subscriber) else subscriber.subscriber_id
