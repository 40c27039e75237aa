"""What came back: recent bounces and complaints, the bounce mail read, the suppression list.

For the workspace's page on suppressions and bounces. Every bounce or complaint that
stopped a person's mail is a consent event (``bounced``/``complained``, with the
provider's or mail server's reason in its details), so that is the list; the
messages read from the bounce mailbox (``bounce_messages``) are shown beside it,
including the ones no delivery could be found for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.db.models import BounceMessage, ConsentEvent, Subscriber
from tryggnews.subscribers.person import BOUNCE_KINDS

RECENT = 100


@dataclass(frozen=True)
class BounceLine:
    at: datetime
    kind: str
    channel: str
    reason: str
    # None once the person is erased: the event stays, by keyed hash only.
    subscriber_id: int | None
    email: str | None


def reason_of(details: dict[str, object]) -> str:
    """The reason a provider or mail server gave, in the words it gave it."""
    for key in ("reason", "reply", "event"):
        value = details.get(key)
        if value:
            return str(value)
    return ""


def recent_bounces(session: Session, *, limit: int = RECENT) -> list[BounceLine]:
    """The newest bounce and complaint events, newest first."""
    rows = session.execute(
        select(ConsentEvent, Subscriber.email)
        .outerjoin(Subscriber, Subscriber.id == ConsentEvent.subscriber_id)
        .where(ConsentEvent.kind.in_(BOUNCE_KINDS))
        .order_by(ConsentEvent.id.desc())
        .limit(limit)
    )
    return [
        BounceLine(
            at=event.created_at,
            kind=event.kind.value,
            channel=event.channel,
            reason=reason_of(event.details or {}),
            subscriber_id=event.subscriber_id,
            email=email,
        )
        for event, email in rows
    ]


def recent_bounce_mail(session: Session, *, limit: int = RECENT) -> list[BounceMessage]:
    """The newest messages read from the bounce mailbox, whatever they turned out to be."""
    return list(
        session.scalars(select(BounceMessage).order_by(BounceMessage.id.desc()).limit(limit))
    )
