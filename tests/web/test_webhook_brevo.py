"""The Brevo webhook: a hard bounce marks the ledger row bounced and suppresses the address,
complaints, unsubscribes and blocks do what they say, soft bounces count to the limit, a
replay changes nothing, and a wrong secret (403) or malformed JSON (400) changes nothing."""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from tryggnews.clock import FixedClock
from tryggnews.config import Settings
from tryggnews.db.models import (
    ConsentEvent,
    ConsentEventKind,
    Delivery,
    DeliveryStatus,
    Issue,
    ProviderEvent,
    Subscriber,
    SubscriberStatus,
    Suppression,
)
from tryggnews.subscribers.suppression import address_hash
from tryggnews.transports.outbox import MaildirTransport
from tryggnews.web.app import create_app

SECRET = "hook-secret-åäö-0123456789"
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
PEOPLE = 3


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[MaildirTransport]:
    transport = MaildirTransport(tmp_path / "outbox")
    yield transport
    transport.close()


def make_app(
    settings: Settings, factory: sessionmaker[Session], outbox: MaildirTransport, **changes: Any
) -> Flask:
    changed = dataclasses.replace(settings, **{"webhook_secret": SECRET, **changes})
    app = create_app(changed, transport=outbox, clock=FixedClock(NOW), session_factory=factory)
    app.config["TESTING"] = True  # CSRF protection stays on: the webhook must be exempt
    return app


@pytest.fixture
def client(
    settings: Settings, session_factory: sessionmaker[Session], outbox: MaildirTransport
) -> FlaskClient:
    return make_app(settings, session_factory, outbox, soft_bounce_limit=3).test_client()


def our_id(issue: int, person: int) -> str:
    return f"<2027-{issue}.{person}.5eed{person:02d}@trygg.example.se>"


@pytest.fixture
def sent(session_factory: sessionmaker[Session]) -> None:
    """Three issues, each sent to three subscribers (rows ``sent`` with our Message-IDs)."""
    with session_factory.begin() as session:
        people = []
        for n in range(1, PEOPLE + 1):
            person = Subscriber(
                email=f"person{n}@example.org",
                email_key=f"person{n}@example.org",
                audiences=[],
                topics=[],
                status=SubscriberStatus.ACTIVE,
                token_salt=secrets.token_hex(8),
            )
            session.add(person)
            people.append(person)
        for i in (1, 2, 3):
            issue = Issue(key=f"2027-{i}", year=2027, number=i, title="Nummer", subject="Ämne")
            session.add(issue)
            session.flush()
            for n, person in enumerate(people, start=1):
                session.add(
                    Delivery(
                        issue_id=issue.id,
                        subscriber_id=person.id,
                        variant="v1",
                        status=DeliveryStatus.SENT,
                        message_id=our_id(i, n),
                        attempts=1,
                    )
                )


def event(name: str, person: int, issue: int = 1, **extra: Any) -> dict[str, Any]:
    """An event as Brevo posts it (fields from its transactional webhook documentation)."""
    return {
        "event": name,
        "email": f"person{person}@example.org",
        "id": 4711,
        "date": "2027-03-01 13:00:00",
        "ts": 1803985200,
        "message-id": f"<20270301.{issue}.{person}@smtp-relay.mailin.fr>",
        "ts_event": 1803985200,
        "subject": "Trygg i Österåker",
        "X-Mailin-custom": our_id(issue, person),
        "sending_ip": "185.41.28.109",
        "ts_epoch": 1803985200000,
        "tags": [],
        "reason": "550 5.1.1 no such user",
        **extra,
    }


def post(client: FlaskClient, payload: Any, *, token: str | None = SECRET) -> TestResponse:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    data = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(
        "/webhooks/brevo", data=data, headers=headers, content_type="application/json"
    )


def state(factory: sessionmaker[Session]) -> dict[str, Any]:
    """Everything a webhook may change, comparable before and after."""
    with factory() as session:
        return {
            "rows": sorted(
                (r.message_id or "", r.status, r.last_error or "")
                for r in session.scalars(select(Delivery))
            ),
            "people": sorted(
                (s.email, s.status, s.soft_bounces) for s in session.scalars(select(Subscriber))
            ),
            "suppressed": sorted(
                (s.email_hash, s.reason) for s in session.scalars(select(Suppression))
            ),
            "consent": sorted(
                (e.subscriber_id or 0, e.kind, e.channel)
                for e in session.scalars(select(ConsentEvent))
            ),
            "events": sorted(
                (e.provider, e.event_key) for e in session.scalars(select(ProviderEvent))
            ),
        }


def row(factory: sessionmaker[Session], issue: int, person: int) -> Delivery:
    with factory() as session:
        return session.scalars(
            select(Delivery).where(Delivery.message_id == our_id(issue, person))
        ).one()


def person(factory: sessionmaker[Session], n: int) -> Subscriber:
    with factory() as session:
        return session.scalars(
            select(Subscriber).where(Subscriber.email == f"person{n}@example.org")
        ).one()


