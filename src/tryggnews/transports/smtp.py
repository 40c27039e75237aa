"""The SMTP transport: smtplib over TLS, a few reused connections, one recipient each time.

Each message is its own transaction (MAIL, RCPT, DATA) because each recipient's
message carries their own tokens. The bytes are converted to CRLF once, DKIM-signed
when a signer is given, and sent exactly as signed (``data(raw)``, never
``send_message``, which would re-serialise them).

Parallelism: ``connections`` lanes, each owning one smtplib connection and used
by one thread at a time. A batch is shared out by the lanes pulling messages
from a common iterator until it is empty, so a slow connection takes fewer.
smtplib has no PIPELINING; parallel connections are how to go faster.

What the server's answers mean (see ``classify``):

==========================  ====================================================
4xx, a timeout, a dropped   ``retry`` (the ledger retries with backoff); the
connection                  connection is renewed for the next message
5.1.x (bad address)         ``bounced``: the sender suppresses the address
5.7.x, 530/535 (policy,     the whole send stops (``TransportStoppedError``):
authentication)             the fault is ours and every message would fail
other 5xx                   ``failed`` for that message only
==========================  ====================================================

After a failed transaction the connection is RSET and used on; after a 421 (the
server is closing) or a lost connection a new one is opened. A connection whose
MAIL FROM fails because it went stale while idle is renewed and the message
tried once more at once: nothing of it had been sent.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import smtplib
import socket
import ssl
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tryggnews.errors import ConfigError, TransportError
from tryggnews.transports.base import OutgoingMessage, SendResult, SendStatus
from tryggnews.transports.dkim import DkimSigner
from tryggnews.transports.errors import TransportStoppedError

logger = logging.getLogger(__name__)

SECURITY = ("starttls", "ssl", "none")
_ENHANCED = re.compile(rb"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")
# Authentication required / failed / too weak, when the server gives no enhanced code.
_AUTH_CODES = (530, 534, 535, 538)


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to connect; built from the ``TRYGGNEWS_SMTP_*`` settings."""

    host: str
    port: int
    security: str
    envelope_from: str
    username: str = ""
    password: str = ""
    timeout: float = 30
    messages_per_connection: int = 100


class _Stop(Exception):
    """A reply that means no message can be sent; ends the whole send."""


class _Unreachable(Exception):
    """A lane cannot open a connection now; its share of the batch is retried later."""


def classify(code: int, reply: bytes, *, stage: str) -> SendStatus:
    """What an SMTP error reply to MAIL, RCPT or DATA means for the message.

    Raises ``_Stop`` for replies that mean no message can go out: 5.7.x and
    authentication codes anywhere, and any 5xx to MAIL FROM (our own address).
    """
    detail = f"{code} {reply.decode('utf-8', 'replace')}".strip()
    enhanced = _ENHANCED.match(reply)
    if 400 <= code < 500:
        return SendStatus.RETRY
    if code in _AUTH_CODES or (enhanced and enhanced.group(1, 2) == (b"5", b"7")):
        raise _Stop(f"{stage}: {detail}")
    if stage == "MAIL FROM":
        raise _Stop(f"the server refuses our sender address (TRYGGNEWS_SENDER_ADDRESS): {detail}")
    if enhanced and enhanced.group(1, 2) == (b"5", b"1"):
        return SendStatus.BOUNCED
    return SendStatus.FAILED


