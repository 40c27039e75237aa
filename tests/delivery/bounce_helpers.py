"""Bounce mail for tests: the corpus, a real SMTP server that files mail into a Maildir,
and an issue sent through real SMTP with VERP envelope senders.

``MaildirDelivery`` is an aiosmtpd handler that does what a mail server's local
delivery agent does: it adds ``Return-Path``, ``Delivered-To`` and ``X-Original-To``
from the envelope and writes the message into ``new/`` of a Maildir.
"""

from __future__ import annotations

import mailbox
import smtplib
from dataclasses import dataclass
from email import message_from_bytes
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session
from delivery_factories import T0, make_issue, make_planner, make_subscriber, templates_for
from smtp_servers import ScriptedHandler, smtp_server
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker

from tryggnews.clock import FixedClock
from tryggnews.db.models import Delivery, Subscriber
from tryggnews.delivery.ledger import snapshot_audience
from tryggnews.delivery.options import DeliveryOptions
from tryggnews.delivery.sender import send_issue
from tryggnews.delivery.verp import VerpAddresses
from tryggnews.subscribers.tokens import TokenSigner
from tryggnews.transports.smtp import SmtpConfig, SmtpTransport

CORPUS = Path(__file__).resolve().parent / "bounce_corpus"
SECRET = "test-secret-key-that-is-long-enough-0123456789"
BOUNCE_ADDRESS = "bounces@trygg.example.se"
VERP = VerpAddresses(BOUNCE_ADDRESS, SECRET)


def corpus(name: str, *, verp: str, rcpt: str, message_id: str) -> bytes:
    raw = (CORPUS / name).read_bytes()
    return (
        raw.replace(b"{VERP}", verp.encode())
        .replace(b"{RCPT}", rcpt.encode())
        .replace(b"{MESSAGE_ID}", message_id.encode())
    )


class MaildirDelivery:
    """Accepts any mail and files it into ``path`` as a local delivery agent would."""

    def __init__(self, path: Path) -> None:
        self.box = mailbox.Maildir(path, create=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = bytes(envelope.original_content or b"")
        for rcpt in envelope.rcpt_tos:
            head = (
                f"Return-Path: <{envelope.mail_from or ''}>\r\n"
                f"Delivered-To: {rcpt}\r\nX-Original-To: {rcpt}\r\n"
            ).encode()
            self.box.add(head + content)
        return "250 2.0.0 delivered to the Maildir"


def deliver_bounce(port: int, rcpt: str, raw: bytes) -> None:
    """Send ``raw`` as a bounce (null sender) to ``rcpt`` through the server on ``port``."""
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
        smtp.sendmail("<>", [rcpt], raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


@dataclass(frozen=True)
class Sent:
    """One message as the receiving server saw it: who, the envelope sender, its id."""

    delivery_id: int
    recipient: str
    envelope_from: str
    message_id: str


def send_with_verp(
    session_factory: sessionmaker[DbSession], addresses: list[str]
) -> dict[str, Sent]:
    """An issue sent through real SMTP on loopback with VERP; what arrived, per address."""
    with session_factory.begin() as session:
        issue = make_issue(session)
        for address in addresses:
            make_subscriber(session, address)
        planner = make_planner(session)
        snapshot_audience(session, issue.id, planner, now=T0)
        issue_id, templates = issue.id, templates_for(list(planner.variants))
    handler = ScriptedHandler()
    with smtp_server(handler) as server:
        transport = SmtpTransport(
            SmtpConfig(
                host="127.0.0.1",
                port=server.port,
                security="none",
                envelope_from="nyhetsbrev@trygg.example.se",
                timeout=5,
            ),
            connections=2,
        )
        try:
            send_issue(
                session_factory,
                issue_id,
                templates=templates,
                transport=transport,
                signer=TokenSigner(SECRET),
                clock=FixedClock(T0),
                worker_id="test-worker",
                batch_size=10,
                message_id_domain="trygg.example.se",
                options=DeliveryOptions(verp=VERP),
            )
        finally:
            transport.close()
    with session_factory() as session:
        ids = dict(
            session.execute(
                select(Subscriber.email, Delivery.id).join(
                    Delivery, Delivery.subscriber_id == Subscriber.id
                )
            ).all()
        )
    sent = {}
    for received in handler.received:
        message_id = str(message_from_bytes(received.data)["Message-ID"])
        sent[received.recipient] = Sent(
            ids[received.recipient], received.recipient, received.mail_from, message_id
        )
    return sent