def suppression(settings: Settings, factory: sessionmaker[Session], email: str) -> str | None:
    with factory() as session:
        found = session.get(Suppression, address_hash(settings.require_secret_key(), email))
        return found.reason if found is not None else None


def consent(factory: sessionmaker[Session], n: int) -> list[tuple[ConsentEventKind, str]]:
    subscriber_id = person(factory, n).id
    with factory() as session:
        events = session.scalars(
            select(ConsentEvent).where(ConsentEvent.subscriber_id == subscriber_id)
        )
        return [(e.kind, e.channel) for e in events]


@pytest.mark.usefixtures("sent")
def test_hard_bounce_marks_the_row_and_suppresses_and_a_replay_changes_nothing(
    client: FlaskClient, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    response = post(client, event("hard_bounce", 1))

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"applied": 1, "duplicates": 0, "unmatched": 0, "ignored": 0}
    assert "Set-Cookie" not in response.headers
    bounced = row(session_factory, 1, 1)
    assert bounced.status == DeliveryStatus.BOUNCED
    assert "hard_bounce" in (bounced.last_error or "") and "5.1.1" in (bounced.last_error or "")
    assert person(session_factory, 1).status == SubscriberStatus.BOUNCED
    assert suppression(settings, session_factory, "person1@example.org") == "hard-bounce"
    assert consent(session_factory, 1) == [(ConsentEventKind.BOUNCED, "provider-webhook")]
    # Nobody else is touched.
    assert row(session_factory, 1, 2).status == DeliveryStatus.SENT
    assert person(session_factory, 2).status == SubscriberStatus.ACTIVE

    before = state(session_factory)
    replay = post(client, [event("hard_bounce", 1), event("hard_bounce", 1)])
    assert replay.status_code == 200
    assert replay.get_json()["duplicates"] == 2
    assert state(session_factory) == before


@pytest.mark.usefixtures("sent")
def test_the_same_event_twice_in_one_request_counts_once(
    client: FlaskClient, session_factory: sessionmaker[Session]
) -> None:
    response = post(client, [event("soft_bounce", 2), event("soft_bounce", 2)])
    assert response.get_json() == {"applied": 1, "duplicates": 1, "unmatched": 0, "ignored": 0}
    assert person(session_factory, 2).soft_bounces == 1


@pytest.mark.usefixtures("sent")
def test_wrong_or_missing_secret_is_403_and_changes_nothing(
    client: FlaskClient, session_factory: sessionmaker[Session]
) -> None:
    before = state(session_factory)
    attempts = [
        post(client, event("hard_bounce", 1), token="wrong"),
        post(client, event("hard_bounce", 1), token=None),
        post(client, event("hard_bounce", 1), token=""),
        client.post(
            "/webhooks/brevo?token=wrong",
            data=json.dumps(event("hard_bounce", 1)),
            content_type="application/json",
        ),
        # A wrong secret is refused before the body is even read.
        post(client, "{not json", token="wrong"),
    ]
    assert [r.status_code for r in attempts] == [403] * 5
    assert state(session_factory) == before


