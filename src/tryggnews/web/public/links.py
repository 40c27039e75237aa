"""The signed links of the public pages: reading a token back to a person, and the
page shown when that fails.

Links in emails carry signed tokens (``subscribers.tokens``); a token is accepted
only for its purpose and while it names the person's current ``token_salt``. Any
bad link — tampered, expired, meant for something else, revoked, or for someone
erased — gets one friendly page with status 400, and nothing changes.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TypeVar

from flask import render_template, url_for
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tryggnews.db.models import Subscriber, SubscriberStatus
from tryggnews.db.reads import read_one
from tryggnews.errors import TokenError
from tryggnews.subscribers.lifecycle import Recipient
from tryggnews.subscribers.tokens import TokenClaims, TokenPurpose
from tryggnews.web.context import web_context
from tryggnews.web.i18n import use_language

# Far above a real token (~90 characters): longer input is refused before any crypto.
MAX_TOKEN_CHARS = 400


def bad_link(error: TokenError) -> tuple[str, int]:
    return render_template("public/link_invalid.html", reason=error.reason), 400


@dataclass(frozen=True, slots=True)
class Person:
    """What the preference page shows of the person, and what the link check needs."""

    email: str
    status: SubscriberStatus
    paused_until: datetime | None
    audiences: list[str]
    topics: list[str]
    language: str
    token_salt: str


# Prebuilt: a page that only shows the person reads it with one Core statement instead
# of the ORM's identity-map load — the whole row (``view_subscriber``), or the columns of
# ``Person`` (``view_person``).
_ROW = select(Subscriber.__table__).where(Subscriber.id == bindparam("id"))
_PERSON = select(*(Subscriber.__table__.c[field.name] for field in fields(Person))).where(
    Subscriber.id == bindparam("id")
)
_Shown = TypeVar("_Shown", Subscriber, Person)


def load_subscriber(
    session: Session, purpose: TokenPurpose, token: str, *, max_age: int | None = None
) -> Subscriber:
    """The person a link names, or ``TokenError`` (→ the 400 page)."""
    claims = _claims(purpose, token, max_age)
    return _checked(purpose, claims.token_salt, session.get(Subscriber, claims.subscriber_id))


def view_subscriber(purpose: TokenPurpose, token: str) -> Subscriber:
    """As ``load_subscriber``, for a page that only shows the person: a detached copy of
    the whole row read on the app's reader (changing it changes nothing stored)."""
    claims = _claims(purpose, token, None)
    row = read_one(web_context().reader, _ROW, {"id": claims.subscriber_id})
    return _checked(purpose, claims.token_salt, Subscriber(**row) if row else None)


def view_person(purpose: TokenPurpose, token: str) -> Person:
    """As ``view_subscriber``, for the preference page: only the fields it shows (an ORM
    session's begin and close, and on PostgreSQL the pre-ping and the transaction, cost
    more than the query: docs/performance.md)."""
    claims = _claims(purpose, token, None)
    row = read_one(web_context().reader, _PERSON, {"id": claims.subscriber_id})
    return _checked(purpose, claims.token_salt, Person(**row) if row else None)


def _claims(purpose: TokenPurpose, token: str, max_age: int | None) -> TokenClaims:
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenError("malformed", f"{purpose} token is too long")
    return web_context().signer.verify(purpose, token, max_age=max_age)


def _checked(purpose: TokenPurpose, salt: str, subscriber: _Shown | None) -> _Shown:
    if subscriber is None:
        raise TokenError("revoked", f"{purpose} token names a subscriber who is not stored")
    if not hmac.compare_digest(subscriber.token_salt, salt):
        raise TokenError("revoked", f"{purpose} token was revoked (the salt was rotated)")
    # A page reached through a person's own link speaks the language they chose.
    use_language(subscriber.language)
    return subscriber


def make_manage_url(subscriber: Subscriber | Recipient) -> str:
    token = web_context().signer.manage_token(_id(subscriber), subscriber.token_salt)
    return url_for("public.preferences", token=token)


def _id(subscriber: Subscriber | Recipient) -> int:
    return subscriber.id if isinstance(subscriber, Subscriber) else subscriber.subscriber_id
