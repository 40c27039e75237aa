"""The subscriber tables: people, their consent history, and suppressed addresses.

``Subscriber.token_salt`` lets one person's links be revoked by rotation; consent events
and suppressions outlive an erasure as keyed hashes only.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from tryggnews.db.models.base import Base, enum_column, utcnow
from tryggnews.db.models.search_keys import name_search_key, search_key_type


class SubscriberStatus(enum.StrEnum):
    PENDING = "pending"  # signed up, not yet confirmed (double opt-in)
    ACTIVE = "active"
    PAUSED = "paused"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"


class Subscriber(Base):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Normalised (email-validator, domain lower-cased); unique case-insensitively via email_key.
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(search_key_type(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    # name_search_key(name), for the workspace's prefix search; kept in step on insert
    # (also Core inserts, through the default) and on every ORM change of ``name``.
    name_key: Mapped[str | None] = mapped_column(
        search_key_type(200),
        default=lambda context: name_search_key(context.get_current_parameters().get("name")),
    )
    language: Mapped[str] = mapped_column(String(8), default="sv")
    audiences: Mapped[list[str]] = mapped_column(default=list)
    # Topic keys (focus areas + "evenemang"); an empty list means every topic.
    topics: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[SubscriberStatus] = mapped_column(
        enum_column(SubscriberStatus, "subscriber_status"), default=SubscriberStatus.PENDING
    )
    paused_until: Mapped[datetime | None] = mapped_column()
    # Part of every signed link; changing it revokes all links sent to this person.
    token_salt: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(100), default="")
    # GDPR legal basis the kommun relies on for this person: "consent" or "public-task".
    legal_basis: Mapped[str] = mapped_column(String(20), default="consent")
    # Temporary delivery failures in a row; past a threshold the address is suppressed.
    soft_bounces: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_subscribers_name_key", "name_key", "id"),)


@event.listens_for(Subscriber.name, "set")
def _keep_name_key(target: Subscriber, value: str | None, _old: object, _by: object) -> None:
    target.name_key = name_search_key(value)


class ConsentEventKind(enum.StrEnum):
    SUBSCRIBED = "subscribed"
    CONFIRMED = "confirmed"
    PREFERENCES_CHANGED = "preferences_changed"
    PAUSED = "paused"
    RESUMED = "resumed"
    UNSUBSCRIBED = "unsubscribed"
    IMPORTED = "imported"
    ERASED = "erased"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class ConsentEvent(Base):
    """Append-only record of what a person agreed to, when, and through which channel.

    Never updated by the application, and deleted only by retention, as a whole history
    of an ended subscription past ``keep_consent_days``. When a person is erased their rows
    lose ``subscriber_id`` but keep ``email_hash``, so the history of an address can
    still be shown to whoever can name the address, and to nobody else.
    """

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="SET NULL"), index=True
    )
    # Keyed hash (HMAC with the secret key) of the case-folded address.
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[ConsentEventKind] = mapped_column(
        enum_column(ConsentEventKind, "consent_event_kind")
    )
    # form, import, link, one-click, admin, provider-webhook, bounce-mail, cli
    channel: Mapped[str] = mapped_column(String(30))
    legal_basis: Mapped[str] = mapped_column(String(20))
    # For sign-ups: which version of the Swedish consent text was shown, and its SHA-256.
    text_version: Mapped[str | None] = mapped_column(String(30))
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The workspace's "recent bounces": newest events of a few kinds, without a scan.
    __table_args__ = (Index("ix_consent_events_kind_id", "kind", "id"),)


class Suppression(Base):
    """An address that must never be mailed or re-imported, kept only as a keyed hash."""

    __tablename__ = "suppressions"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # erased, hard-bounce, complaint, blocked
    reason: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
