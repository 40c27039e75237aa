"""DKIM over the wire form: the signer takes a message as SMTP sends it (dot-stuffed,
with the end-of-data line) and gives back only its DKIM-Signature lines.

``from_wire`` undoes ``to_wire`` exactly, for any text with dots, CRs and LFs
anywhere. A pipelined send with DKIM on, of messages the template built in the wire
form with lines starting with dots, delivers to a real aiosmtpd server (which
un-stuffs them) exactly ``DkimSigner.sign`` of the CRLF message, and every signature
verifies: one message (signed in the lane) and a batch (signed ahead in the helper
processes, over two connections).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from delivery_factories import rendered_variant, template_for
from hypothesis import example, given
from hypothesis import strategies as st
from smtp_servers import ScriptedHandler, smtp_server
from test_dkim_signing import DOMAIN, dns_for, ed_pem, pem, verify_all

from tryggnews.transports.base import MessageForm, OutgoingMessage, SendStatus
from tryggnews.transports.dkim import DkimSigner, from_wire
from tryggnews.transports.smtp import SmtpTransport
from tryggnews.transports.smtp.protocol import SmtpConfig, to_wire
from tryggnews.transports.smtp.transport import SIGN_AHEAD_FROM

FROM = "nyhetsbrev@trygg.example.se"
_PIECES = [b"a", b".", b"..", b"\r\n", b"\r", b"\n", b" ", b"\xc3\xa5"]


@given(st.lists(st.sampled_from(_PIECES), max_size=60))
@example([b".", b"\r\n", b".", b".", b"\r\n", b"."])
@example([b"\r\n", b".."])
@example([])
def test_from_wire_undoes_to_wire(pieces: list[bytes]) -> None:
    message = b"".join(pieces)
    wire = to_wire(message)
    # ``to_wire`` ends the message with a line end; the rest comes back byte for byte.
    expected = message if message.endswith(b"\r\n") else message + b"\r\n"
    assert from_wire(wire) == expected
    assert from_wire(to_wire(expected)) == expected


def test_from_wire_refuses_bytes_without_the_end_of_data_line() -> None:
    for wire in (b"", b"Subject: x\r\n\r\ntext\r\n", b"x\r\n.\r\n\r\n", b"x\n.\n"):
        with pytest.raises(ValueError, match="wire form"):
            from_wire(wire)


@pytest.fixture(scope="module")
def keys() -> tuple[rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey]:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048), (
        ed25519.Ed25519PrivateKey.generate()
    )


@pytest.mark.parametrize(("count", "connections"), [(1, 1), (SIGN_AHEAD_FROM + 5, 2)])
def test_a_pipelined_signed_send_delivers_sign_of_the_crlf_message(
    keys: tuple[rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey], count: int, connections: int
) -> None:
    key, ed_key = keys
    options = {
        "domain": DOMAIN,
        "selector": "nyhet",
        "private_key": pem(key),
        "ed25519_selector": "nyhet-ed",
        "ed25519_key": ed_pem(ed_key),
    }
    template = template_for(rendered_variant("alla", extra_html="<p>\n.punkt\n..två\n.\n</p>\n"))

    def build(n: int, form: MessageForm) -> bytes:
        return template.build(
            to_address=f"anna{n}@example.org",
            to_name="Anna Åberg",
            manage_token=f".manage-{n}",
            unsubscribe_token=f"unsub.{n}",
            message_id=f"<2027-1.{n}.abc@trygg.example.se>",
            date=datetime(2027, 3, 10, 8, 0, tzinfo=UTC),
            form=form,
        )

    handler = ScriptedHandler(pipelining=True)
    with smtp_server(handler) as server:
        transport = SmtpTransport(
            SmtpConfig(host="127.0.0.1", port=server.port, security="none", envelope_from=FROM),
            connections=connections,
            dkim=DkimSigner(**options),  # type: ignore[arg-type]
        )
        assert transport.message_form == MessageForm.WIRE
        batch = [
            OutgoingMessage(
                n,
                f"anna{n}@example.org",
                f"<{n}@y>",
                build(n, MessageForm.WIRE),
                None,
                form=MessageForm.WIRE,
            )
            for n in range(count)
        ]
        assert all(m.raw.count(b"\r\n..") >= 3 for m in batch)  # dots were stuffed
        try:
            results = transport.send(batch)
        finally:
            transport.close()
    assert [r.status for r in results] == [SendStatus.ACCEPTED] * count
    groups = [c for c in handler.chunks if c.startswith(b"MAIL FROM:")]
    assert len(groups) == count and all(b"\r\nRCPT TO:" in g for g in groups)  # pipelined

    # The signer that made them, its clock set to each signature's t= (the helper
    # processes read their own); RSA and Ed25519 signatures are deterministic.
    clock = [0.0]
    signer = DkimSigner(**options, now=lambda: clock[0])  # type: ignore[arg-type]
    received = {r.recipient: r.data for r in handler.received}
    assert len(received) == count
    for n in range(count):
        data = received[f"anna{n}@example.org"]
        timestamp = re.search(rb"; t=(\d+);", data)
        assert timestamp is not None
        clock[0] = float(timestamp.group(1))
        crlf = build(n, MessageForm.CRLF)
        assert data == signer.sign(crlf)
        assert data.endswith(crlf) and b"\r\n.punkt\r\n..tv" in data  # un-stuffed
        verify_all(data, dns_for(key, ed_key), [b"rsa-sha256", b"ed25519-sha256"])