def to_crlf(raw: bytes) -> bytes:
    """Line endings as SMTP wants them, converted once (the template makes ``\\n``)."""
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n")
    return raw.replace(b"\n", b"\r\n")


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Lane:
    """One connection and the thread's work on it; used by one thread at a time."""

    def __init__(self, transport: SmtpTransport) -> None:
        self._t = transport
        self._smtp: smtplib.SMTP | None = None
        self._sent = 0

    # --- connection ---------------------------------------------------------------

    def open(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = self._t.connect()
            self._sent = 0
        return self._smtp

    def drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def quit(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    # --- sending ------------------------------------------------------------------

    def drain(self, messages: Iterator[OutgoingMessage], stop: threading.Event) -> list[SendResult]:
        """Send messages pulled from ``messages`` until it is empty, the send stops,
        or this lane cannot connect. Raises ``_Stop`` (after setting ``stop``)."""
        results: list[SendResult] = []
        while not stop.is_set():
            message = self._t.next_message(messages)
            if message is None:
                break
            try:
                results.append(self.deliver(message))
            except _Unreachable as exc:
                results.append(SendResult(message.delivery_id, SendStatus.RETRY, str(exc)))
                break
            except _Stop:
                stop.set()
                self.drop()
                self._t.record_partial(results)
                raise
        return results

    def deliver(self, message: OutgoingMessage) -> SendResult:
        raw = self._t.prepare(message.raw)
        for fresh in (False, True):
            smtp = self._connected()
            try:
                code, reply = smtp.mail(
                    self._t.config.envelope_from, self._t.mail_options(smtp, raw)
                )
            except smtplib.SMTPServerDisconnected as exc:
                self.drop()
                if fresh:
                    return _retry(message, f"connection lost at MAIL FROM: {exc}")
                continue  # a stale idle connection: nothing of this message was sent
            if code == 421:
                self.drop()
                if fresh:
                    return _retry(message, _text(code, reply))
                continue
            if code != 250:
                return self._refused(message, code, reply, "MAIL FROM")
            return self._recipient_and_data(smtp, message, raw)
        raise AssertionError("unreachable")  # pragma: no cover

    def _recipient_and_data(
        self, smtp: smtplib.SMTP, message: OutgoingMessage, raw: bytes
    ) -> SendResult:
        try:
            code, reply = smtp.rcpt(message.recipient)
            if code not in (250, 251):
                return self._refused(message, code, reply, "RCPT TO")
            code, reply = send_data(smtp, raw)
        except smtplib.SMTPDataError as exc:  # the answer to DATA itself was not 354
            return self._refused(message, exc.smtp_code, _bytes(exc.smtp_error), "DATA")
        except smtplib.SMTPServerDisconnected as exc:
            # Lost before the final 250: the server may or may not have taken it. Retry
            # (at least once, never lost); a duplicate is possible only in this window.
            self.drop()
            return _retry(message, f"connection lost before the server confirmed: {exc}")
        if code != 250:
            return self._refused(message, code, reply, "end of DATA")
        self._sent += 1
        if self._sent >= self._t.config.messages_per_connection:
            self.quit()
        return SendResult(message.delivery_id, SendStatus.ACCEPTED)

    def _refused(self, message: OutgoingMessage, code: int, reply: bytes, stage: str) -> SendResult:
        if code == 421 or code == -1:
            self.drop()
        else:
            self._reset()
        status = classify(code, reply, stage=stage)
        return SendResult(message.delivery_id, status, f"{stage}: {_text(code, reply)}")

    def _reset(self) -> None:
        # RSET ends the failed transaction so the connection can carry the next one.
        if self._smtp is None:
            return
        try:
            code, _ = self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            code = 0
        if code != 250:
            self.drop()

    def _connected(self) -> smtplib.SMTP:
        try:
            return self.open()
        except TransportError as exc:
            raise _Stop(str(exc)) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise _Unreachable(f"cannot connect to the mail server: {exc}") from None


def send_data(smtp: smtplib.SMTP, raw: bytes) -> tuple[int, bytes]:
    """DATA with ``raw`` (CRLF line endings), dot-stuffed; the server's final reply.

    What ``smtplib.SMTP.data`` does, except the dot-stuffing: smtplib runs a
    multi-line regular expression over the whole message, about 1 ms for an 80 KB
    newsletter here — more than building the message. A line can only start with
    a dot right after a CRLF (or at the very start), so ``bytes.replace`` does the
    same in a few microseconds.
    """
    stuffed = raw.replace(b"\r\n.", b"\r\n..")
    if stuffed.startswith(b"."):
        stuffed = b"." + stuffed
    if not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    smtp.putcmd("data")
    code, reply = smtp.getreply()
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    smtp.send(stuffed + b".\r\n")
    return smtp.getreply()


def _retry(message: OutgoingMessage, detail: str) -> SendResult:
    return SendResult(message.delivery_id, SendStatus.RETRY, detail)


def _text(code: int, reply: bytes) -> str:
    return f"{code} {reply.decode('utf-8', 'replace')}".strip()


def _bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "replace")


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
        self._lanes = [_Lane(self) for _ in range(connections)]
        self._pool: ThreadPoolExecutor | None = None
        self._pull = threading.Lock()
        self._partial: list[SendResult] = []
        self._checked = False

    # --- the Transport protocol ------------------------------------------------------

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

    def send(self, batch: Sequence[OutgoingMessage]) -> list[SendResult]:
        """One result per message; raises ``TransportStoppedError`` on a 5.7.x or
        refused credentials, carrying the results it got before stopping."""
        messages = iter(batch)
        stop = threading.Event()
        self._partial = []
        results: list[SendResult] = []
        lanes = self._lanes if len(batch) > 1 else self._lanes[:1]
        try:
            if len(lanes) == 1:
                results = lanes[0].drain(messages, stop)
            else:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(len(self._lanes), thread_name_prefix="smtp")
                futures = [self._pool.submit(lane.drain, messages, stop) for lane in lanes]
                failure: _Stop | None = None
                for future in futures:
                    try:
                        results += future.result()
                    except _Stop as exc:
                        failure = failure or exc
                if failure is not None:
                    raise failure
        except _Stop as exc:
            raise TransportStoppedError(
                f"the mail server stops the send: {exc}", results + self._partial
            ) from None
        # Every lane gave up (the server went away): the rest waits for a retry.
        for message in messages:
            results.append(_retry(message, "not attempted: no connection to the mail server"))
        return results

    def close(self) -> None:
        for lane in self._lanes:
            lane.quit()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    # --- used by the lanes -----------------------------------------------------------

    def next_message(self, messages: Iterator[OutgoingMessage]) -> OutgoingMessage | None:
        with self._pull:
            return next(messages, None)

    def record_partial(self, results: list[SendResult]) -> None:
        with self._pull:
            self._partial += results

    def prepare(self, raw: bytes) -> bytes:
        raw = to_crlf(raw)
        return self.dkim.sign(raw) if self.dkim is not None else raw

    @staticmethod
    def mail_options(smtp: smtplib.SMTP, raw: bytes) -> list[str]:
        return [f"SIZE={len(raw)}"] if smtp.has_extn("size") else []

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
                        f"{config.username} ({_text(exc.smtp_code, _bytes(exc.smtp_error))}): "
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
