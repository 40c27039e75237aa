"""The consent ledger: append-only events saying what a person agreed to, when and how."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.db.models import ConsentEvent, ConsentEventKind, Subscriber

CHANNELS = (
    "form",
    "import",
    "link",
    "one-click",
    "admin",
    "provider-webhook",
    "bounce-mail",
    "cli",
)
LEGAL_BASES = ("consent", "public-task")


def record_event(
    session: Session,
    *,
    subscriber: Subscriber | None,
    email_hash: str,
    kind: ConsentEventKind,
    channel: str,
    legal_basis: str,
    now: datetime,
    text_version: str | None = None,
    text_sha256: str | None = None,
    details: dict[str, Any] | None = None,
) -> ConsentEvent:
    """Append one event. Flushes, never commits: it belongs to the caller's transaction,
    so the event exists exactly when the change it describes does."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown consent channel {channel!r}")
    if legal_basis not in LEGAL_BASES:
        raise ValueError(f"unknown legal basis {legal_basis!r}")
    event = ConsentEvent(
        subscriber_id=subscriber.id if subscriber is not None else None,
        email_hash=email_hash,
        kind=kind,
        channel=channel,
        legal_basis=legal_basis,
        text_version=text_version,
        text_sha256=text_sha256,
        details=details or {},
        created_at=now,
    )
    session.add(event)
    session.flush()
    return event


def history(session: Session, email_hash: str) -> list[ConsentEvent]:
    """Every event for an address, oldest first (also after the person was erased)."""
    query = (
        select(ConsentEvent)
        .where(ConsentEvent.email_hash == email_hash)
        .order_by(ConsentEvent.created_at, ConsentEvent.id)
    )
    return list(session.scalars(query))
