"""The Brevo webhook applies an event only to the delivery its Message-ID names and only when the
event's address is that delivery's recipient; anything else (an id we never gave, another
subscriber's message) changes nobody, is recorded as unmatched and counted, and a replay of it is
a duplicate. A body nested too deeply or over the size limit is a 400, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from test_webhook_brevo import (  # fixtures and helpers, no tests
    client,
    event,
    outbox,
    person,
    post,
    row,
    sent,
    state,
)

from tryggnews.db.models import DeliveryStatus, ProviderEvent, SubscriberStatus
from tryggnews.web.webhooks import MAX_BODY_BYTES

__all__ = ["client", "outbox", "sent"]


def unchanged_but_events(before: dict[str, Any], after: dict[str, Any]) -> bool:
    return {k: v for k, v in before.items() if k != "events"} == {
        k: v for k, v in after.items() if k != "events"
    }


@pytest.mark.usefixtures("sent")
@pytest.mark.parametrize("name", ["hard_bounce", "spam", "unsubscribed", "blocked", "soft_bounce"])
def test_an_event_naming_another_subscribers_message_changes_nobody(
    client: FlaskClient, session_factory: sessionmaker[Session], name: str
) -> None:
    # Person 2's address, with the Message-IDs of the message person 1 got.
    forged = event(name, 1, email="person2@example.org")
    before = state(session_factory)

    response = post(client, forged)

    assert response.status_code == 200
    assert response.get_json() == {"applied": 0, "duplicates": 0, "unmatched": 1, "ignored": 0}
    assert unchanged_but_events(before, state(session_factory))
    assert row(session_factory, 1, 1).status == DeliveryStatus.SENT
    assert person(session_factory, 1).status == SubscriberStatus.ACTIVE
    assert person(session_factory, 2).status == SubscriberStatus.ACTIVE
    with session_factory() as session:
        kinds = list(session.scalars(select(ProviderEvent.kind)))
    assert kinds == [f"unmatched:{name if name != 'spam' else 'complaint'}"]
    # Sent again by the provider, it is a duplicate.
    assert post(client, forged).get_json()["duplicates"] == 1


@pytest.mark.usefixtures("sent")
def test_an_address_with_an_unknown_message_id_changes_nothing(
    client: FlaskClient, session_factory: sessionmaker[Session]
) -> None:
    post(client, event("soft_bounce", 1, issue=1))
    before = state(session_factory)
    unknown = event("delivered", 1, **{"X-Mailin-custom": "<not.ours@example.net>"})
    unknown["message-id"] = "<other-system@smtp-relay.mailin.fr>"
    hard = dict(unknown, event="hard_bounce")

    response = post(client, [unknown, hard])

    assert response.get_json() == {"applied": 0, "duplicates": 0, "unmatched": 2, "ignored": 0}
    assert unchanged_but_events(before, state(session_factory))
    assert person(session_factory, 1).soft_bounces == 1  # not reset by a stranger's delivery


@pytest.mark.usefixtures("sent")
def test_the_address_is_compared_as_the_subscriber_key(
    client: FlaskClient, session_factory: sessionmaker[Session]
) -> None:
    response = post(client, event("hard_bounce", 3, email="  PERSON3@Example.ORG "))
    assert response.get_json()["applied"] == 1
    assert row(session_factory, 1, 3).status == DeliveryStatus.BOUNCED


@pytest.mark.usefixtures("sent")
@pytest.mark.parametrize(
    "body",
    [
        "[" * 200_000 + "]" * 200_000,
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        json.dumps([{"event": "opened", "pad": "x" * MAX_BODY_BYTES}]),
    ],
    ids=["nested-lists", "nested-objects", "oversized"],
)
def test_deep_or_oversized_json_is_400_and_changes_nothing(
    client: FlaskClient, session_factory: sessionmaker[Session], body: str
) -> None:
    before = state(session_factory)
    response = post(client, body)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert state(session_factory) == before
