"""`bounces fetch` over IMAP with TLS (imapclient against a local IMAP4rev1 server): bounces
are read without marking them, applied, then marked \\Seen (or moved); unattributed ones are
flagged and stay; nothing is deleted and a second run counts nothing twice."""

from __future__ import annotations

import ssl

import pytest
import trustme
from bounce_helpers import SECRET, VERP, corpus, send_with_verp
from imap_stub import Mailbox, imap_server
from smtp_servers import server_tls_context
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import SystemClock
from tryggnews.db.models import Subscriber, SubscriberStatus
from tryggnews.delivery.bounce_mail import BounceRules
from tryggnews.delivery.bounce_mailbox import MailboxConfig, fetch_bounces, open_mailbox
from tryggnews.errors import TransportError

RULES = BounceRules(verp=VERP, secret_key=SECRET, soft_bounce_limit=5)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def client_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest.fixture
def server_context(ca: trustme.CA) -> ssl.SSLContext:
    return server_tls_context(ca.issue_cert("127.0.0.1", "localhost"))


def config(port: int, **kwargs: str) -> MailboxConfig:
    return MailboxConfig(
        imap_host="127.0.0.1",
        imap_port=port,
        imap_username="bounces",
        imap_password=kwargs.pop("password", "hemligt"),
        timeout=5,
        **kwargs,  # type: ignore[arg-type]
    )


def filled(session_factory: sessionmaker[Session]) -> Mailbox:
    sent = send_with_verp(session_factory, ["anna@example.org", "bo@example.org"])
    box = Mailbox("bounces", "hemligt")
    anna, bo = sent["anna@example.org"], sent["bo@example.org"]
    box.add(
        corpus(
            "gmail_hard.eml",
            verp=anna.envelope_from,
            rcpt=anna.recipient,
            message_id=anna.message_id,
        )
    )
    box.add(
        corpus(
            "autoreply_sv.eml", verp=bo.envelope_from, rcpt=bo.recipient, message_id=bo.message_id
        )
    )
    box.add(corpus("not_a_bounce.eml", verp="", rcpt="", message_id=""))
    return box


def test_imap_fetch_marks_seen_flags_unattributed_and_deletes_nothing(
    session_factory: sessionmaker[Session],
    client_context: ssl.SSLContext,
    server_context: ssl.SSLContext,
) -> None:
    box = filled(session_factory)
    with imap_server(box, server_context) as port:
        mailbox = open_mailbox(config(port), client_context)
        try:
            summary = fetch_bounces(session_factory, mailbox, rules=RULES, clock=SystemClock())
        finally:
            mailbox.close()
        assert (summary.hard, summary.auto_replies, summary.unattributed) == (1, 1, 1)
        assert [sorted(m.flags) for m in box.messages] == [
            ["\\Seen"],
            ["\\Seen"],
            ["\\Flagged", "\\Seen"],
        ]
        fetches = [c for c in box.commands if " FETCH " in c.upper()]
        assert fetches and all("BODY.PEEK[]" in c for c in fetches)
        assert not any("EXPUNGE" in c.upper() or "DELETED" in c.upper() for c in box.commands)

        # Nothing unseen is left: a second run reads and changes nothing.
        mailbox = open_mailbox(config(port), client_context)
        try:
            again = fetch_bounces(session_factory, mailbox, rules=RULES, clock=SystemClock())
        finally:
            mailbox.close()
        assert again.line().startswith("hard 0, soft 0, auto-replies ignored 0")
    with session_factory() as session:
        status = dict(session.execute(select(Subscriber.email, Subscriber.status)).all())
    assert status == {
        "anna@example.org": SubscriberStatus.BOUNCED,
        "bo@example.org": SubscriberStatus.ACTIVE,
    }


def test_imap_moves_processed_messages_when_a_folder_is_set(
    session_factory: sessionmaker[Session],
    client_context: ssl.SSLContext,
    server_context: ssl.SSLContext,
) -> None:
    box = filled(session_factory)
    with imap_server(box, server_context) as port:
        mailbox = open_mailbox(config(port, imap_processed_folder="Behandlade"), client_context)
        try:
            fetch_bounces(session_factory, mailbox, rules=RULES, clock=SystemClock())
        finally:
            mailbox.close()
    assert [m.uid for m in box.folders["Behandlade"]] == [1, 2]
    assert [m.uid for m in box.messages] == [3]  # the unattributed one stays for a person


def test_imap_wrong_password_names_the_settings(
    client_context: ssl.SSLContext, server_context: ssl.SSLContext
) -> None:
    with (
        imap_server(Mailbox("bounces", "hemligt"), server_context) as port,
        pytest.raises(TransportError, match="TRYGGNEWS_BOUNCE_IMAP_PASSWORD"),
    ):
        open_mailbox(config(port, password="fel"), client_context)


def test_imap_untrusted_certificate_is_refused(server_context: ssl.SSLContext) -> None:
    with (
        imap_server(Mailbox("bounces", "hemligt"), server_context) as port,
        pytest.raises(TransportError, match="TLS with the bounce mailbox"),
    ):
        open_mailbox(config(port), ssl.create_default_context())
