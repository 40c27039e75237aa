"""Deleting one kind of data past its time. Each function works in the caller's
transaction (flushes, never commits) and returns how many rows it deleted.

Rows are deleted with one bulk ``DELETE`` per kind, never loaded: the audit log's ORM
guard refuses deletes of loaded entries on purpose, and this is the one path meant to
remove them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from tryggnews.db.models import (
    AuditEvent,
    BounceMessage,
    ConsentEvent,
    Delivery,
    Issue,
    IssueStatus,
    Subscriber,
    SubscriberStatus,
)
from tryggnews.followup.rollup import roll_up_deliveries
from tryggnews.subscribers.gdpr import purge_unconfirmed

# A subscription still running: its consent history is the proof it rests on, kept
# for as long as it lasts (pending covers someone who once confirmed and signs up again).
LIVE_STATUSES = (SubscriberStatus.PENDING, SubscriberStatus.ACTIVE, SubscriberStatus.PAUSED)


def roll_up_old_deliveries(session: Session, before: datetime) -> int:
    """Delivery rows of issues whose sending finished before ``before``, rolled up into
    per-issue counts (``followup.rollup``) and deleted. An issue still sending is never
    touched: only issues in state ``sent`` are rolled up."""
    return roll_up_deliveries(session, sent_before=before)


def delete_bounce_mail(session: Session, before: datetime) -> int:
    """Bounce messages read from the bounce mailbox before ``before``.

    The row only guards against counting a message twice when a run stopped between
    recording it and marking it read in the mailbox; a month on, that is long past.
    """
    unfinished = (
        select(Delivery.id)
        .join(Issue, Issue.id == Delivery.issue_id)
        .where(Issue.status != IssueStatus.SENT)
    )
    result = session.execute(
        delete(BounceMessage)
        .where(
            BounceMessage.processed_at < before,
            # Nothing tied to an issue still sending (or paused) is touched.
            or_(BounceMessage.delivery_id.is_(None), BounceMessage.delivery_id.not_in(unfinished)),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_old_unconfirmed(session: Session, now: datetime, days: int) -> int:
    """Sign-ups never confirmed, by the subscribers room's own purge (the scheduler's
    purge job runs the same; whichever comes first finds them)."""
    return purge_unconfirmed(session, now=now, older_than=timedelta(days=days))


def delete_ended_consent(session: Session, before: datetime) -> int:
    """The consent history of every address whose subscription has ended and whose
    last event (the unsubscription, bounce or erasure) is older than ``before``.

    A history goes as a whole or not at all; an address with any recent event, or any
    event tied to a running subscription, keeps all of its events. The suppression
    list is not touched: an erased or bounced address stays blocked.
    """
    live_ids = select(Subscriber.id).where(Subscriber.status.in_(LIVE_STATUSES))
    live_hashes = select(ConsentEvent.email_hash).where(ConsentEvent.subscriber_id.in_(live_ids))
    recent_hashes = select(ConsentEvent.email_hash).where(ConsentEvent.created_at >= before)
    result = session.execute(
        delete(ConsentEvent)
        .where(
            ConsentEvent.created_at < before,
            ConsentEvent.email_hash.not_in(live_hashes),
            ConsentEvent.email_hash.not_in(recent_hashes),
            or_(ConsentEvent.subscriber_id.is_(None), ConsentEvent.subscriber_id.not_in(live_ids)),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def delete_old_audit(session: Session, before: datetime) -> int:
    """Audit log entries made before ``before``."""
    result = session.execute(
        delete(AuditEvent)
        .where(AuditEvent.at < before)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
