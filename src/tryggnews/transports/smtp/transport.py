"""The SMTP transport: smtplib over TLS, a few reused connections, one recipient each time.

Each message is its own transaction (MAIL, RCPT, DATA) because each recipient's
message carries their own tokens. The sender builds the bytes in the wire form
(``MessageForm.WIRE``: CRLF, dot-stuffed), signed or not; with DKIM, the signer
makes the DKIM-Signature line(s) from those bytes and they go in front
(``transports.dkim``), so a signed message is never stuffed or copied whole here.
They are sent as they are, never through ``send_message``, which would
re-serialise them.

Parallelism: ``connections`` lanes, each owning one smtplib connection and used
by one thread at a time. A batch is shared out by the lanes pulling messages
from a common iterator until it is empty, so a slow connection takes fewer.
smtplib opens each connection (TLS, EHLO, AUTH); the commands and replies of the
messages go through the lane's ``Channel``, pipelined where the server offers
PIPELINING (two round trips a message instead of four).

One lane's work is ``lane``; what a reply means, and the bytes,
``protocol``.
"""

from __future__ import annotations

import dataclasses
import logging
import smtplib
import socket
import ssl
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

from tryggnews.errors import ConfigError, TransportError
from tryggnews.transports.base import MessageForm, OutgoingMessage, ResultCallback, SendResult
from tryggnews.transports.dkim import DkimSigner
from tryggnews.transports.errors import TransportStoppedError
from tryggnews.transports.smtp.lane import Lane
from tryggnews.transports.smtp.protocol import (
    SmtpConfig,
    StopReply,
    is_loopback,
    make_retry,
    to_bytes,
    to_crlf,
    to_text,
    to_wire,
)

logger = logging.getLogger(__name__)

SECURITY = ("starttls", "ssl", "none")
SIGN_AHEAD_FROM = 16  # a batch this large is DKIM-signed ahead, in the signer's helper process


