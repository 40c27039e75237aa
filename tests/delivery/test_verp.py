"""VERP: each delivery's envelope sender carries a signed id that survives lowercasing,
is refused when forged, and is what a real SMTP server sees as MAIL FROM."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest
from bounce_helpers import BOUNCE_ADDRESS, SECRET, VERP, send_with_verp
from delivery_factories import T0, make_issue, make_planner, make_subscriber, templates_for
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import FixedClock
from tryggnews.delivery.ledger import snapshot_audience
from tryggnews.delivery.options import DeliveryOptions
from tryggnews.delivery.sender import send_issue
from tryggnews.delivery.verp import MAX_LOCAL_PART, VerpAddresses
from tryggnews.subscribers.tokens import TokenSigner
from tryggnews.transports import MaildirTransport, OutgoingMessage


def test_token_round_trip_survives_lowercasing_and_stays_short() -> None:
    for delivery_id in (0, 1, 42, 10**19):
        address = VERP.for_delivery(delivery_id)
        local = address.rpartition("@")[0]
        assert len(local) <= MAX_LOCAL_PART
        assert local.startswith("bounces+")
        assert VERP.delivery_id(address) == delivery_id
        assert VERP.delivery_id(address.upper()) == delivery_id
        assert VERP.delivery_id(f"<{address}>") == delivery_id


def test_forged_or_foreign_tokens_name_no_delivery() -> None:
    address = VERP.for_delivery(42)
    token = address.split("+", 1)[1].split("@")[0]
    mac = token.split("-")[1]
    assert VERP.delivery_id(f"bounces+43-{mac}@trygg.example.se") is None  # another id
    assert VERP.delivery_id(address.replace("trygg.example.se", "example.org")) is None
    assert VERP.delivery_id(address.replace("bounces+", "other+")) is None
    other_key = VerpAddresses(BOUNCE_ADDRESS, "another-secret-key-that-is-long-enough-0000")
    assert other_key.delivery_id(address) is None
    assert VERP.delivery_id(BOUNCE_ADDRESS) is None
    assert VERP.find(["Anna <anna@example.org>", f"for <{address}>; Wed"]) == 42


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("bounces+x@trygg.example.se", "leave out the '+"),
        ("b" * 30 + "@trygg.example.se", "too long"),
        ("not an address", "TRYGGNEWS_BOUNCE_ADDRESS"),
    ],
)
def test_bad_bounce_address_names_the_setting(address: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        VerpAddresses(address, SECRET)


def test_smtp_mail_from_is_each_deliverys_verp_address(
    session_factory: sessionmaker[Session],
) -> None:
    addresses = ["anna@example.org", "bo@example.org", "cia@example.se"]
    sent = send_with_verp(session_factory, addresses)
    assert sorted(sent) == addresses
    for item in sent.values():
        assert item.envelope_from == VERP.for_delivery(item.delivery_id)
    assert len({s.envelope_from for s in sent.values()}) == 3


def test_outbox_writes_the_envelope_sender_as_return_path(tmp_path: Path) -> None:
    outbox = MaildirTransport(tmp_path / "outbox")
    raw = b"From: a@example.se\nTo: b@example.org\nSubject: x\n\nhej\n"
    verp = VERP.for_delivery(7)
    outbox.send(
        [
            OutgoingMessage(7, "b@example.org", "<m@x>", raw, verp),
            OutgoingMessage(8, "c@example.org", "<n@x>", raw),
        ]
    )
    messages = sorted(
        (m.as_bytes() for m in mailbox.Maildir(tmp_path / "outbox", create=False)), key=len
    )
    assert messages[0] == raw
    assert messages[1] == f"Return-Path: <{verp}>\n".encode() + raw


def test_no_verp_while_redirecting(session_factory: sessionmaker[Session], tmp_path: Path) -> None:
    with session_factory.begin() as session:
        issue = make_issue(session)
        make_subscriber(session, "anna@example.org")
        planner = make_planner(session)
        snapshot_audience(session, issue.id, planner, now=T0)
        issue_id, templates = issue.id, templates_for(list(planner.variants))
    options = DeliveryOptions(verp=VERP, redirect_to="utvecklare@example.se")
    send_issue(
        session_factory,
        issue_id,
        templates=templates,
        transport=MaildirTransport(tmp_path / "outbox"),
        signer=TokenSigner(SECRET),
        clock=FixedClock(T0),
        worker_id="test-worker",
        batch_size=10,
        message_id_domain="trygg.example.se",
        options=options,
    )
    (message,) = mailbox.Maildir(tmp_path / "outbox", create=False)
    assert message["Return-Path"] is None
    assert message["To"].endswith("<utvecklare@example.se>")