@pytest.mark.usefixtures("sent")
def test_secret_in_the_query_string_is_accepted(
    client: FlaskClient, session_factory: sessionmaker[Session]
) -> None:
    response = client.post(
        f"/webhooks/brevo?token={SECRET}",
        data=json.dumps(event("hard_bounce", 3)),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert row(session_factory, 1, 3).status == DeliveryStatus.BOUNCED


def test_without_a_secret_the_endpoint_does_not_exist(
    settings: Settings, session_factory: sessionmaker[Session], outbox: MaildirTransport
) -> None:
    client = make_app(settings, session_factory, outbox, webhook_secret="").test_client()
    before = state(session_factory)
    assert post(client, event("hard_bounce", 1), token="").status_code == 404
    assert post(client, event("hard_bounce", 1), token="anything").status_code == 404
    assert state(session_factory) == before


MALFORMED: list[str | bytes] = [
    "{not json",
    b"\xff\xfe",
    "",
    json.dumps({"email": "person1@example.org"}),  # no event name
    json.dumps(event("hard_bounce", 1, email=None)),
    json.dumps(event("hard_bounce", 1, **{"message-id": ""})),
    json.dumps(event("spam", 1, email="not-an-address")),
    # All or nothing: the good first event is not applied either.
    json.dumps([event("hard_bounce", 1), "not an event"]),
    json.dumps([event("hard_bounce", 1), event("spam", 2, email=42)]),
]


@pytest.mark.usefixtures("sent")
def test_malformed_json_or_missing_fields_is_400_and_changes_nothing(
    client: FlaskClient, session_factory: sessionmaker[Session]
) -> None:
    before = state(session_factory)
    for payload in MALFORMED:
        response = post(client, payload)
        assert response.status_code == 400, payload
        assert response.get_json()["error"]
    assert state(session_factory) == before


@pytest.mark.usefixtures("sent")
def test_complaint_unsubscribe_and_block_each_do_what_they_say(
    client: FlaskClient, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    response = post(
        client, [event("spam", 1), event("unsubscribed", 2), event("blocked", 3, reason="")]
    )
    assert response.get_json() == {"applied": 3, "duplicates": 0, "unmatched": 0, "ignored": 0}

    # A complaint: they never want it again; the message itself did arrive.
    assert person(session_factory, 1).status == SubscriberStatus.UNSUBSCRIBED
    assert suppression(settings, session_factory, "person1@example.org") == "complaint"
    assert consent(session_factory, 1) == [(ConsentEventKind.COMPLAINED, "provider-webhook")]
    assert row(session_factory, 1, 1).status == DeliveryStatus.SENT
    # An unsubscribe is not a suppression: they may sign up again one day.
    assert person(session_factory, 2).status == SubscriberStatus.UNSUBSCRIBED
    assert suppression(settings, session_factory, "person2@example.org") is None
    assert consent(session_factory, 2) == [(ConsentEventKind.UNSUBSCRIBED, "provider-webhook")]
    # Blocked: the message never reached them.
    assert row(session_factory, 1, 3).status == DeliveryStatus.BOUNCED
    assert person(session_factory, 3).status == SubscriberStatus.BOUNCED
    assert suppression(settings, session_factory, "person3@example.org") == "blocked"


@pytest.mark.usefixtures("sent")
def test_a_bounced_subscriber_is_not_turned_into_an_unsubscribed_one(
    client: FlaskClient, session_factory: sessionmaker[Session]
) -> None:
    post(client, event("hard_bounce", 1, issue=1))
    post(client, event("unsubscribed", 1, issue=2))
    assert person(session_factory, 1).status == SubscriberStatus.BOUNCED
    assert consent(session_factory, 1) == [(ConsentEventKind.BOUNCED, "provider-webhook")]


@pytest.mark.usefixtures("sent")
def test_soft_bounces_suppress_at_the_limit_and_a_delivery_resets_the_count(
    client: FlaskClient, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    # Limit 3 (the client fixture). Person 1: two soft bounces, then a delivery.
    post(client, [event("soft_bounce", 1, issue=1), event("soft_bounce", 1, issue=2)])
    assert person(session_factory, 1).soft_bounces == 2
    post(client, event("delivered", 1, issue=3))
    assert person(session_factory, 1).soft_bounces == 0
    assert person(session_factory, 1).status == SubscriberStatus.ACTIVE

    # Person 2: three in a row.
    for issue in (1, 2):
        post(client, event("soft_bounce", 2, issue=issue, reason="452 mailbox full"))
    assert person(session_factory, 2).status == SubscriberStatus.ACTIVE
    assert suppression(settings, session_factory, "person2@example.org") is None
    soft = row(session_factory, 1, 2)
    assert soft.status == DeliveryStatus.SENT and "mailbox full" in (soft.last_error or "")

    post(client, event("soft_bounce", 2, issue=3))
    assert person(session_factory, 2).soft_bounces == 3
    assert person(session_factory, 2).status == SubscriberStatus.BOUNCED
    assert suppression(settings, session_factory, "person2@example.org") == "soft-bounces"
    assert consent(session_factory, 2) == [(ConsentEventKind.BOUNCED, "provider-webhook")]


@pytest.mark.usefixtures("sent")
def test_events_we_do_not_act_on_are_ignored(
    client: FlaskClient, session_factory: sessionmaker[Session]
) -> None:
    before = state(session_factory)
    response = post(client, [event("opened", 1), {"event": "click"}, event("request", 2)])
    assert response.status_code == 200
    assert response.get_json() == {"applied": 0, "duplicates": 0, "unmatched": 0, "ignored": 3}
    assert state(session_factory) == before


@pytest.mark.usefixtures("sent")
def test_a_row_is_also_found_by_brevos_own_message_id(
    client: FlaskClient, session_factory: sessionmaker[Session]
) -> None:
    brevo_id = "<202703011200.99@smtp-relay.mailin.fr>"
    with session_factory.begin() as session:
        found = session.scalars(select(Delivery).where(Delivery.message_id == our_id(2, 2))).one()
        found.message_id = brevo_id
    payload = event("hard_bounce", 2, **{"message-id": brevo_id})
    del payload["X-Mailin-custom"]

    assert post(client, payload).get_json()["unmatched"] == 0
    with session_factory() as session:
        status = session.scalar(select(Delivery.status).where(Delivery.message_id == brevo_id))
    assert status == DeliveryStatus.BOUNCED


@pytest.mark.usefixtures("sent")
def test_an_event_for_a_message_we_never_sent_changes_nothing(
    client: FlaskClient, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    stranger = event("hard_bounce", 1, email="Okand@Example.ORG", **{"X-Mailin-custom": ""})
    stranger["message-id"] = "<unknown@smtp-relay.mailin.fr>"
    before = state(session_factory)

    response = post(client, stranger)

    assert response.get_json() == {"applied": 0, "duplicates": 0, "unmatched": 1, "ignored": 0}
    assert suppression(settings, session_factory, "okand@example.org") is None
    after = state(session_factory)
    assert {k: v for k, v in after.items() if k != "events"} == {
        k: v for k, v in before.items() if k != "events"
    }