class SmtpTransport:
    """Sends through an SMTP server (see the module docstring for the rules)."""

    name = "smtp"

    def __init__(
        self,
        config: SmtpConfig,
        *,
        connections: int = 1,
        dkim: DkimSigner | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if config.security not in SECURITY:
            raise ConfigError(
                f"TRYGGNEWS_SMTP_SECURITY={config.security}: use {', '.join(SECURITY)}"
            )
        if not config.host:
            raise ConfigError(
                "TRYGGNEWS_SMTP_HOST is not set: name the mail server to send through"
            )
        if config.username and config.security == "none":
            raise ConfigError(
                "TRYGGNEWS_SMTP_USERNAME is set but TRYGGNEWS_SMTP_SECURITY=none: a password is "
                "never sent in clear text; use starttls or ssl"
            )
        if not (config.username + config.password).isascii():
            # smtplib encodes credentials as ASCII and would fail at the first login.
            raise ConfigError(
                "TRYGGNEWS_SMTP_USERNAME or TRYGGNEWS_SMTP_PASSWORD has non-ASCII characters "
                "(å, ä, ö …), which SMTP login cannot carry here: choose an ASCII password"
            )
        if connections <= 0:
            raise ValueError("connections must be positive")
        self.config = config
        self.dkim = dkim
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.warnings: list[str] = []
        if config.security == "none" and not is_loopback(config.host):
            self.warnings.append(
                f"TRYGGNEWS_SMTP_SECURITY=none: every message to {config.host} travels "
                "unencrypted; use starttls or ssl unless this relay is on a trusted network"
            )
            logger.warning(self.warnings[-1])
        self._lanes = [Lane(self) for _ in range(connections)]
        self._pool: ThreadPoolExecutor | None = None
        self._pull = threading.Lock()
        self._partial: list[SendResult] = []
        self._checked = False
        self._signed_ahead = False

    # --- the Transport protocol ------------------------------------------------------

    @property
    def message_form(self) -> MessageForm:
        """Ready for DATA, with DKIM too: the signer recovers the message before
        dot-stuffing from these bytes, and its lines go in front of them."""
        return MessageForm.WIRE

    def check(self) -> None:
        """Connect and log in once, so a wrong host, port, certificate or password
        stops the send before anything is claimed. Raises ``TransportError``.

        Only the first call connects: the settings do not change, and a server that
        is down later (a worker runs for weeks) means retries, not a refusal.
        """
        if self._checked:
            return
        try:
            self._lanes[0].open()
        except (smtplib.SMTPException, OSError) as exc:
            raise TransportError(self._explain(exc)) from None
        self._checked = True

    def send(
        self, batch: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        """One result per message; raises ``TransportStoppedError`` on a 5.7.x or
        refused credentials, carrying the results it got before stopping. Each lane
        tells ``on_result`` of each answer from its own thread as it comes."""
        self._signed_ahead = self.dkim is not None and len(batch) >= SIGN_AHEAD_FROM
        messages = self._sign_ahead(batch) if self._signed_ahead else iter(batch)
        stop = threading.Event()
        self._partial = []
        results: list[SendResult] = []
        lanes = self._lanes if len(batch) > 1 else self._lanes[:1]
        try:
            if len(lanes) == 1:
                results = lanes[0].drain(messages, stop, on_result)
            else:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(len(self._lanes), thread_name_prefix="smtp")
                futures = [
                    self._pool.submit(lane.drain, messages, stop, on_result) for lane in lanes
                ]
                failure: StopReply | None = None
                for future in futures:
                    try:
                        results += future.result()
                    except StopReply as exc:
                        failure = failure or exc
                if failure is not None:
                    raise failure
        except StopReply as exc:
            raise TransportStoppedError(
                f"the mail server stops the send: {exc}", results + self._partial
            ) from None
        # Every lane gave up (the server went away): the rest waits for a retry.
        for message in messages:
            results.append(make_retry(message, "not attempted: no connection to the mail server"))
            if on_result is not None:
                on_result(results[-1])
        return results

    def close(self) -> None:
        for lane in self._lanes:
            lane.quit()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        if self.dkim is not None:
            self.dkim.close()

    def _sign_ahead(self, batch: Sequence[OutgoingMessage]) -> Iterator[OutgoingMessage]:
        """The batch in the wire form, each message behind its DKIM-Signature line(s),
        made by the signer's helper processes ahead of the lanes; ``prepare`` then
        has nothing left to do. Only the signature lines come back from the helper."""
        assert self.dkim is not None
        wires = [_wire(message) for message in batch]
        signatures = self.dkim.wire_signatures(wires)
        return (
            dataclasses.replace(m, raw=signature + wire, form=MessageForm.WIRE)
            for m, wire, signature in zip(batch, wires, signatures, strict=True)
        )

    # --- used by the lanes -----------------------------------------------------------

    def next_message(self, messages: Iterator[OutgoingMessage]) -> OutgoingMessage | None:
        with self._pull:
            return next(messages, None)

    def record_partial(self, results: list[SendResult]) -> None:
        with self._pull:
            self._partial += results

    def prepare(self, message: OutgoingMessage) -> bytes:
        """The bytes to send after DATA (``to_wire``'s form), signed if DKIM is on."""
        wire = _wire(message)
        if self.dkim is None or self._signed_ahead:  # signed ahead: ``_sign_ahead``
            return wire
        # Header lines never start with a dot: in front of the wire form, still wire form.
        return self.dkim.wire_signature(wire) + wire

    @staticmethod
    def mail_options(smtp: smtplib.SMTP, raw: bytes) -> str:
        """MAIL FROM's parameters: the size, where the server takes it (an estimate:
        ``raw`` is the dot-stuffed wire form, a few bytes more than the message)."""
        return f" SIZE={len(raw)}" if smtp.does_esmtp and "size" in smtp.esmtp_features else ""

    def connect(self) -> smtplib.SMTP:
        """A new connection: TLS as configured, EHLO, AUTH only once encrypted."""
        config = self.config
        smtp: smtplib.SMTP
        if config.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=self.ssl_context
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        try:
            smtp.ehlo()
            if config.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise TransportError(
                        f"{config.host}:{config.port} does not offer STARTTLS: check "
                        "TRYGGNEWS_SMTP_PORT and TRYGGNEWS_SMTP_SECURITY (587 starttls, 465 ssl)"
                    )
                smtp.starttls(context=self.ssl_context)
                smtp.ehlo()  # the capabilities before TLS do not count (RFC 3207)
            if config.username:
                try:
                    smtp.login(config.username, config.password)
                except smtplib.SMTPAuthenticationError as exc:
                    raise TransportError(
                        f"{config.host} refused the login of TRYGGNEWS_SMTP_USERNAME="
                        f"{config.username} ({to_text(exc.smtp_code, to_bytes(exc.smtp_error))}): "
                        "check TRYGGNEWS_SMTP_USERNAME and TRYGGNEWS_SMTP_PASSWORD"
                    ) from None
                except smtplib.SMTPNotSupportedError:
                    raise TransportError(
                        f"{config.host} offers no login (AUTH): clear TRYGGNEWS_SMTP_USERNAME "
                        "or use the server's submission port"
                    ) from None
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _explain(self, exc: BaseException) -> str:
        """A connection failure, as a message naming the setting to fix."""
        where = f"{self.config.host}:{self.config.port}"
        if isinstance(exc, TransportError):
            return str(exc)
        if isinstance(exc, socket.gaierror):
            return f"TRYGGNEWS_SMTP_HOST={self.config.host}: no such host ({exc.strerror})"
        if isinstance(exc, ssl.SSLCertVerificationError):
            return (
                f"the certificate of {where} is not trusted ({exc.verify_message}): check "
                "TRYGGNEWS_SMTP_HOST (it must be the name in the certificate)"
            )
        if isinstance(exc, ssl.SSLError):
            return (
                f"TLS with {where} failed ({exc.reason}): check TRYGGNEWS_SMTP_PORT and "
                "TRYGGNEWS_SMTP_SECURITY (465 is ssl, 587 starttls)"
            )
        if isinstance(exc, smtplib.SMTPException):
            return f"{where} answered unexpectedly ({exc}): check TRYGGNEWS_SMTP_HOST and PORT"
        return (
            f"cannot connect to the mail server {where} ({exc}): check TRYGGNEWS_SMTP_HOST "
            "and TRYGGNEWS_SMTP_PORT"
        )


def _wire(message: OutgoingMessage) -> bytes:
    """The message in the wire form: as it is when the sender built it so."""
    if message.form == MessageForm.WIRE:
        return message.raw
    return to_wire(message.raw if message.form == MessageForm.CRLF else to_crlf(message.raw))
