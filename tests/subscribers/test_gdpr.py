"""GDPR: the export holds everything stored about a person; erasure deletes the person and
keeps only the keyed hash (suppression list, detached consent events and send log); the
purge deletes only never-confirmed sign-ups past their age.

Runs on a SQLite file and on PostgreSQL, whose foreign keys detach the rows.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tryggnews.db.models import (
    ConsentEvent,
    Delivery,
    DeliveryStatus,
    Issue,
    Subscriber,
    SubscriberStatus,
    Suppression,
)
from tryggnews.subscribers.consent import history
from tryggnews.subscribers.gdpr import erase, erase_address, export_person, purge_unconfirmed
from tryggnews.subscribers.lifecycle import Actor, Choices, confirm, find_subscriber, sign_up
from tryggnews.subscribers.suppression import address_hash, is_suppressed
from tryggnews.subscribers.texts import current_text

SECRET = "gdpr-test-secret-0123456789abcdefghij"
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
TEXT = current_text("consent")


def by(channel: str = "link", at: datetime = T0) -> Actor:
    return Actor(channel=channel, now=at, secret_key=SECRET)


def person(
    session: Session, email: str, *, at: datetime = T0, confirmed: bool = True
) -> Subscriber:
    choices = Choices(("parents-4-6",), ("vald",), "sv")
    sign_up(session, email, choices, text=TEXT, by=by("form", at))
    subscriber = find_subscriber(session, email.casefold())
    assert subscriber is not None
    if confirmed:
        confirm(session, subscriber, by=by("link", at))
    return subscriber


def sent_issue(session: Session, subscriber: Subscriber) -> Delivery:
    issue = Issue(key="2027-1", year=2027, number=1, title="Nummer 1", subject="Trygg i Österåker")
    session.add(issue)
    session.flush()
    delivery = Delivery(
        issue_id=issue.id,
        subscriber_id=subscriber.id,
        variant="v1",
        status=DeliveryStatus.SENT,
        sent_at=T0,
    )
    session.add(delivery)
    session.flush()
    return delivery


def test_the_export_holds_the_person_their_events_and_their_mail(session: Session) -> None:
    subscriber = person(session, "anna@example.org")
    sent_issue(session, subscriber)
    data = export_person(session, email_key="anna@example.org", secret_key=SECRET, now=T0)
    json.dumps(data)  # JSON-ready as it is
    stored = data["subscriber"]
    assert stored["email"] == "anna@example.org"
    assert (stored["status"], stored["audiences"], stored["topics"]) == (
        "active",
        ["parents-4-6"],
        ["vald"],
    )
    assert stored["confirmed_at"] == T0.isoformat()
    assert "token_salt" not in stored and data["not_shown"] == ["token_salt"]
    assert [event["kind"] for event in data["consent_events"]] == ["subscribed", "confirmed"]
    assert data["consent_events"][0]["text_sha256"] == TEXT.sha256
    assert data["deliveries"] == [
        {
            "issue": "2027-1",
            "title": "Nummer 1",
            "status": "sent",
            "queued_at": data["deliveries"][0]["queued_at"],
            "sent_at": T0.isoformat(),
        }
    ]
    assert data["suppressed"] is None
    # Every column of the table is either exported or deliberately not shown.
    columns = {column.name for column in Subscriber.__table__.columns}
    # email_key and name_key are search forms of email and name, which are exported.
    assert columns - set(stored) - set(data["not_shown"]) == {"id", "email_key", "name_key"}


def test_erasure_deletes_the_person_and_keeps_only_the_hash(session: Session) -> None:
    subscriber = person(session, "anna@example.org")
    other = person(session, "bo@example.org")
    delivery = sent_issue(session, subscriber)
    erase(session, subscriber, by=by("link", T0 + timedelta(days=1)))
    session.commit()

    assert find_subscriber(session, "anna@example.org") is None
    assert find_subscriber(session, "bo@example.org") is not None
    email_hash = address_hash(SECRET, "anna@example.org")
    assert is_suppressed(session, email_hash)
    assert session.get(Suppression, email_hash).reason == "erased"  # type: ignore[union-attr]
    events = history(session, email_hash)
    assert [event.kind.value for event in events] == ["subscribed", "confirmed", "erased"]
    assert {event.subscriber_id for event in events} == {None}
    assert events[-1].channel == "link"
    # The send log keeps its row, without the person.
    kept = session.get(Delivery, delivery.id)
    assert kept is not None and kept.subscriber_id is None and kept.status is DeliveryStatus.SENT
    # Nothing else about the address is left anywhere.
    assert (
        session.scalar(
            select(func.count())
            .select_from(ConsentEvent)
            .where(ConsentEvent.subscriber_id == other.id)
        )
        == 2
    )
    data = export_person(session, email_key="anna@example.org", secret_key=SECRET, now=T0)
    assert data["subscriber"] is None and data["deliveries"] == []
    assert data["suppressed"] == {"reason": "erased", "since": (T0 + timedelta(days=1)).isoformat()}


def test_erasing_an_address_never_stored_still_suppresses_it(session: Session) -> None:
    assert not erase_address(session, "never@example.org", by=by("cli"))
    email_hash = address_hash(SECRET, "never@example.org")
    assert is_suppressed(session, email_hash)
    [event] = history(session, email_hash)
    assert (event.kind.value, event.channel, event.details) == ("erased", "cli", {"stored": False})


def test_the_purge_deletes_only_old_never_confirmed_sign_ups(session: Session) -> None:
    now = T0 + timedelta(days=40)
    old = person(session, "old@example.org", confirmed=False)
    recent = person(session, "recent@example.org", at=now - timedelta(days=5), confirmed=False)
    confirmed = person(session, "confirmed@example.org")
    # Signed up long ago and again last week: the new link must keep working.
    again = person(session, "again@example.org", confirmed=False)
    sign_up(
        session,
        "again@example.org",
        Choices(("senior",), (), "sv"),
        text=TEXT,
        by=by("form", now - timedelta(days=7)),
    )
    old_id = old.id
    session.commit()

    assert purge_unconfirmed(session, now=now, older_than=timedelta(days=30)) == 1
    session.commit()
    remaining = {s.email_key for s in session.scalars(select(Subscriber))}
    assert remaining == {"recent@example.org", "confirmed@example.org", "again@example.org"}
    assert session.get(Subscriber, old_id) is None
    # The address keeps its history, ended by an erasure, and is not suppressed:
    # the person may still sign up later.
    email_hash = address_hash(SECRET, "old@example.org")
    events = history(session, email_hash)
    assert [event.kind.value for event in events] == ["subscribed", "erased"]
    assert events[-1].details == {"reason": "never confirmed", "older_than_days": 30}
    assert (events[-1].channel, events[-1].subscriber_id) == ("admin", None)
    assert not is_suppressed(session, email_hash)
    assert purge_unconfirmed(session, now=now, older_than=timedelta(days=30)) == 0
    assert {recent.status, confirmed.status, again.status} == {
        SubscriberStatus.PENDING,
        SubscriberStatus.ACTIVE,
    }


def test_the_purge_works_through_many_sign_ups(session: Session) -> None:
    for number in range(1203):
        session.add(
            Subscriber(
                email=f"p{number}@example.org",
                email_key=f"p{number}@example.org",
                status=SubscriberStatus.PENDING,
                token_salt="s",
                created_at=T0,
                updated_at=T0,
            )
        )
    session.commit()
    assert (
        purge_unconfirmed(session, now=T0 + timedelta(days=31), older_than=timedelta(days=30))
        == 1203
    )
    assert session.scalar(select(func.count()).select_from(Subscriber)) == 0
