"""`tryggnews bounces fetch` from a Maildir filled by a real SMTP server: each bounce of a
real VERP send is tied to its delivery and applied once, soft bounces count towards the
limit, auto-replies are ignored, and what cannot be attributed is kept and reported."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from bounce_helpers import (
    BOUNCE_ADDRESS,
    VERP,
    MaildirDelivery,
    Sent,
    corpus,
    deliver_bounce,
    send_with_verp,
)
from click.testing import CliRunner, Result
from sending_setup import cli_env
from smtp_servers import LoopbackController
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.cli import cli
from tryggnews.clock import SystemClock
from tryggnews.config import Settings
from tryggnews.db.models import (
    BounceMessage,
    ConsentEvent,
    ConsentEventKind,
    Delivery,
    DeliveryStatus,
    Subscriber,
    SubscriberStatus,
    Suppression,
)
from tryggnews.delivery.bounce_mail import BounceRules
from tryggnews.delivery.bounce_mailbox import MailboxConfig
from tryggnews.scheduler.bounce_mail import fetch_bounce_mail

ADDRESSES = [
    "postfix@example.org",
    "exim@example.org",
    "exchange@example.se",
    "gmail@example.org",
    "full@example.org",
    "borta@example.se",
    "utanverp@example.org",
]


@pytest.fixture
def run(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.chdir(tmp_path)  # no .env from the repository

    def invoke(*args: str, **env: str) -> Result:
        for name, value in cli_env(settings, **env).items():
            if name.startswith("TRYGGNEWS_"):
                monkeypatch.setenv(name, value)
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def fill_mailbox(maildir: Path, sent: dict[str, Sent]) -> None:
    """Bounces for the send, delivered by a real SMTP server into the Maildir."""
    plan = [
        ("postfix_hard.eml", "postfix@example.org", True),
        ("exim_hard.eml", "exim@example.org", True),
        ("exchange_hard.eml", "exchange@example.se", True),
        ("gmail_hard.eml", "gmail@example.org", True),
        ("mailbox_full.eml", "full@example.org", True),
        ("autoreply_sv.eml", "borta@example.se", True),
        ("delayed_warning.eml", "full@example.org", True),
        ("no_verp_dsn.eml", "utanverp@example.org", False),
        ("no_verp_dsn.eml", "okand@example.org", False),  # never sent to: unattributed
        ("garbage.eml", "postfix@example.org", False),
    ]
    controller = LoopbackController(MaildirDelivery(maildir), hostname="127.0.0.1", port=0)
    controller.start()
    try:
        for name, address, verp in plan:
            known = sent.get(address)
            envelope = known.envelope_from if known else BOUNCE_ADDRESS
            raw = corpus(
                name,
                verp=envelope,
                rcpt=address,
                message_id=known.message_id if known else "<x@example.org>",
            )
            if name == "no_verp_dsn.eml" and address == "okand@example.org":
                raw = raw.replace(b"D2E3F4A5B6", b"D2E3F4A5B7")  # its own Message-ID
            deliver_bounce(controller.port, envelope if verp else BOUNCE_ADDRESS, raw)
    finally:
        controller.stop()


def files(maildir: Path) -> dict[str, list[str]]:
    return {sub: sorted(os.listdir(maildir / sub)) for sub in ("new", "cur")}


def test_fetch_from_maildir_applies_each_bounce_once(
    session_factory: sessionmaker[Session], tmp_path: Path, run: Callable[..., Result]
) -> None:
    sent = send_with_verp(session_factory, ADDRESSES)
    maildir = tmp_path / "bounces"
    fill_mailbox(maildir, sent)
    assert len(files(maildir)["new"]) == 10

    env = {"bounce_maildir": str(maildir), "bounce_address": BOUNCE_ADDRESS}
    result = run("bounces", "fetch", **env)
    assert result.exit_code == 0, result.output
    assert (
        "hard 5, soft 1, auto-replies ignored 1, delay notices ignored 1, unattributed 2, "
        "already processed 0"
    ) in result.output
    unattributed = [line for line in result.output.splitlines() if "unattributed new/" in line]
    assert len(unattributed) == 2
    assert any("okand@example.org matches no delivery" in line for line in unattributed)
    assert any("not recognised as a bounce" in line for line in unattributed)

    # Kept, never deleted: all ten now in cur/, read; the two unattributed flagged.
    after = files(maildir)
    assert after["new"] == [] and len(after["cur"]) == 10
    assert sum(name.endswith(":2,FS") for name in after["cur"]) == 2
    assert all(name.endswith((":2,S", ":2,FS")) for name in after["cur"])

    with session_factory() as session:
        status = dict(session.execute(select(Subscriber.email, Subscriber.status)).all())
        rows = dict(
            session.execute(
                select(Subscriber.email, Delivery.status).join(
                    Delivery, Delivery.subscriber_id == Subscriber.id
                )
            ).all()
        )
        soft = session.scalar(
            select(Subscriber.soft_bounces).where(Subscriber.email == "full@example.org")
        )
        suppressed = session.scalars(select(Suppression.reason)).all()
        outcomes = sorted(session.scalars(select(BounceMessage.outcome)))
        bounce_channels = set(
            session.scalars(
                select(ConsentEvent.channel).where(ConsentEvent.kind == ConsentEventKind.BOUNCED)
            )
        )
    hard = ["postfix@example.org", "exim@example.org", "exchange@example.se", "gmail@example.org"]
    for address in [*hard, "utanverp@example.org"]:  # the last through Final-Recipient
        assert status[address] == SubscriberStatus.BOUNCED, address
        assert rows[address] == DeliveryStatus.BOUNCED, address
    assert status["full@example.org"] == SubscriberStatus.ACTIVE and soft == 1
    assert rows["full@example.org"] == DeliveryStatus.SENT
    assert status["borta@example.se"] == SubscriberStatus.ACTIVE
    assert suppressed == ["hard-bounce"] * 5
    # The person's consent history says the bounce came back by mail, not from a provider.
    assert bounce_channels == {"bounce-mail"}
    assert outcomes.count("hard") == 5 and outcomes.count("unattributed") == 2

    # A second run reads nothing new; with the messages made unread again, nothing twice.
    again = run("bounces", "fetch", **env)
    assert "hard 0, soft 0" in again.output and "already processed 0" in again.output
    for name in os.listdir(maildir / "cur"):
        os.replace(maildir / "cur" / name, maildir / "new" / name.split(":2,")[0])
    third = run("bounces", "fetch", **env)
    assert "hard 0, soft 0, auto-replies ignored 0" in third.output
    assert "already processed 10" in third.output
    with session_factory() as session:
        soft = session.scalar(
            select(Subscriber.soft_bounces).where(Subscriber.email == "full@example.org")
        )
        assert soft == 1
        assert len(session.scalars(select(BounceMessage.id)).all()) == 10


def test_soft_bounces_suppress_at_the_limit(
    session_factory: sessionmaker[Session], tmp_path: Path, run: Callable[..., Result]
) -> None:
    sent = send_with_verp(session_factory, ["full@example.org"])["full@example.org"]
    maildir = tmp_path / "bounces"
    controller = LoopbackController(MaildirDelivery(maildir), hostname="127.0.0.1", port=0)
    controller.start()
    try:
        for n in range(2):
            raw = corpus(
                "mailbox_full.eml",
                verp=sent.envelope_from,
                rcpt=sent.recipient,
                message_id=sent.message_id,
            ).replace(b"B9C1D2E3F4@", f"B9C1D2E3F{n}@".encode())
            deliver_bounce(controller.port, sent.envelope_from, raw)
    finally:
        controller.stop()
    result = run(
        "bounces",
        "fetch",
        bounce_maildir=str(maildir),
        bounce_address=BOUNCE_ADDRESS,
        soft_bounce_limit="2",
    )
    assert "soft 2" in result.output
    with session_factory() as session:
        subscriber = session.scalars(select(Subscriber)).one()
        assert subscriber.status == SubscriberStatus.BOUNCED
        assert session.scalars(select(Suppression.reason)).all() == ["soft-bounces"]


def test_forged_verp_token_is_not_trusted(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    sent = send_with_verp(session_factory, ["anna@example.org"])["anna@example.org"]
    forged = f"bounces+{sent.delivery_id}-0000000000000000@trygg.example.se"
    maildir = tmp_path / "bounces"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    raw = corpus("postfix_hard.eml", verp=forged, rcpt="someone@example.org", message_id="<x@y>")
    (maildir / "new" / "1.forged").write_bytes(raw)
    rules = BounceRules(
        verp=VERP, secret_key="test-secret-key-that-is-long-enough-0123456789", soft_bounce_limit=5
    )
    actions = fetch_bounce_mail(
        session_factory, SystemClock(), mailbox=MailboxConfig(maildir=str(maildir)), rules=rules
    )
    assert [a.kind for a in actions] == ["bounces", "unattributed"]
    assert "someone@example.org matches no delivery" in actions[1].detail
    with session_factory() as session:
        assert session.scalars(select(Subscriber.status)).one() == SubscriberStatus.ACTIVE


def test_fetch_without_a_mailbox_says_which_settings(run: Callable[..., Result]) -> None:
    result = run("bounces", "fetch")
    assert result.exit_code == 2
    assert "TRYGGNEWS_BOUNCE_IMAP_HOST" in result.output
    assert "TRYGGNEWS_BOUNCE_MAILDIR" in result.output
