"""Reading bounce mail: a corpus of real-world shapes (Postfix, Exim, Exchange, Gmail-style,
mailbox full, a delay warning, no VERP, a Swedish auto-reply, garbage) is classified
hard, soft, ignored or not a bounce, with the addresses and ids that tie it to a delivery."""

from __future__ import annotations

import pytest
from bounce_helpers import VERP, corpus

from tryggnews.delivery.bounce_parse import BounceKind, message_key, read_bounce

RCPT = "anna@example.org"
MESSAGE_ID = "<2027-1.42.a1b2c3d4e5f6@trygg.example.se>"


@pytest.mark.parametrize(
    ("name", "kind", "status", "returned_id"),
    [
        ("postfix_hard.eml", BounceKind.HARD, "5.1.1", True),
        ("exim_hard.eml", BounceKind.HARD, "", False),
        ("exchange_hard.eml", BounceKind.HARD, "5.1.1", True),
        ("gmail_hard.eml", BounceKind.HARD, "5.1.1", True),
        ("mailbox_full.eml", BounceKind.SOFT, "5.2.2", True),
        ("delayed_warning.eml", BounceKind.DELAY, "4.4.1", False),
    ],
)
def test_bounces_are_classified_and_carry_their_verp_address(
    name: str, kind: BounceKind, status: str, returned_id: bool
) -> None:
    parsed = read_bounce(corpus(name, verp=VERP.for_delivery(42), rcpt=RCPT, message_id=MESSAGE_ID))
    assert parsed.kind == kind
    assert parsed.recipients == (RCPT,)
    assert parsed.status == status
    assert VERP.find(parsed.verp_texts) == 42
    assert (MESSAGE_ID in parsed.original_message_ids) == returned_id
    if kind in (BounceKind.HARD, BounceKind.SOFT):
        assert parsed.summary  # the server's words, for the ledger


def test_exim_reply_without_enhanced_code_keeps_the_servers_words() -> None:
    parsed = read_bounce(
        corpus("exim_hard.eml", verp=VERP.for_delivery(42), rcpt=RCPT, message_id=MESSAGE_ID)
    )
    assert parsed.summary == "550 No such user here"


def test_a_dsn_without_verp_still_names_the_failed_recipient() -> None:
    parsed = read_bounce(corpus("no_verp_dsn.eml", verp="unused", rcpt=RCPT, message_id=MESSAGE_ID))
    assert (parsed.kind, parsed.recipients, parsed.status) == (BounceKind.HARD, (RCPT,), "5.1.1")
    assert VERP.find(parsed.verp_texts) is None


def test_a_swedish_out_of_office_reply_is_an_auto_reply_not_a_bounce() -> None:
    parsed = read_bounce(
        corpus("autoreply_sv.eml", verp=VERP.for_delivery(42), rcpt=RCPT, message_id=MESSAGE_ID)
    )
    assert parsed.kind == BounceKind.AUTO_REPLY
    assert parsed.recipients == ()


@pytest.mark.parametrize("name", ["garbage.eml", "not_a_bounce.eml"])
def test_garbage_and_ordinary_mail_are_not_bounces_and_say_why(name: str) -> None:
    parsed = read_bounce(corpus(name, verp="x", rcpt=RCPT, message_id=MESSAGE_ID))
    assert parsed.kind == BounceKind.NONE
    assert parsed.reason.startswith("not recognised as a bounce")


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x00" * 100, b"Content-Type: multipart/report; boundary=x\n\n--x\n", b"From:\n\n"],
)
def test_malformed_input_never_raises(raw: bytes) -> None:
    assert read_bounce(raw).kind == BounceKind.NONE


def test_key_is_the_message_id_or_else_the_bytes() -> None:
    assert message_key(b"a", "<x@y>") == message_key(b"b", "<x@y>")
    assert message_key(b"a", None) != message_key(b"b", None)
