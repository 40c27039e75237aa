"""DKIM: every signature on the bytes the server got verifies (rsa-sha256 and the optional
ed25519-sha256), covering both List-Unsubscribe headers; a bad key refuses the send first.

Real messages (made by the message template) go through the SMTP transport with a
signer into aiosmtpd, one at a time (signed in the lane) and as a batch (signed ahead
in the signer's helper processes); ``dkim.verify`` with a DNS function serving the
test keys checks exactly what arrived, each signature in turn. relaxed/relaxed, no
``l=``; a changed List-Unsubscribe-Post breaks the signature; a message with raw
UTF-8, tabs, runs of spaces, trailing whitespace and folded headers verifies; our
relaxed body canonicalisation is dkimpy's, byte for byte. An unreadable, wrong or
mismatched key names its setting, and ``issue send`` exits 2 before anything is
snapshotted.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import dkim
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from delivery_factories import rendered_variant, template_for
from dkim.canonicalization import Relaxed
from hypothesis import given
from hypothesis import strategies as st
from sending_setup import ISSUE_KEY, cli_env, prepare_issue, smtp_env
from smtp_servers import ScriptedHandler, smtp_server
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.cli import cli
from tryggnews.config import Settings
from tryggnews.db.models import Delivery, Issue, IssueStatus
from tryggnews.errors import ConfigError
from tryggnews.transports.base import OutgoingMessage, SendStatus
from tryggnews.transports.dkim import DkimSigner, relaxed_body
from tryggnews.transports.smtp import SmtpTransport
from tryggnews.transports.smtp.protocol import SmtpConfig
from tryggnews.transports.smtp.transport import SIGN_AHEAD_FROM

DOMAIN = "trygg.example.se"
NONE = serialization.NoEncryption()
DnsFunc = Callable[..., bytes]
# A 512-bit RSA key (``openssl genrsa 512``): ``cryptography`` will not make one.
SMALL_RSA_KEY = b"""\
-----BEGIN PRIVATE KEY-----
MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA2MwIkvfKqDQsusqH
VJqdWfE9I/GIHtX0vJXrY6YAFSROgwxhSw/z1ybktgmXKmbv3H0xT9EUkND5+EhX
A2LsMwIDAQABAkA93PLxZS36E3FUF+jIFpqiCLmmoQxzqB//FFSoCb1qSnwX86yr
wQmMGowv3CfOI/JyUj5con+5WUkKewipPITBAiEA/maHUI8AWAb/c5HnYhrsIKKu
bwGoXzRRmmm4HFjCf5MCIQDaKPrkhtB4aUByrrQqRPdp07DvTZYC1H8DE5RVflOE
4QIhAKMX2gIkW2UTv2s5C6zSc7UMdmXGG0pFwVcMFbNel/qvAiAVo/0HUEw7tY0c
EzJyAvdb+xDRHCwmSbfzsSyEsoxMYQIhAPD2AZdWYrgYxpZLT2FOFNYroA+FdnYq
ZAfbKvqfSR9s
-----END PRIVATE KEY-----
"""


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ed_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, NONE
    )


def ed_pem(key: ed25519.Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, NONE)


def dns_for(key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey | None = None) -> DnsFunc:
    """The DNS TXT records of both selectors, as a receiver would look them up."""
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    records = {
        b"nyhet._domainkey.trygg.example.se.": b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    }
    if ed_key is not None:
        raw = ed_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        records[b"nyhet-ed._domainkey.trygg.example.se."] = (
            b"v=DKIM1; k=ed25519; p=" + base64.b64encode(raw)
        )

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes:
        return records[name]

    return dnsfunc


def verifies(received: bytes, index: int, dnsfunc: DnsFunc) -> bool:
    """``dkim.verify`` for the signature at ``index``: ``False`` where dkimpy raises."""
    try:
        return bool(dkim.DKIM(received).verify(idx=index, dnsfunc=dnsfunc))
    except dkim.DKIMException:
        return False


def verify_all(received: bytes, dnsfunc: DnsFunc, algorithms: list[bytes]) -> None:
    """Each DKIM-Signature of ``received``, in order, has the algorithm given and verifies."""
    assert dkim.verify(received, dnsfunc=dnsfunc)  # the first, as a receiver checks it
    for index, algorithm in enumerate(algorithms):
        signature = dkim.DKIM(received)
        assert signature.verify(idx=index, dnsfunc=dnsfunc), (index, algorithm)
        fields = signature.signature_fields
        assert fields[b"a"] == algorithm
        assert fields[b"c"] == b"relaxed/relaxed" and b"l" not in fields
        signed = [h.strip().lower() for h in fields[b"h"].split(b":")]
        assert {b"list-unsubscribe", b"list-unsubscribe-post", b"feedback-id", b"from"} <= set(
            signed
        )
    assert received.count(b"\r\nDKIM-Signature: ") + 1 == len(algorithms)


def message(n: int = 1) -> bytes:
    return template_for(rendered_variant("alla")).build(
        to_address=f"anna{n}@example.org",
        to_name="Anna Åberg",
        manage_token=f"manage.Token-{n}",
        unsubscribe_token=f"unsub.Token-{n}",
        message_id=f"<2027-1.{n}.abc@trygg.example.se>",
        date=datetime(2027, 3, 10, 8, 0, tzinfo=UTC),
    )


def send_through(signer: DkimSigner, count: int, connections: int = 1) -> list[bytes]:
    """``count`` messages through the SMTP transport into aiosmtpd: the bytes received."""
    handler = ScriptedHandler()
    with smtp_server(handler) as server:
        transport = SmtpTransport(
            SmtpConfig(
                host="127.0.0.1",
                port=server.port,
                security="none",
                envelope_from="nyhetsbrev@trygg.example.se",
            ),
            connections=connections,
            dkim=signer,
        )
        batch = [
            OutgoingMessage(n, f"anna{n}@example.org", f"<{n}@y>", message(n)) for n in range(count)
        ]
        try:
            results = transport.send(batch)
        finally:
            transport.close()
    assert [r.status for r in results] == [SendStatus.ACCEPTED] * count
    return [envelope.data for envelope in handler.received]


def test_received_bytes_verify_and_cover_list_unsubscribe(key: rsa.RSAPrivateKey) -> None:
    signer = DkimSigner(domain=DOMAIN, selector="nyhet", private_key=pem(key))
    [received] = send_through(signer, 1)
    assert received.startswith(b"DKIM-Signature: ")
    verify_all(received, dns_for(key), [b"rsa-sha256"])

    tampered = received.replace(
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        b"List-Unsubscribe-Post: List-Unsubscribe=Two-Click",
    )
    assert tampered != received and not dkim.verify(tampered, dnsfunc=dns_for(key))


def test_a_batch_signed_ahead_with_both_keys_verifies_message_by_message(
    key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    signer = DkimSigner(
        domain=DOMAIN,
        selector="nyhet",
        private_key=pem(key),
        ed25519_selector="nyhet-ed",
        ed25519_key=ed_pem(ed_key),
    )
    received = send_through(signer, SIGN_AHEAD_FROM + 4, connections=2)
    assert len({r.split(b"\r\n\r\n", 1)[1] for r in received}) == len(received)  # personal
    # Each signature stands alone: with another RSA key in DNS, Ed25519 still holds.
    other = dns_for(rsa.generate_private_key(public_exponent=65537, key_size=1024), ed_key)
    for data in received:
        verify_all(data, dns_for(key, ed_key), [b"rsa-sha256", b"ed25519-sha256"])
        assert not verifies(data, 0, other) and verifies(data, 1, other)
    tampered = received[0].replace(b"Avsluta prenumerationen", b"Avsluta prenumeration!!")
    assert tampered != received[0]
    assert not verifies(tampered, 0, dns_for(key, ed_key))
    assert not verifies(tampered, 1, dns_for(key, ed_key))


def test_raw_utf8_folded_headers_and_whitespace_verify(
    key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    raw = (
        "From: Trygg i Österåker <nyhetsbrev@trygg.example.se>\r\n"
        "To:  Åsa\t Öberg   <asa@example.org>  \r\n"
        "Subject: Hej  där:\tpåsklov,\r\n\t båtar  och grannsamverkan \r\n"
        "Date: Wed, 10 Mar 2027 08:00:00 +0000\r\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Rad med  två mellanslag\toch tabb   \r\n"
        ".en punkt först\r\n"
        " \t \r\n"
        "Sista raden — ”citat” é\r\n"
        "\r\n\r\n"
    ).encode()
    signer = DkimSigner(
        domain=DOMAIN,
        selector="nyhet",
        private_key=pem(key),
        ed25519_selector="nyhet-ed",
        ed25519_key=ed_pem(ed_key),
    )
    signed = signer.sign(raw)
    assert signed.endswith(raw)
    verify_all(signed, dns_for(key, ed_key), [b"rsa-sha256", b"ed25519-sha256"])
    # relaxed/relaxed: a relay that refolds or re-spaces the headers breaks nothing ...
    refolded = signed.replace(b"Subject: Hej  d", b"Subject:   Hej \t d")
    assert refolded != signed
    verify_all(refolded, dns_for(key, ed_key), [b"rsa-sha256", b"ed25519-sha256"])
    # ... but changed words do.
    assert not dkim.verify(signed.replace("två".encode(), b"tre"), dnsfunc=dns_for(key))
    # Bare LF line endings would be signed as something other than what is sent.
    with pytest.raises(ValueError, match="CRLF"):
        signer.sign(raw.replace(b"\r\n", b"\n"))


@given(
    st.lists(st.sampled_from([b"a", b"\xc3\xa5", b" ", b"\t", b"\r\n", b"\r", b"."]), max_size=40)
)
def test_relaxed_body_is_dkimpys(parts: list[bytes]) -> None:
    body = b"".join(parts)
    assert relaxed_body(body) == Relaxed.canonicalize_body(body)


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def test_unreadable_or_wrong_keys_name_the_setting(
    tmp_path: Path, key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    def signer(key_file: str, **extra: str) -> DkimSigner:
        return DkimSigner.from_file(domain=DOMAIN, selector="nyhet", key_file=key_file, **extra)

    rsa_file = write(tmp_path / "rsa.pem", pem(key))
    ed_file = write(tmp_path / "ed.pem", ed_pem(ed_key))
    ec_key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, NONE
    )
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: signer(str(tmp_path / "missing.pem")), r"PRIVATE_KEY_FILE=.*cannot read"),
        (
            lambda: signer(write(tmp_path / "g.pem", b"not a key\n")),
            r"PRIVATE_KEY_FILE.*cannot sign",
        ),
        (lambda: signer(write(tmp_path / "ec.pem", ec_key)), r"PRIVATE_KEY_FILE.*not an RSA key"),
        (lambda: signer(ed_file), r"PRIVATE_KEY_FILE.*not an RSA key"),
        (lambda: signer(write(tmp_path / "s.pem", SMALL_RSA_KEY)), r"512 bits"),
        (
            lambda: signer(rsa_file, ed25519_selector="nyhet-ed", ed25519_key_file=rsa_file),
            r"ED25519_PRIVATE_KEY_FILE.*not an Ed25519 key",
        ),
        (
            lambda: signer(
                rsa_file, ed25519_selector="nyhet-ed", ed25519_key_file=str(tmp_path / "no")
            ),
            r"ED25519_PRIVATE_KEY_FILE=.*cannot read",
        ),
        (lambda: signer(rsa_file, ed25519_selector="nyhet-ed"), r"go together"),
        (lambda: signer(rsa_file, ed25519_key_file=ed_file), r"go together"),
        (
            lambda: signer(rsa_file, ed25519_selector="nyhet", ed25519_key_file=ed_file),
            r"must differ",
        ),
    ]
    for make, match in cases:
        with pytest.raises(ConfigError, match=match):
            make()
    # The base64 seed dkimpy's dknewkey writes is an Ed25519 key too.
    seed = ed_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, NONE)
    seed_file = write(tmp_path / "ed.key", base64.b64encode(seed) + b"\n")
    both = signer(rsa_file, ed25519_selector="nyhet-ed", ed25519_key_file=seed_file)
    verify_all(
        both.sign(message().replace(b"\n", b"\r\n")),
        dns_for(key, ed_key),
        [b"rsa-sha256", b"ed25519-sha256"],
    )


def test_a_bad_key_refuses_the_send_before_anything_is_snapshotted(
    settings: Settings,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    key: rsa.RSAPrivateKey,
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the repository
    prepare_issue(settings, session_factory, 3, start=False)
    bad = write(tmp_path / "bad.pem", b"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n")
    with smtp_server(ScriptedHandler()) as server:
        env = smtp_env(
            server.port,
            dkim_domain=DOMAIN,
            dkim_selector="nyhet",
            dkim_private_key_file=bad,
        )
        for name, value in cli_env(settings, **env).items():
            if name.startswith("TRYGGNEWS_"):
                monkeypatch.setenv(name, value)
        result = CliRunner().invoke(
            cli, ["issue", "send", ISSUE_KEY, "--without-approval"], catch_exceptions=False
        )
    assert result.exit_code == 2, result.output
    assert "TRYGGNEWS_DKIM_PRIVATE_KEY_FILE" in result.output
    assert "Traceback" not in result.output
    with session_factory() as session:
        issue = session.execute(select(Issue).where(Issue.key == ISSUE_KEY)).scalar_one()
        assert issue.status == IssueStatus.DRAFT
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
