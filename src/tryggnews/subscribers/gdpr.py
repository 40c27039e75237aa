"""GDPR: everything stored about one person, erasure, and the purge of unconfirmed sign-ups.

Erasure deletes the ``Subscriber`` row. The database's foreign keys (``ON DELETE
SET NULL``) detach the person's consent events and ledger rows: the events keep
the keyed hash of the address, so the history of an address can still be shown
to whoever names it, and the send log keeps its counts without naming anyone. The
hash also goes on the suppression list, so no import or sign-up adds the address
again. Nothing else about the person remains.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tryggnews.db.models import (
    OUTSTANDING_DELIVERY_STATES,
    ConsentEvent,
    ConsentEventKind,
    Delivery,
    DeliveryStatus,
    Subscriber,
    SubscriberStatus,
    Suppression,
)
from tryggnews.subscribers.consent import history, record_event
from tryggnews.subscribers.lifecycle import Actor, find_subscriber
from tryggnews.subscribers.person import deliveries_of
from tryggnews.subscribers.suppression import address_hash, suppress

# Stored with every subscriber but not shown: a random value that, with the
# server's secret key, signs the person's links. It says nothing about them.
HIDDEN_FIELDS = ("token_salt",)
PURGE_CHUNK = 500


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def subscriber_record(subscriber: Subscriber) -> dict[str, Any]:
    """The stored fields of one person, JSON-ready (``HIDDEN_FIELDS`` left out)."""
    return {
        "email": subscriber.email,
        "name": subscriber.name,
        "status": subscriber.status.value,
        "language": subscriber.language,
        "audiences": list(subscriber.audiences),
        "topics": list(subscriber.topics),
        "paused_until": _iso(subscriber.paused_until),
        "source": subscriber.source,
        "legal_basis": subscriber.legal_basis,
        "soft_bounces": subscriber.soft_bounces,
        "created_at": _iso(subscriber.created_at),
        "updated_at": _iso(subscriber.updated_at),
        "confirmed_at": _iso(subscriber.confirmed_at),
    }


def event_record(event: ConsentEvent) -> dict[str, Any]:
    return {
        "at": _iso(event.created_at),
        "kind": event.kind.value,
        "channel": event.channel,
        "legal_basis": event.legal_basis,
        "text_version": event.text_version,
        "text_sha256": event.text_sha256,
        "details": event.details,
    }


def export_person(
    session: Session, *, email_key: str, secret_key: str, now: datetime
) -> dict[str, Any]:
    """Everything stored about the address ``email_key``, as one JSON-ready object.

    ``subscriber`` is null when no subscription is stored (never, or erased); the
    consent history and suppression entry are found by the keyed hash either way.
    ``deliveries`` lists each issue sent (or tried) to the person.
    """
    email_hash = address_hash(secret_key, email_key)
    subscriber = find_subscriber(session, email_key)
    deliveries: list[dict[str, Any]] = []
    if subscriber is not None:
        deliveries = [
            {
                "issue": line.issue_key,
                "title": line.title,
                "status": line.status.value,
                "queued_at": _iso(line.queued_at),
                "sent_at": _iso(line.sent_at),
            }
            for line in deliveries_of(session, subscriber.id)
        ]
    suppression = session.get(Suppression, email_hash)
    return {
        "exported_at": now.isoformat(),
        "subscriber": None if subscriber is None else subscriber_record(subscriber),
        "not_shown": list(HIDDEN_FIELDS) if subscriber is not None else [],
        "consent_events": [event_record(event) for event in history(session, email_hash)],
        "deliveries": deliveries,
        "suppressed": None
        if suppression is None
        else {"reason": suppression.reason, "since": _iso(suppression.created_at)},
    }


def erase(session: Session, subscriber: Subscriber, *, by: Actor) -> None:
    """Delete the person; keep only the keyed hash (suppression list, consent history).

    Records an ``erased`` event first, by hash only. Flushes, never commits.
    """
    erase_address(session, subscriber.email_key, by=by, subscriber=subscriber)


def erase_address(
    session: Session, email_key: str, *, by: Actor, subscriber: Subscriber | None = None
) -> bool:
    """Erase whatever is stored for ``email_key`` and suppress it; True when a person
    was stored. An address never stored is suppressed too: an erasure request means
    "never add me again" as much as "forget me"."""
    if subscriber is None:
        subscriber = find_subscriber(session, email_key)
    email_hash = by.hash_of(email_key)
    legal_basis = subscriber.legal_basis if subscriber is not None else "consent"
    record_event(
        session,
        subscriber=None,
        email_hash=email_hash,
        kind=ConsentEventKind.ERASED,
        channel=by.channel,
        legal_basis=legal_basis,
        now=by.now,
        details={"stored": subscriber is not None},
    )
    suppress(session, email_hash=email_hash, reason="erased", now=by.now)
    if subscriber is None:
        return False
    # A send in progress would claim the person's waiting rows, find nobody behind
    # them and leave them claimed for ever (the claim joins on the subscriber), so
    # the issue would never finish: they are settled here as skipped. A message a
    # worker is handing over right now still ends as "sent" if it was accepted.
    session.execute(
        update(Delivery)
        .where(
            Delivery.subscriber_id == subscriber.id,
            Delivery.status.in_(OUTSTANDING_DELIVERY_STATES),
        )
        .values(
            status=DeliveryStatus.SKIPPED,
            claimed_by=None,
            claimed_until=None,
            last_error="subscriber erased",
            updated_at=by.now,
        )
        .execution_options(synchronize_session=False)
    )
    session.delete(subscriber)
    session.flush()
    # The database set subscriber_id to NULL in consent_events and deliveries;
    # objects already loaded in this session would still show the old id.
    session.expire_all()
    return True


def purge_unconfirmed(
    session: Session, *, now: datetime, older_than: timedelta, channel: str = "admin"
) -> int:
    """Delete sign-ups never confirmed whose last sign-up is older than ``older_than``.

    "Never confirmed": ``pending`` with no ``confirmed_at`` (someone who left and
    signed up again is not purged: they once agreed, and their record says so).
    Age counts from ``updated_at``, which each new sign-up of the address moves, so
    a confirmation link sent yesterday is not voided by the purge. Each purged
    address gets an ``erased`` event (by the hash its sign-up recorded) and is not
    suppressed: the person may still sign up later. Returns how many were deleted.
    The scheduler calls this daily; flushes, never commits.
    """
    cutoff = now - older_than
    purged = 0
    while True:
        batch = list(
            session.scalars(
                select(Subscriber)
                .where(
                    Subscriber.status == SubscriberStatus.PENDING,
                    Subscriber.confirmed_at.is_(None),
                    Subscriber.updated_at < cutoff,
                )
                .order_by(Subscriber.id)
                .limit(PURGE_CHUNK)
            )
        )
        if not batch:
            return purged
        ids = [subscriber.id for subscriber in batch]
        # The keyed hash of each address is in its sign-up event: no key needed here.
        hashes: dict[int | None, str] = {
            subscriber_id: email_hash
            for subscriber_id, email_hash in session.execute(
                select(ConsentEvent.subscriber_id, ConsentEvent.email_hash)
                .where(ConsentEvent.subscriber_id.in_(ids))
                .distinct()
            )
        }
        for subscriber in batch:
            email_hash = hashes.get(subscriber.id)
            if email_hash is None:
                continue  # made outside the sign-up form: no history to extend
            record_event(
                session,
                subscriber=None,
                email_hash=email_hash,
                kind=ConsentEventKind.ERASED,
                channel=channel,
                legal_basis=subscriber.legal_basis,
                now=now,
                details={"reason": "never confirmed", "older_than_days": older_than.days},
            )
        session.execute(delete(Subscriber).where(Subscriber.id.in_(ids)))
        session.expire_all()
        purged += len(ids)
