"""People in the list for the subscriber workspace tests: signed up and confirmed through the
real lifecycle (so each has a consent history with its text version), and an issue sent."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from tryggnews.db.models import Delivery, DeliveryStatus, Issue, Subscriber
from tryggnews.subscribers.lifecycle import Actor, Choices, confirm, find_subscriber, sign_up
from tryggnews.subscribers.texts import current_text

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
TEXT = current_text("consent")


def add_person(
    session: Session,
    email: str,
    name: str | None = None,
    *,
    audiences: tuple[str, ...] = ("parents-4-6",),
    language: str = "sv",
    confirmed: bool = True,
) -> Subscriber:
    by = Actor(channel="form", now=T0, secret_key=TEST_SECRET)
    sign_up(session, email, Choices(audiences, ("vald",), language), text=TEXT, by=by)
    subscriber = find_subscriber(session, email.casefold())
    assert subscriber is not None
    subscriber.name = name
    if confirmed:
        confirm(session, subscriber, by=Actor(channel="link", now=T0, secret_key=TEST_SECRET))
    return subscriber


def sent_to(session: Session, subscriber: Subscriber, *, status: DeliveryStatus) -> None:
    issue = Issue(key="2026-4", year=2026, number=4, title="Vinterns nummer", subject="Trygg")
    session.add(issue)
    session.flush()
    session.add(
        Delivery(
            issue_id=issue.id,
            subscriber_id=subscriber.id,
            variant="v1",
            status=status,
            sent_at=T0,
            last_error="smtp 550 5.1.1 user unknown" if status is DeliveryStatus.BOUNCED else None,
        )
    )
    session.flush()
