"""Real SMTP servers for delivery tests: aiosmtpd on a free loopback port, scripted per recipient.

``ScriptedHandler`` records every accepted message (recipient and the exact
bytes) and every connection, and plays a script for chosen recipients, one step
per attempt: ``"451"`` (try later), ``"550 5.1.1"`` (no such user), ``"550 5.7.1"``
(policy), ``"421"`` (the server closes), ``"drop"`` (the connection is cut after
the message data, before the answer), ``"slow"`` (the answer to RCPT comes after
``slow_seconds``), ``"cut"`` (the connection is cut when DATA arrives, before its
reply), ``"550 multi"`` (a two-line 5.1.1 refusal). Envelope senders have scripts
too, for MAIL FROM: ``"451"``, ``"550 5.7.1"``, ``"421"``. Once a recipient's or
sender's script is used up, it is accepted.

``pipelining=True`` adds PIPELINING (RFC 2920) to the EHLO answer (aiosmtpd reads
commands that arrive together one by one either way); ``multiline=True`` answers
MAIL, RCPT and the end of DATA in two lines. ``chunks`` keeps the bytes of each
read from the connection, so a test can see which commands came in one write.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session


class LoopbackController(Controller):
    """aiosmtpd's Controller on port 0: the bound port is read back before use."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class Received:
    recipient: str
    mail_from: str
    data: bytes


@dataclass
class ScriptedHandler:
    script: dict[str, list[str]] = field(default_factory=dict)
    slow_seconds: float = 2.0
    pipelining: bool = False
    multiline: bool = False
    received: list[Received] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _step(self, address: str) -> str | None:
        with self.lock:
            steps = self.script.get(address)
            return steps.pop(0) if steps else None

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        step = self._step(address)
        if step == "451":
            return "451 4.3.0 try again later"
        if step == "550 5.7.1":
            return "550 5.7.1 sender not allowed"
        if step == "421":
            asyncio.get_running_loop().call_soon(server.transport.close)
            return "421 4.3.2 closing the connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return self._ok("250 OK sender")

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        step = self._step(address)
        if step == "451":
            return "451 4.3.0 try again later"
        if step == "550 5.1.1":
            return "550 5.1.1 no such user here"
        if step == "550 multi":
            return "550-5.1.1 no such user here\r\n550 5.1.1 the mailbox was closed"
        if step == "550 5.7.1":
            return "550 5.7.1 relaying denied for this sender"
        if step == "421":
            asyncio.get_running_loop().call_soon(server.transport.close)
            return "421 4.3.2 closing the connection"
        if step == "slow":
            await asyncio.sleep(self.slow_seconds)
        if step == "drop":
            envelope.drop_after_data = True  # type: ignore[attr-defined]
        if step == "cut":
            envelope.cut_at_data = True  # type: ignore[attr-defined]
        envelope.rcpt_tos.append(address)
        return self._ok("250 OK")

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if getattr(envelope, "drop_after_data", False):
            server.transport.abort()
            return "250 never heard"
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received.append(
                    Received(rcpt, str(envelope.mail_from), bytes(envelope.original_content or b""))
                )
        return self._ok("250 OK queued")

    def _ok(self, reply: str) -> str:
        if self.multiline:
            return f"250-{reply[4:]}\r\n250 2.0.0 (a second line)"
        return reply

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(r.recipient for r in self.received)


class CountingSMTP(SMTP):
    def __init__(self, handler: ScriptedHandler, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._scripted = handler

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        with self._scripted.lock:
            self._scripted.connections += 1
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        with self._scripted.lock:
            self._scripted.chunks.append(data)
        super().data_received(data)

    async def smtp_DATA(self, arg: str) -> None:
        if getattr(self.envelope, "cut_at_data", False):
            assert self.transport is not None
            self.transport.abort()  # the client's group arrived; no reply to DATA
            return
        await super().smtp_DATA(arg)


class ScriptedController(LoopbackController):
    def factory(self) -> SMTP:
        return CountingSMTP(self.handler, **self.SMTP_kwargs)


@contextmanager
def smtp_server(handler: ScriptedHandler, **kwargs: Any) -> Iterator[ScriptedController]:
    """A running server on 127.0.0.1 (free port), stopped afterwards."""
    controller = ScriptedController(handler, hostname="127.0.0.1", port=0, **kwargs)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def accept_password(password: str) -> Any:
    """An aiosmtpd authenticator accepting user ``sender`` with ``password``."""

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = getattr(auth_data, "login", b"") == b"sender" and auth_data.password == (
            password.encode()
        )
        return AuthResult(success=ok, handled=False)

    return authenticate


def server_tls_context(cert: Any) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context
