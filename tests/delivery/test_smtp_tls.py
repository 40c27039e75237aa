"""SMTP over STARTTLS and implicit TLS with login, against aiosmtpd with a certificate made here.

The client trusts the test CA through its SSL context (verification stays on):
the right password sends; a wrong password, an untrusted certificate, a server
without STARTTLS or a closed port refuse before anything is sent, with a message
naming the setting to fix.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import pytest
import trustme
from smtp_servers import ScriptedHandler, accept_password, server_tls_context, smtp_server

from tryggnews.errors import ConfigError, TransportError
from tryggnews.transports.base import OutgoingMessage, SendStatus
from tryggnews.transports.smtp import SmtpTransport
from tryggnews.transports.smtp.protocol import SmtpConfig

FROM = "nyhetsbrev@trygg.example.se"
MESSAGE = b"From: nyhetsbrev@trygg.example.se\nTo: a@example.org\nSubject: Hej\n\nText.\n"


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


def transport(
    port: int, context: ssl.SSLContext | None, *, security: str, password: str = "ratt-losen"
) -> SmtpTransport:
    return SmtpTransport(
        SmtpConfig(
            host="127.0.0.1",
            port=port,
            security=security,
            envelope_from=FROM,
            username="sender",
            password=password,
            timeout=5,
        ),
        ssl_context=context,
    )


@pytest.fixture
def starttls_server(server_context: ssl.SSLContext) -> Iterator[tuple[int, ScriptedHandler]]:
    handler = ScriptedHandler()
    with smtp_server(
        handler,
        tls_context=server_context,
        require_starttls=True,
        authenticator=accept_password("ratt-losen"),
        auth_required=True,
    ) as server:
        yield server.port, handler


def messages(*recipients: str) -> list[OutgoingMessage]:
    return [OutgoingMessage(n, r, f"<{n}@x>", MESSAGE) for n, r in enumerate(recipients)]


def test_starttls_and_login_then_send(
    starttls_server: tuple[int, ScriptedHandler], client_context: ssl.SSLContext
) -> None:
    port, handler = starttls_server
    smtp = transport(port, client_context, security="starttls")
    try:
        smtp.check()
        results = smtp.send(messages("a@example.org", "b@example.org"))
    finally:
        smtp.close()
    assert [r.status for r in results] == [SendStatus.ACCEPTED] * 2
    assert handler.counts() == {"a@example.org": 1, "b@example.org": 1}


def test_starttls_pipelined_send(
    server_context: ssl.SSLContext, client_context: ssl.SSLContext
) -> None:
    # The pipelined commands and replies travel on the TLS socket STARTTLS put in place.
    handler = ScriptedHandler(pipelining=True)
    with smtp_server(
        handler,
        tls_context=server_context,
        require_starttls=True,
        authenticator=accept_password("ratt-losen"),
        auth_required=True,
    ) as server:
        smtp = transport(server.port, client_context, security="starttls")
        try:
            results = smtp.send(messages("a@example.org", "b@example.org", "c@example.org"))
        finally:
            smtp.close()
    assert [r.status for r in results] == [SendStatus.ACCEPTED] * 3
    assert [r.data for r in handler.received] == [MESSAGE.replace(b"\n", b"\r\n")] * 3
    groups = [chunk for chunk in handler.chunks if chunk.startswith(b"MAIL FROM:")]
    assert len(groups) == 3 and all(group.endswith(b"\r\nDATA\r\n") for group in groups)


def test_wrong_password_refuses_naming_the_settings(
    starttls_server: tuple[int, ScriptedHandler], client_context: ssl.SSLContext
) -> None:
    port, handler = starttls_server
    smtp = transport(port, client_context, security="starttls", password="fel")
    with pytest.raises(TransportError, match="TRYGGNEWS_SMTP_PASSWORD") as refused:
        smtp.check()
    smtp.close()
    assert "535" in str(refused.value) and "fel" not in str(refused.value)
    assert handler.received == []


def test_untrusted_certificate_is_refused(starttls_server: tuple[int, ScriptedHandler]) -> None:
    port, _ = starttls_server
    smtp = transport(port, ssl.create_default_context(), security="starttls")
    with pytest.raises(TransportError, match=r"not trusted.*TRYGGNEWS_SMTP_HOST"):
        smtp.check()
    smtp.close()


def test_implicit_tls(server_context: ssl.SSLContext, client_context: ssl.SSLContext) -> None:
    handler = ScriptedHandler()
    with smtp_server(
        handler,
        ssl_context=server_context,
        authenticator=accept_password("ratt-losen"),
        # aiosmtpd sees only STARTTLS as TLS; this socket is encrypted from the start.
        auth_require_tls=False,
    ) as server:
        smtp = transport(server.port, client_context, security="ssl")
        try:
            results = smtp.send(messages("a@example.org"))
        finally:
            smtp.close()
    assert [r.status for r in results] == [SendStatus.ACCEPTED]
    assert handler.counts() == {"a@example.org": 1}


def test_server_without_starttls_is_refused(client_context: ssl.SSLContext) -> None:
    with smtp_server(ScriptedHandler()) as server:
        smtp = transport(server.port, client_context, security="starttls")
        with pytest.raises(TransportError, match="does not offer STARTTLS"):
            smtp.check()
        smtp.close()


def test_closed_port_names_host_and_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = transport(port, None, security="starttls")
    with pytest.raises(TransportError, match="TRYGGNEWS_SMTP_HOST and TRYGGNEWS_SMTP_PORT"):
        smtp.check()
    smtp.close()


def test_password_is_never_sent_in_clear() -> None:
    with pytest.raises(ConfigError, match="never sent in clear"):
        transport(25, None, security="none")


def test_non_ascii_password_is_refused_before_connecting() -> None:
    with pytest.raises(ConfigError, match="TRYGGNEWS_SMTP_PASSWORD has non-ASCII"):
        transport(587, None, security="starttls", password="lösenord")


def test_clear_text_to_a_remote_host_is_warned_about() -> None:
    remote = SmtpTransport(
        SmtpConfig(host="relay.example.org", port=25, security="none", envelope_from=FROM)
    )
    local = SmtpTransport(
        SmtpConfig(host="127.0.0.1", port=25, security="none", envelope_from=FROM)
    )
    assert remote.warnings and "unencrypted" in remote.warnings[0]
    assert local.warnings == []
