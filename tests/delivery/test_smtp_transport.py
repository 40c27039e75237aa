"""SMTP transport against a real aiosmtpd server scripted per recipient.

4xx, a 421 that closes the connection, a connection cut before the answer to
DATA and a reply slower than the timeout all leave the row ``retry`` (and the
next recipients go out over a new connection); ``550 5.1.1`` bounces the row
and suppresses the address; the rest are delivered exactly once; a retry run
later delivers the retried ones. A 5.7.x stops the whole send, keeping what
went out recorded and handing the rest back. Messages spread over parallel
connections, each carrying at most the set number of messages. The scripted
failures mean the same whether the server offers PIPELINING or not.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from delivery_factories import T0, make_issue, make_planner, make_subscriber, templates_for
from smtp_servers import ScriptedHandler, smtp_server
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import FixedClock
from tryggnews.db.models import (
    ConsentEvent,
    ConsentEventKind,
    Delivery,
    DeliveryStatus,
    Subscriber,
    SubscriberStatus,
    Suppression,
)
from tryggnews.delivery.ledger import ledger_counts, snapshot_audience
from tryggnews.delivery.message import MessageTemplate
from tryggnews.delivery.options import DeliveryOptions
from tryggnews.delivery.sender import SendSummary, send_issue
from tryggnews.subscribers.suppression import address_hash
from tryggnews.subscribers.tokens import TokenSigner
from tryggnews.transports.base import OutgoingMessage, SendStatus
from tryggnews.transports.errors import TransportStoppedError
from tryggnews.transports.smtp import SmtpTransport
from tryggnews.transports.smtp.protocol import SmtpConfig, classify, to_crlf

SECRET = "test-secret-key-that-is-long-enough-0123456789"
SIGNER = TokenSigner(SECRET)
FROM = "nyhetsbrev@trygg.example.se"


def transport_for(port: int, *, connections: int = 1, per_connection: int = 100) -> SmtpTransport:
    return SmtpTransport(
        SmtpConfig(
            host="127.0.0.1",
            port=port,
            security="none",
            envelope_from=FROM,
            timeout=0.5,
            messages_per_connection=per_connection,
        ),
        connections=connections,
    )


def prepare(
    session_factory: sessionmaker[Session], emails: list[str]
) -> tuple[int, dict[str, MessageTemplate]]:
    with session_factory.begin() as session:
        issue = make_issue(session)
        for email in emails:
            make_subscriber(session, email)
        planner = make_planner(session)
        snapshot_audience(session, issue.id, planner, now=T0)
        return issue.id, templates_for(list(planner.variants))


def send(
    session_factory: sessionmaker[Session],
    issue_id: int,
    templates: dict[str, MessageTemplate],
    transport: SmtpTransport,
    clock: FixedClock,
    batch_size: int = 50,
) -> SendSummary:
    try:
        return send_issue(
            session_factory,
            issue_id,
            templates=templates,
            transport=transport,
            signer=SIGNER,
            clock=clock,
            worker_id="smtp-test",
            batch_size=batch_size,
            message_id_domain="trygg.example.se",
            options=DeliveryOptions(suppression_key=SECRET),
        )
    finally:
        transport.close()


def states(session_factory: sessionmaker[Session]) -> dict[str, DeliveryStatus]:
    with session_factory() as session:
        rows = session.execute(select(Subscriber.email, Delivery.status).join(Delivery)).all()
    return {email: status for email, status in rows}


@pytest.mark.parametrize("pipelining", [False, True], ids=["one-by-one", "pipelined"])
def test_scripted_failures_are_sorted_and_never_block_the_rest(
    session_factory: sessionmaker[Session], pipelining: bool
) -> None:
    handler = ScriptedHandler(
        pipelining=pipelining,
        script={
            "busy@example.org": ["451"],
            "gone@example.org": ["550 5.1.1"],
            "closing@example.org": ["421"],
            "cut@example.org": ["drop"],
            "slow@example.org": ["slow"],
        },
        slow_seconds=1.5,
    )
    ok = [f"ok{n}@example.org" for n in range(6)]
    emails = [
        ok[0],
        "busy@example.org",
        ok[1],
        "gone@example.org",
        ok[2],
        "closing@example.org",
        ok[3],
        "cut@example.org",
        ok[4],
        "slow@example.org",
        ok[5],
    ]
    issue_id, templates = prepare(session_factory, emails)
    clock = FixedClock(T0)
    with smtp_server(handler) as server:
        first = send(session_factory, issue_id, templates, transport_for(server.port), clock)

        # Everyone fine got exactly one message, the envelope says who, nothing else arrived.
        assert handler.counts() == dict.fromkeys(ok, 1)
        assert {r.mail_from for r in handler.received} == {FROM}
        assert all(f"To: {r.recipient}".encode() in r.data for r in handler.received)
        retried = ["busy@example.org", "closing@example.org", "cut@example.org", "slow@example.org"]
        expected = {**dict.fromkeys(ok, DeliveryStatus.SENT)}
        expected |= dict.fromkeys(retried, DeliveryStatus.RETRY)
        expected["gone@example.org"] = DeliveryStatus.BOUNCED
        assert states(session_factory) == expected
        assert (first.sent, first.retrying, first.bounced, first.complete) == (6, 4, 1, False)
        # 421, the cut and the timeout each cost the connection; one more for the trigger.
        assert handler.connections >= 4

        with session_factory() as session:
            gone = session.execute(
                select(Subscriber).where(Subscriber.email == "gone@example.org")
            ).scalar_one()
            assert gone.status == SubscriberStatus.BOUNCED
            assert session.get(Suppression, address_hash(SECRET, gone.email_key)) is not None
            event = session.execute(
                select(ConsentEvent).where(ConsentEvent.subscriber_id == gone.id)
            ).scalar_one()
            assert event.kind == ConsentEventKind.BOUNCED and event.channel == "cli"
            assert "5.1.1" in event.details["reply"]
            error = session.scalar(
                select(Delivery.last_error).where(Delivery.subscriber_id == gone.id)
            )
            assert error is not None and "550 5.1.1" in error

        # Later, the retries go out once each and the issue is complete.
        clock.advance(timedelta(hours=7))
        final = send(session_factory, issue_id, templates, transport_for(server.port), clock)
    assert handler.counts() == dict.fromkeys(ok + retried, 1)
    assert (final.sent, final.bounced, final.retrying, final.complete) == (10, 1, 0, True)


def test_policy_refusal_stops_the_send_and_keeps_what_went_out(
    session_factory: sessionmaker[Session],
) -> None:
    handler = ScriptedHandler(script={"c@example.org": ["550 5.7.1"]})
    emails = ["a@example.org", "b@example.org", "c@example.org", "d@example.org"]
    issue_id, templates = prepare(session_factory, emails)
    with smtp_server(handler) as server, pytest.raises(TransportStoppedError, match=r"5\.7\.1"):
        send(session_factory, issue_id, templates, transport_for(server.port), FixedClock(T0))
    assert handler.counts() == {"a@example.org": 1, "b@example.org": 1}
    assert states(session_factory) == {
        "a@example.org": DeliveryStatus.SENT,
        "b@example.org": DeliveryStatus.SENT,
        "c@example.org": DeliveryStatus.PENDING,
        "d@example.org": DeliveryStatus.PENDING,
    }


def test_parallel_connections_each_carry_at_most_the_cap(
    session_factory: sessionmaker[Session],
) -> None:
    handler = ScriptedHandler()
    emails = [f"p{n}@example.org" for n in range(40)]
    issue_id, templates = prepare(session_factory, emails)
    with smtp_server(handler) as server:
        transport = transport_for(server.port, connections=4, per_connection=5)
        summary = send(session_factory, issue_id, templates, transport, FixedClock(T0), 20)
    assert handler.counts() == dict.fromkeys(emails, 1)
    assert (summary.sent, summary.complete) == (40, True)
    # 40 messages at most 5 per connection: at least 8 connections (+1 to start the server).
    assert handler.connections >= 9
    with session_factory() as session:
        assert ledger_counts(session, issue_id)[DeliveryStatus.SENT] == 40


@pytest.mark.parametrize(
    ("code", "reply", "stage", "expected"),
    [
        (451, b"4.3.0 busy", "RCPT TO", SendStatus.RETRY),
        (421, b"4.3.2 closing", "DATA", SendStatus.RETRY),
        (550, b"5.1.1 no such user", "RCPT TO", SendStatus.BOUNCED),
        (553, b"5.1.3 bad address syntax", "RCPT TO", SendStatus.BOUNCED),
        (550, b"mailbox unavailable", "RCPT TO", SendStatus.FAILED),
        (552, b"5.3.4 message too big", "end of DATA", SendStatus.FAILED),
    ],
)
def test_reply_classification(code: int, reply: bytes, stage: str, expected: SendStatus) -> None:
    assert classify(code, reply, stage=stage) == expected


@pytest.mark.parametrize(
    ("code", "reply", "stage"),
    [
        (550, b"5.7.1 relaying denied", "RCPT TO"),
        (554, b"5.7.1 message refused as spam", "end of DATA"),
        (535, b"authentication failed", "MAIL FROM"),
        (553, b"5.1.8 sender domain does not exist", "MAIL FROM"),
    ],
)
def test_replies_that_stop_the_send(code: int, reply: bytes, stage: str) -> None:
    with pytest.raises(Exception, match=str(code)):
        classify(code, reply, stage=stage)


def test_lines_starting_with_a_dot_arrive_intact() -> None:
    raw = b"From: a@example.org\nTo: b@example.org\n\n.hidden\n..two\ntext\n.\nend\n"
    handler = ScriptedHandler()
    with smtp_server(handler) as server:
        transport = transport_for(server.port)
        try:
            results = transport.send([OutgoingMessage(1, "b@example.org", "<1@x>", raw)])
        finally:
            transport.close()
    assert [r.status for r in results] == [SendStatus.ACCEPTED]
    assert handler.received[0].data == to_crlf(raw)


def test_line_endings_become_crlf_once() -> None:
    assert to_crlf(b"a\nb\n") == b"a\r\nb\r\n"
    assert to_crlf(b"a\r\nb\n") == b"a\r\nb\r\n"
