"""Sending an issue end to end through the Brevo transport and a local Brevo stub: every
receiving subscriber gets one version with their own List-Unsubscribe, the ledger can find
each message again, a second run sends nothing, and a wrong api-key claims nothing."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from brevo_stub import BrevoStub
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews import wiring
from tryggnews.clock import FixedClock
from tryggnews.config import Settings
from tryggnews.content.blocks import BlockInput, create_block
from tryggnews.content.issues import add_block, create_issue, get_block
from tryggnews.content.vocabulary import load_vocabulary
from tryggnews.db.models import Delivery, DeliveryStatus, Subscriber, SubscriberStatus
from tryggnews.delivery.sender import SendSummary
from tryggnews.errors import TransportError
from tryggnews.subscribers.tokens import TokenPurpose
from tryggnews.transports.brevo import BrevoTransport

VOCABULARY = load_vocabulary(Path(__file__).resolve().parents[2] / "audiences.toml")

NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def stub() -> Iterator[BrevoStub]:
    with BrevoStub() as server:
        yield server


def _subscriber(session: Session, address: str, audiences: list[str], **extra: object) -> None:
    session.add(
        Subscriber(
            email=address,
            email_key=address.casefold(),
            audiences=audiences,
            topics=[],
            status=extra.get("status", SubscriberStatus.ACTIVE),
            token_salt=secrets.token_hex(8),
        )
    )


def _issue(session: Session) -> None:
    issue = create_issue(
        session,
        key="2027-1",
        year=2027,
        number=1,
        title="Stöd efter brott",
        subject="Trygg i Österåker: stöd efter brott",
        preheader="Brottsofferdagen och Föräldraskolan.",
        intro_md="Hej! Här kommer vårens första nyhetsbrev.",
        planned_send_at=datetime(2027, 2, 15, 7, 0, tzinfo=UTC),
    )
    for title, area, audiences in [
        ("Föräldraskolan för tonårsföräldrar", "andts", ["parents-7-9"]),
        ("Trygghetsvandring i Åkersberga", "gemensamt", []),
    ]:
        block = create_block(
            session,
            BlockInput(
                title=title,
                body_md=f"Text om {title.lower()}.",
                organisation="polis",
                focus_area=area,
                audiences=audiences,
                author="test",
                status="approved",
            ),
            VOCABULARY,
        )
        add_block(session, issue, get_block(session, block.id))


def _send(settings: Settings, factory: sessionmaker[Session], brevo: BrevoTransport) -> SendSummary:
    try:
        return wiring.publisher(settings).send(
            factory,
            "2027-1",
            transport=brevo,
            signer=wiring.signer(settings),
            clock=FixedClock(NOW),
            worker_id="test",
            batch_size=4,
            require_approval=False,  # delivery is under test here, not approval
        )
    finally:
        brevo.close()


def test_each_subscriber_gets_one_version_with_their_own_unsubscribe_link(
    settings: Settings, session_factory: sessionmaker[Session], stub: BrevoStub
) -> None:
    with session_factory.begin() as session:
        _issue(session)
        for n in range(5):
            _subscriber(session, f"foralder{n}@example.org", ["parents-7-9"])
        for n in range(4):
            _subscriber(session, f"personal{n}@example.org", ["staff-skola"])
        _subscriber(session, "borta@example.org", ["ovriga"], status=SubscriberStatus.UNSUBSCRIBED)

    # Sender batches of 4 over Brevo calls of 3: calls do not line up with batches.
    summary = _send(settings, session_factory, BrevoTransport(stub.api_key, stub.url, 3))

    assert summary.sent == 9 and summary.complete
    with session_factory() as session:
        people = {s.email: s for s in session.scalars(select(Subscriber))}
        rows = {r.subscriber_id: r for r in session.scalars(select(Delivery))}
    assert sorted(d.email for d in stub.delivered) == sorted(set(people) - {"borta@example.org"})
    assert all(len(call.body["messageVersions"]) <= 3 for call in stub.sends)

    signer = wiring.signer(settings)
    links = set()
    for delivered in stub.delivered:
        person = people[delivered.email]
        https, mailto = (
            part.strip(" <>") for part in delivered.headers["List-Unsubscribe"].split(",")
        )
        token = https.rsplit("/u/", 1)[1]
        assert mailto.endswith(f"?subject={token}")
        assert signer.verify(TokenPurpose.UNSUBSCRIBE, token).subscriber_id == person.id
        assert f"/u/{token}" in delivered.html and f"/u/{token}" in delivered.text
        links.add(token)
        # The webhook finds the ledger row by this value (Brevo echoes it).
        row = rows[person.id]
        assert row.status == DeliveryStatus.SENT
        assert delivered.headers["X-Mailin-custom"] == row.message_id
    assert len(links) == 9

    again = _send(settings, session_factory, BrevoTransport(stub.api_key, stub.url, 3))
    assert again.accepted_now == 0
    assert len(stub.delivered) == 9


def test_a_wrong_api_key_refuses_the_send_before_anything_is_claimed(
    settings: Settings, session_factory: sessionmaker[Session], stub: BrevoStub
) -> None:
    with session_factory.begin() as session:
        _issue(session)
        _subscriber(session, "foralder@example.org", ["parents-7-9"])

    with pytest.raises(TransportError, match="TRYGGNEWS_BREVO_API_KEY"):
        _send(settings, session_factory, BrevoTransport("wrong-key", stub.url))

    with session_factory() as session:
        statuses = set(session.scalars(select(Delivery.status)))
    assert statuses <= {DeliveryStatus.PENDING}
    assert stub.sends == []
