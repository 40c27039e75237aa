"""DKIM: the bytes the server got verify, and the signature covers both List-Unsubscribe headers.

A real message (made by the message template) goes through the SMTP transport
with a signer into aiosmtpd; ``dkim.verify`` with a DNS function serving the
test key checks exactly what arrived. relaxed/relaxed, no ``l=``; a changed
List-Unsubscribe-Post breaks the signature; an unreadable key names its setting.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from delivery_factories import rendered_variant, template_for
from smtp_servers import ScriptedHandler, smtp_server

from tryggnews.errors import ConfigError
from tryggnews.transports.base import OutgoingMessage, SendStatus
from tryggnews.transports.dkim import DkimSigner
from tryggnews.transports.smtp import SmtpTransport
from tryggnews.transports.smtp.protocol import SmtpConfig


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def dns_for(key: rsa.RSAPrivateKey) -> object:
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"nyhet._domainkey.trygg.example.se."
        return record

    return dnsfunc


def message() -> bytes:
    return template_for(rendered_variant("alla")).build(
        to_address="anna@example.org",
        to_name="Anna Åberg",
        manage_token="manage.Token-1",
        unsubscribe_token="unsub.Token-2",
        message_id="<2027-1.1.abc@trygg.example.se>",
        date=datetime(2027, 3, 10, 8, 0, tzinfo=UTC),
    )


def test_received_bytes_verify_and_cover_list_unsubscribe(key: rsa.RSAPrivateKey) -> None:
    signer = DkimSigner(domain="trygg.example.se", selector="nyhet", private_key=pem(key))
    handler = ScriptedHandler()
    with smtp_server(handler) as server:
        transport = SmtpTransport(
            SmtpConfig(
                host="127.0.0.1",
                port=server.port,
                security="none",
                envelope_from="nyhetsbrev@trygg.example.se",
            ),
            dkim=signer,
        )
        try:
            results = transport.send([OutgoingMessage(1, "anna@example.org", "<x@y>", message())])
        finally:
            transport.close()
    assert [r.status for r in results] == [SendStatus.ACCEPTED]
    received = handler.received[0].data
    assert received.startswith(b"DKIM-Signature: ")
    assert dkim.verify(received, dnsfunc=dns_for(key))

    signature = dkim.DKIM(received)
    signature.verify(dnsfunc=dns_for(key))
    fields = signature.signature_fields
    signed = [h.strip().lower() for h in fields[b"h"].split(b":")]
    assert {b"list-unsubscribe", b"list-unsubscribe-post", b"feedback-id", b"from"} <= set(signed)
    assert fields[b"c"] == b"relaxed/relaxed" and b"l" not in fields

    tampered = received.replace(
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        b"List-Unsubscribe-Post: List-Unsubscribe=Two-Click",
    )
    assert tampered != received and not dkim.verify(tampered, dnsfunc=dns_for(key))


def test_unreadable_key_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TRYGGNEWS_DKIM_PRIVATE_KEY_FILE"):
        DkimSigner.from_file(
            domain="trygg.example.se", selector="nyhet", key_file=str(tmp_path / "missing.pem")
        )
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key\n")
    with pytest.raises(ConfigError, match=r"TRYGGNEWS_DKIM_PRIVATE_KEY_FILE.*cannot sign"):
        DkimSigner.from_file(domain="trygg.example.se", selector="nyhet", key_file=str(garbage))
