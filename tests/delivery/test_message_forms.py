"""The per-message shortcuts of a send give exactly the bytes and tokens of the long way.

``MessageTemplate.build`` in the ``crlf`` and ``wire`` forms must equal the ``lf`` message
converted by the SMTP transport's own functions (``to_crlf``, ``to_wire``), for any text —
lines starting with dots included — and any token the signer could make (dots anywhere,
long enough to be broken over lines). ``TokenSigner.link_tokens`` must equal the two
tokens made one by one through itsdangerous, and verify.
"""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from smtp_servers import ScriptedHandler, smtp_server
from test_smtp_transport import transport_for

from tryggnews.delivery.message import MessageTemplate
from tryggnews.render.model import (
    MANAGE_TOKEN_PLACEHOLDER,
    UNSUBSCRIBE_TOKEN_PLACEHOLDER,
    RenderedVariant,
)
from tryggnews.subscribers.tokens import TokenPurpose, TokenSigner
from tryggnews.transports.base import MessageForm, OutgoingMessage, SendStatus
from tryggnews.transports.smtp.protocol import to_crlf, to_wire

_TOKEN = st.text(alphabet="abcXYZ019_-.", min_size=1, max_size=200)
_LINE = st.text(alphabet=st.sampled_from([*"ab .=-", "å", "\u00e9", "."]), max_size=90)
_TEXT = st.lists(_LINE, min_size=1, max_size=8).map("\n".join)


def _template(text: str, html: str) -> MessageTemplate:
    return MessageTemplate.from_variant(
        RenderedVariant(
            key="v1",
            subject="Nyhetsbrev",
            html=f"{html}<a href='/p/{MANAGE_TOKEN_PLACEHOLDER}'>x</a>"
            f"<a href='/u/{UNSUBSCRIBE_TOKEN_PLACEHOLDER}'>y</a>",
            text=f"{text}\n{MANAGE_TOKEN_PLACEHOLDER}\n.{UNSUBSCRIBE_TOKEN_PLACEHOLDER}.\n{text}",
            block_ids=(1,),
        ),
        sender_name="Trygg i Österåker",
        sender_address="nyhetsbrev@example.org",
        list_id_domain="trygg.example.org",
        unsubscribe_address="avregistrera@example.org",
        base_url="https://trygg.example.org",
    )


@settings(max_examples=150, deadline=None, database=None)
@given(text=_TEXT, html=_TEXT, manage=_TOKEN, unsubscribe=_TOKEN)
@example(text=".\n..\n.x", html=".", manage=".", unsubscribe="." * 150)
def test_crlf_and_wire_forms_are_the_lf_message_converted(
    text: str, html: str, manage: str, unsubscribe: str
) -> None:
    template = _template(text, html)
    values = {
        "to_address": "anna@example.org",
        "to_name": "Anna Andersson",
        "manage_token": manage,
        "unsubscribe_token": unsubscribe,
        "message_id": "<2027-1.7.abc@trygg.example.org>",
        "date": datetime(2027, 2, 15, 7, 0, tzinfo=UTC),
    }
    lf = template.build(**values)  # type: ignore[arg-type]
    crlf = template.build(**values, form=MessageForm.CRLF)  # type: ignore[arg-type]
    wire = template.build(**values, form=MessageForm.WIRE)  # type: ignore[arg-type]
    assert crlf == to_crlf(lf)
    assert wire == to_wire(to_crlf(lf))


def test_the_wire_form_reads_back_as_the_message_after_undoing_the_dot_stuffing() -> None:
    template = _template(".dot first\n.\nslut", "<p>.</p>")
    wire = template.build(
        to_address="anna@example.org",
        to_name=None,
        manage_token=".m.a",
        unsubscribe_token="u.",
        message_id="<1.v1@trygg.example.org>",
        date=datetime(2027, 2, 15, 7, 0, tzinfo=UTC),
        form=MessageForm.WIRE,
    )
    assert wire.endswith(b"\r\n.\r\n")
    assert b"\n" not in wire.replace(b"\r\n", b"")
    # What a receiving server does (RFC 5321 4.5.2): drop the end line, undo the stuffing.
    lines = wire[: -len(b".\r\n")].split(b"\r\n")
    received = b"\r\n".join(line[1:] if line.startswith(b".") else line for line in lines)
    parsed = email.message_from_bytes(received, policy=policy.default)
    plain = parsed.get_body(("plain",))
    assert plain is not None
    assert (
        plain.get_content().replace("\r\n", "\n")
        == ".dot first\n.\nslut\n.m.a\n.u..\n.dot first\n.\nslut"
    )


@pytest.mark.parametrize("salt", ["0123456789abcdef", 'å"\\ x', "-_"])
@pytest.mark.parametrize("subscriber_id", [1, 42, 2**40])
def test_link_tokens_are_the_tokens_made_one_by_one(subscriber_id: int, salt: str) -> None:
    signer = TokenSigner("a secret key for the tests, long enough")
    manage, unsubscribe = signer.link_tokens(subscriber_id, salt)
    assert manage == signer.manage_token(subscriber_id, salt)
    assert unsubscribe == signer.unsubscribe_token(subscriber_id, salt)
    for purpose, token in ((TokenPurpose.MANAGE, manage), (TokenPurpose.UNSUBSCRIBE, unsubscribe)):
        claims = signer.verify(purpose, token)
        assert (claims.subscriber_id, claims.token_salt) == (subscriber_id, salt)


@pytest.mark.parametrize(("subscriber_id", "salt"), [(0, "abc"), (True, "abc"), (1, "")])
def test_link_tokens_refuse_what_the_single_tokens_refuse(subscriber_id: int, salt: str) -> None:
    with pytest.raises(ValueError):
        TokenSigner("k" * 40).link_tokens(subscriber_id, salt)


def test_every_form_arrives_at_a_real_smtp_server_as_the_same_message() -> None:
    template = _template(".dot first\n.\nslut", "<p>.</p>")
    values = {
        "to_address": "anna@example.org",
        "to_name": "Anna",
        "manage_token": ".m",
        "unsubscribe_token": "u.u",
        "message_id": "<1.v1@trygg.example.org>",
        "date": datetime(2027, 2, 15, 7, 0, tzinfo=UTC),
    }
    handler = ScriptedHandler()
    with smtp_server(handler) as server:
        transport = transport_for(server.port)
        assert transport.message_form == MessageForm.WIRE
        messages = [
            OutgoingMessage(
                n, "anna@example.org", f"<{n}@x>", template.build(**values, form=form), None, form
            )  # type: ignore[arg-type]
            for n, form in enumerate(MessageForm)
        ]
        try:
            results = transport.send(messages)
        finally:
            transport.close()
    assert [r.status for r in results] == [SendStatus.ACCEPTED] * 3
    expected = to_crlf(template.build(**values))  # type: ignore[arg-type]
    assert [r.data for r in handler.received] == [expected] * 3
    assert [r.mail_from for r in handler.received] == ["nyhetsbrev@trygg.example.se"] * 3
