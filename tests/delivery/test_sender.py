"""Sending an issue: one message per receiving subscriber, recorded only once accepted.

Into a real Maildir: everyone active gets exactly one message, nobody else does,
a second run writes nothing, and the issue is marked sent. With transports
defined here: a retried address stays ``retry`` (the issue stays open until it is
delivered), a transport that raises hands its batch back, and a missing variant
or an empty ledger stops the send before anything goes out.
"""

from __future__ import annotations

import mailbox
from collections.abc import Sequence
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import cast

import pytest
from delivery_factories import (
    SUBJECT,
    T0,
    make_issue,
    make_planner,
    make_subscriber,
    templates_for,
)
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import FixedClock
from tryggnews.db.models import (
    Delivery,
    DeliveryStatus,
    Issue,
    IssueStatus,
    Subscriber,
    SubscriberStatus,
)
from tryggnews.delivery.ledger import ledger_counts, snapshot_audience
from tryggnews.delivery.message import MessageTemplate
from tryggnews.delivery.sender import SendSummary, send_issue
from tryggnews.errors import TryggnewsError
from tryggnews.subscribers.tokens import TokenPurpose, TokenSigner
from tryggnews.transports import (
    MaildirTransport,
    OutgoingMessage,
    SendResult,
    SendStatus,
    Transport,
)
from tryggnews.transports.base import ResultCallback

SIGNER = TokenSigner("test-secret-key-that-is-long-enough-0123456789")


