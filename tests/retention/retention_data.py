"""Rows on both sides of every retention boundary, at instants relative to ``now``.

Real ORM rows in the test database. For each kind there is one row one second past
its time (to go) and one exactly at it (to stay); plus what must never go: an active
subscriber's old consent history and the rows of an issue still sending.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tryggnews.content.audit import record
from tryggnews.db.models import (
    AuditEvent,
    BounceMessage,
    ConsentEvent,
    ConsentEventKind,
    Delivery,
    DeliveryRollup,
    DeliveryStatus,
    Issue,
    IssueStatus,
    Subscriber,
    SubscriberStatus,
)
from tryggnews.retention import RetentionPeriods

PERIODS = RetentionPeriods()  # the defaults: 400, 1095, 1095, 30, 30 days
SECOND = timedelta(seconds=1)
TABLES = (AuditEvent, BounceMessage, ConsentEvent, Delivery, DeliveryRollup, Subscriber)
# What ``build`` makes past its time, per kind (see the comments there).
EXPECTED = {"deliveries": 3, "bounce_mail": 1, "unconfirmed": 1, "consent": 3, "audit": 1}


def days(n: int) -> timedelta:
    return timedelta(days=n)


@dataclass
class Built:
    active_id: int
    old_issue: str
    recent_issue: str
    sending_issue: str


def subscriber(
    session: Session, email: str, status: SubscriberStatus, at: datetime, *, confirmed: bool
) -> Subscriber:
    row = Subscriber(
        email=email,
        email_key=email,
        status=status,
        token_salt=secrets.token_hex(8),
        created_at=at,
        updated_at=at,
        confirmed_at=at if confirmed else None,
    )
    session.add(row)
    session.flush()
    return row


def event(
    session: Session,
    email_hash: str,
    kind: ConsentEventKind,
    at: datetime,
    *,
    person: Subscriber | None = None,
    details: dict[str, str] | None = None,
) -> None:
    session.add(
        ConsentEvent(
            subscriber_id=person.id if person is not None else None,
            email_hash=email_hash,
            kind=kind,
            channel="form",
            legal_basis="consent",
            details=details or {},
            created_at=at,
        )
    )


def issue(session: Session, key: str, number: int, status: IssueStatus, sent_at: datetime | None):
    row = Issue(
        key=key, year=2027, number=number, title=key, subject=key, status=status, sent_at=sent_at
    )
    session.add(row)
    session.flush()
    return row


def deliveries(
    session: Session, issue_row: Issue, people: list[Subscriber], at: datetime
) -> list[Delivery]:
    rows = [
        Delivery(
            issue_id=issue_row.id,
            subscriber_id=person.id,
            variant="alla",
            status=DeliveryStatus.SENT,
            message_id=f"<{issue_row.key}.{person.id}@example.org>",
            created_at=at,
            updated_at=at,
            sent_at=at,
        )
        for person in people
    ]
    session.add_all(rows)
    session.flush()
    return rows


def build(session: Session, now: datetime) -> Built:
    """Rows around each boundary of ``PERIODS`` as of ``now``; see ``EXPECTED``."""
    consent_cut = now - days(PERIODS.consent_days)
    delivery_cut = now - days(PERIODS.deliveries_days)
    bounce_cut = now - days(PERIODS.bounce_mail_days)
    audit_cut = now - days(PERIODS.audit_days)
    unconfirmed_cut = now - days(PERIODS.unconfirmed_days)
    long_ago = now - days(3000)

    # consent: an ended subscription whose last event is one second past → both go (2);
    # one whose last event is exactly at the boundary → all its history stays;
    # an erased address (no subscriber) one second past → goes (1);
    # an active subscriber whose history is ancient → stays while the subscription lasts.
    ended = subscriber(
        session, "slutat@example.org", SubscriberStatus.UNSUBSCRIBED, long_ago, confirmed=True
    )
    event(session, "h-ended", ConsentEventKind.SUBSCRIBED, long_ago, person=ended)
    event(session, "h-ended", ConsentEventKind.UNSUBSCRIBED, consent_cut - SECOND, person=ended)
    ended_at = subscriber(
        session, "slutat-nyss@example.org", SubscriberStatus.UNSUBSCRIBED, long_ago, confirmed=True
    )
    event(session, "h-ended-at", ConsentEventKind.SUBSCRIBED, long_ago, person=ended_at)
    event(session, "h-ended-at", ConsentEventKind.UNSUBSCRIBED, consent_cut, person=ended_at)
    event(session, "h-erased", ConsentEventKind.ERASED, consent_cut - SECOND)
    active = subscriber(
        session, "aktiv@example.org", SubscriberStatus.ACTIVE, long_ago, confirmed=True
    )
    event(session, "h-active", ConsentEventKind.SUBSCRIBED, long_ago, person=active)
    event(session, "h-active", ConsentEventKind.CONFIRMED, long_ago, person=active)

    # unconfirmed sign-ups: one second past → purged (1); exactly at → stays.
    subscriber(
        session,
        "aldrig@example.org",
        SubscriberStatus.PENDING,
        unconfirmed_cut - SECOND,
        confirmed=False,
    )
    subscriber(
        session,
        "aldrig-nyss@example.org",
        SubscriberStatus.PENDING,
        unconfirmed_cut,
        confirmed=False,
    )

    # deliveries: an issue sent one second past → its 3 rows rolled up; one sent exactly
    # at → stays; an issue still sending with ancient rows → untouched.
    people = [active, ended, ended_at]
    old = issue(session, "2025-1", 1, IssueStatus.SENT, delivery_cut - SECOND)
    old_rows = deliveries(session, old, people, delivery_cut - SECOND)
    recent = issue(session, "2025-2", 2, IssueStatus.SENT, delivery_cut)
    deliveries(session, recent, people, delivery_cut)
    sending = issue(session, "2025-3", 3, IssueStatus.SENDING, None)
    sending_rows = deliveries(session, sending, people, long_ago)

    # bounce mail: one second past → goes (1); exactly at → stays; one past its time but
    # tied to the issue still sending → stays; one recent, tied to a row rolled up → stays,
    # its delivery_id set to NULL by the foreign key.
    for key, at, delivery in (
        ("past", bounce_cut - SECOND, None),
        ("at", bounce_cut, None),
        ("sending", bounce_cut - SECOND, sending_rows[0].id),
        ("rolled", now - days(1), old_rows[0].id),
    ):
        session.add(
            BounceMessage(message_key=key, outcome="hard", delivery_id=delivery, processed_at=at)
        )

    # audit: one second past → goes (1); exactly at → stays.
    for at in (audit_cut - SECOND, audit_cut):
        record(
            session,
            actor="redaktor@example.org",
            action="block.edit",
            object_type="block",
            object_id=1,
            at=at,
        )
    session.flush()
    return Built(active.id, old.key, recent.key, sending.key)


def row_counts(session: Session) -> dict[str, int]:
    return {
        t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES
    }
