"""One person as the workspace shows them: choices, consent history, deliveries, bounces.

Read-only; the changes go through ``lifecycle`` and ``gdpr``. The delivery list is
the one ``gdpr.export_person`` exports too (``deliveries_of``), so what an
administrator sees is what the person would get in their data export.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.db.models import (
    ConsentEvent,
    ConsentEventKind,
    Delivery,
    DeliveryStatus,
    Issue,
    Subscriber,
    Suppression,
)
from tryggnews.subscribers.consent import history
from tryggnews.subscribers.suppression import address_hash

BOUNCE_KINDS = (ConsentEventKind.BOUNCED, ConsentEventKind.COMPLAINED)


@dataclass(frozen=True)
class DeliveryLine:
    """One issue sent (or being sent, or not sent) to the person."""

    issue_key: str
    title: str
    status: DeliveryStatus
    queued_at: datetime
    sent_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class Person:
    subscriber: Subscriber
    email_hash: str
    events: list[ConsentEvent]
    deliveries: list[DeliveryLine]
    suppression: Suppression | None

    @property
    def bounce_events(self) -> list[ConsentEvent]:
        return [event for event in self.events if event.kind in BOUNCE_KINDS]

    @property
    def bounced_deliveries(self) -> list[DeliveryLine]:
        return [line for line in self.deliveries if line.last_error]


def deliveries_of(session: Session, subscriber_id: int) -> list[DeliveryLine]:
    """Every ledger row of the person, oldest first, with its issue."""
    rows = session.execute(
        select(
            Issue.key,
            Issue.title,
            Delivery.status,
            Delivery.created_at,
            Delivery.sent_at,
            Delivery.last_error,
        )
        .join(Issue, Issue.id == Delivery.issue_id)
        .where(Delivery.subscriber_id == subscriber_id)
        .order_by(Delivery.id)
    )
    return [DeliveryLine(*row) for row in rows]


def load_person(session: Session, subscriber: Subscriber, *, secret_key: str) -> Person:
    email_hash = address_hash(secret_key, subscriber.email_key)
    return Person(
        subscriber=subscriber,
        email_hash=email_hash,
        events=history(session, email_hash),
        deliveries=deliveries_of(session, subscriber.id),
        suppression=session.get(Suppression, email_hash),
    )