class RetryFor:
    """Accepts every message except those to ``addresses``, which get a 451."""

    name = "retry-stub"

    def __init__(self, *addresses: str) -> None:
        self.addresses = set(addresses)
        self.sent: list[OutgoingMessage] = []

    def send(
        self, batch: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        results = []
        for message in batch:
            if message.recipient in self.addresses:
                results.append(SendResult(message.delivery_id, SendStatus.RETRY, "451 busy"))
            else:
                self.sent.append(message)
                results.append(SendResult(message.delivery_id, SendStatus.ACCEPTED))
        return results

    def close(self) -> None:
        pass


class Exploding:
    """Cannot send at all, like an SMTP server refusing our credentials."""

    name = "exploding"

    def send(
        self, batch: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        raise TryggnewsError("535 authentication failed")

    def close(self) -> None:
        pass


class Forgetful:
    """Answers for nobody: the sender must not take silence for success."""

    name = "forgetful"

    def send(
        self, batch: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        return []

    def close(self) -> None:
        pass


def _prepare(session_factory: sessionmaker[Session]) -> tuple[int, dict[str, MessageTemplate]]:
    """An issue with three receiving subscribers and three who must get nothing."""
    with session_factory.begin() as session:
        issue = make_issue(session)
        make_subscriber(session, "anna@example.org", name="Anna Åberg", audiences=["parents-7-9"])
        make_subscriber(session, "bo@example.org", audiences=["senior"])
        make_subscriber(session, "cia@räksmörgås.se", name="Cia", topics=["andts"])
        make_subscriber(session, "ny@example.org", status=SubscriberStatus.PENDING)
        make_subscriber(session, "slutat@example.org", status=SubscriberStatus.UNSUBSCRIBED)
        make_subscriber(session, "pausad@example.org", paused_until=T0 + timedelta(days=3))
        planner = make_planner(session)
        snapshot_audience(session, issue.id, planner, now=T0)
        return issue.id, templates_for(list(planner.variants))


def _send(
    session_factory: sessionmaker[Session],
    issue_id: int,
    templates: dict[str, MessageTemplate],
    transport: Transport,
    clock: FixedClock,
    **kwargs: object,
) -> SendSummary:
    return send_issue(
        session_factory,
        issue_id,
        templates=templates,
        transport=transport,
        signer=SIGNER,
        clock=clock,
        worker_id="test-worker",
        batch_size=2,
        message_id_domain="trygg.example.se",
        **kwargs,  # type: ignore[arg-type]
    )


def _issue(session_factory: sessionmaker[Session], issue_id: int) -> Issue:
    with session_factory() as session:
        issue = session.get(Issue, issue_id)
        assert issue is not None
        return issue


def test_send_to_maildir_once_per_receiving_subscriber(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    issue_id, templates = _prepare(session_factory)
    clock = FixedClock(T0)
    outbox = tmp_path / "outbox"
    batches: list[int] = []

    summary = _send(
        session_factory,
        issue_id,
        templates,
        MaildirTransport(outbox),
        clock,
        progress=batches.append,
    )

    assert (summary.sent, summary.accepted_now, summary.complete) == (3, 3, True)
    assert (summary.retrying, summary.failed, summary.bounced, summary.skipped) == (0, 0, 0, 0)
    assert batches == [2, 1]
    messages = [
        cast(EmailMessage, message_from_bytes(m.as_bytes(), policy=policy.default))
        for m in mailbox.Maildir(outbox, create=False)
    ]
    assert sorted(m["To"].addresses[0].addr_spec for m in messages) == [
        "anna@example.org",
        "bo@example.org",
        "cia@xn--rksmrgs-5wao1o.se",
    ]
    assert {m["Subject"] for m in messages} == {SUBJECT}
    assert len({m["Message-ID"] for m in messages}) == 3

    with session_factory() as session:
        rows = session.execute(
            select(Delivery, Subscriber).join(Subscriber).where(Delivery.issue_id == issue_id)
        ).all()
    by_email = {sub.email: delivery for delivery, sub in rows}
    for message in messages:
        # Each message carries its recipient's own unsubscribe token and Message-ID.
        token = str(message["List-Unsubscribe"]).split("/u/", 1)[1].split(">", 1)[0]
        claims = SIGNER.verify(TokenPurpose.UNSUBSCRIBE, token)
        delivery = next(d for d in by_email.values() if d.subscriber_id == claims.subscriber_id)
        assert delivery.message_id == message["Message-ID"]
        assert delivery.status == DeliveryStatus.SENT and delivery.sent_at == T0
        assert message["Message-ID"].startswith(f"<2027-1.{delivery.id}.")

    issue = _issue(session_factory, issue_id)
    assert (issue.status, issue.sent_at) == (IssueStatus.SENT, T0)

    # A second run finds nothing to do and writes nothing.
    clock.advance(timedelta(hours=1))
    again = _send(session_factory, issue_id, templates, MaildirTransport(outbox), clock)
    assert (again.sent, again.accepted_now, again.complete) == (3, 0, True)
    assert len(list((outbox / "new").iterdir())) == 3
    assert _issue(session_factory, issue_id).sent_at == T0


def test_retried_address_is_not_sent_and_keeps_the_issue_open(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    issue_id, templates = _prepare(session_factory)
    clock = FixedClock(T0)
    transport = RetryFor("bo@example.org")

    summary = _send(session_factory, issue_id, templates, transport, clock)

    assert (summary.sent, summary.retrying, summary.complete) == (2, 1, False)
    assert sorted(m.recipient for m in transport.sent) == [
        "anna@example.org",
        "cia@xn--rksmrgs-5wao1o.se",
    ]
    with session_factory() as session:
        bo = session.execute(
            select(Delivery).join(Subscriber).where(Subscriber.email == "bo@example.org")
        ).scalar_one()
    assert (bo.status, bo.sent_at, bo.last_error) == (DeliveryStatus.RETRY, None, "451 busy")
    assert bo.next_attempt_at is not None and bo.next_attempt_at > T0
    issue = _issue(session_factory, issue_id)
    assert issue.status != IssueStatus.SENT and issue.sent_at is None

    # Before its time nothing happens; after it, the row is delivered and the issue done.
    assert _send(session_factory, issue_id, templates, transport, clock).accepted_now == 0
    clock.advance(bo.next_attempt_at - T0)
    final = _send(session_factory, issue_id, templates, MaildirTransport(tmp_path / "o"), clock)
    assert (final.sent, final.retrying, final.accepted_now, final.complete) == (3, 0, 1, True)
    assert _issue(session_factory, issue_id).status == IssueStatus.SENT


def test_unsubscribed_after_snapshot_is_skipped(session_factory: sessionmaker[Session]) -> None:
    issue_id, templates = _prepare(session_factory)
    with session_factory.begin() as session:
        anna = session.execute(
            select(Subscriber).where(Subscriber.email == "anna@example.org")
        ).scalar_one()
        anna.status = SubscriberStatus.UNSUBSCRIBED
    transport = RetryFor()
    summary = _send(session_factory, issue_id, templates, transport, FixedClock(T0))
    assert (summary.sent, summary.skipped, summary.complete) == (2, 1, True)
    assert "anna@example.org" not in {m.recipient for m in transport.sent}


def test_transport_that_raises_hands_the_batch_back(
    session_factory: sessionmaker[Session],
) -> None:
    issue_id, templates = _prepare(session_factory)
    with pytest.raises(TryggnewsError, match="535"):
        _send(session_factory, issue_id, templates, Exploding(), FixedClock(T0))
    with session_factory() as session:
        counts = ledger_counts(session, issue_id)
        errors = set(
            session.scalars(select(Delivery.last_error).where(Delivery.claimed_by.is_(None)))
        )
    assert counts[DeliveryStatus.PENDING] == 3 and counts[DeliveryStatus.SENT] == 0
    assert any(e and "exploding transport error: 535" in e for e in errors)
    assert _issue(session_factory, issue_id).status != IssueStatus.SENT


def test_silence_from_the_transport_is_a_retry(session_factory: sessionmaker[Session]) -> None:
    issue_id, templates = _prepare(session_factory)
    summary = _send(session_factory, issue_id, templates, Forgetful(), FixedClock(T0))
    assert (summary.sent, summary.retrying, summary.complete) == (0, 3, False)


def test_unbuildable_message_fails_alone(session_factory: sessionmaker[Session]) -> None:
    issue_id, templates = _prepare(session_factory)
    with session_factory.begin() as session:
        bo = session.execute(
            select(Subscriber).where(Subscriber.email == "bo@example.org")
        ).scalar_one()
        bo.name = "Bo\r\nBcc: everyone@example.org"
    transport = RetryFor()
    summary = _send(session_factory, issue_id, templates, transport, FixedClock(T0))
    assert (summary.sent, summary.failed, summary.complete) == (2, 1, True)
    assert all(b"Bcc" not in m.raw for m in transport.sent)
    with session_factory() as session:
        error = session.scalar(
            select(Delivery.last_error).where(Delivery.status == DeliveryStatus.FAILED)
        )
    assert error is not None and "line break" in error


def test_variant_without_template_stops_before_sending(
    session_factory: sessionmaker[Session],
) -> None:
    issue_id, templates = _prepare(session_factory)
    dropped = sorted(templates)[0]
    del templates[dropped]
    transport = RetryFor()
    with pytest.raises(TryggnewsError, match=f"no message for variant.*{dropped}.*changed"):
        _send(session_factory, issue_id, templates, transport, FixedClock(T0))
    assert transport.sent == []
    with session_factory() as session:
        assert ledger_counts(session, issue_id)[DeliveryStatus.PENDING] == 3


def test_empty_ledger_is_refused(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        issue_id = make_issue(session).id
    with pytest.raises(TryggnewsError, match="snapshot the audience first"):
        _send(session_factory, issue_id, {}, RetryFor(), FixedClock(T0))
    assert _issue(session_factory, issue_id).status == IssueStatus.DRAFT
