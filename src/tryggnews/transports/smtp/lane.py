"""One SMTP connection and the work one thread does on it: a lane of the transport.

Separate from the transport because a lane is one connection's life — open,
MAIL/RCPT/DATA, RSET or renew — while the transport shares a batch out across
lanes and owns the settings, TLS and signing the lane asks it for.

After a failed transaction the connection is RSET and used on; after a 421 (the
server is closing) or a lost connection a new one is opened. A connection whose
MAIL FROM fails because it went stale while idle is renewed and the message
tried once more at once: nothing of it had been sent.
"""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Iterator
from typing import Protocol

from tryggnews.errors import TransportError
from tryggnews.transports.base import OutgoingMessage, ResultCallback, SendResult, SendStatus
from tryggnews.transports.smtp.protocol import (
    SmtpConfig,
    StopReply,
    classify,
    envelope_command,
    make_retry,
    send_data,
    to_bytes,
    to_text,
)


class LaneOwner(Protocol):
    """What a lane asks of the transport that owns it (``SmtpTransport``)."""

    config: SmtpConfig

    def connect(self) -> smtplib.SMTP: ...

    def next_message(self, messages: Iterator[OutgoingMessage]) -> OutgoingMessage | None: ...

    def record_partial(self, results: list[SendResult]) -> None: ...

    def prepare(self, message: OutgoingMessage) -> bytes: ...

    def mail_options(self, smtp: smtplib.SMTP, raw: bytes) -> str: ...


class _Unreachable(Exception):
    """A lane cannot open a connection now; its share of the batch is retried later."""


class Lane:
    """One connection and the thread's work on it; used by one thread at a time."""

    def __init__(self, transport: LaneOwner) -> None:
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

    def drain(
        self,
        messages: Iterator[OutgoingMessage],
        stop: threading.Event,
        on_result: ResultCallback | None = None,
    ) -> list[SendResult]:
        """Send messages pulled from ``messages`` until it is empty, the send stops,
        or this lane cannot connect, telling ``on_result`` (from this thread) of each
        answer as it comes. Raises ``StopReply`` (after setting ``stop``)."""
        results: list[SendResult] = []
        while not stop.is_set():
            message = self._t.next_message(messages)
            if message is None:
                break
            unreachable = False
            try:
                results.append(self.deliver(message))
            except _Unreachable as exc:
                results.append(SendResult(message.delivery_id, SendStatus.RETRY, str(exc)))
                unreachable = True
            except StopReply:
                stop.set()
                self.drop()
                self._t.record_partial(results)
                raise
            if on_result is not None:
                on_result(results[-1])
            if unreachable:
                break
        return results

    def deliver(self, message: OutgoingMessage) -> SendResult:
        raw = self._t.prepare(message)
        for fresh in (False, True):
            smtp = self._connected()
            try:
                code, reply = envelope_command(
                    smtp,
                    "mail",
                    message.envelope_from or self._t.config.envelope_from,
                    self._t.mail_options(smtp, raw),
                )
            except smtplib.SMTPServerDisconnected as exc:
                self.drop()
                if fresh:
                    return make_retry(message, f"connection lost at MAIL FROM: {exc}")
                continue  # a stale idle connection: nothing of this message was sent
            if code == 421:
                self.drop()
                if fresh:
                    return make_retry(message, to_text(code, reply))
                continue
            if code != 250:
                return self._refused(message, code, reply, "MAIL FROM")
            return self._recipient_and_data(smtp, message, raw)
        raise AssertionError("unreachable")  # pragma: no cover

    def _recipient_and_data(
        self, smtp: smtplib.SMTP, message: OutgoingMessage, raw: bytes
    ) -> SendResult:
        try:
            code, reply = envelope_command(smtp, "rcpt", message.recipient)
            if code not in (250, 251):
                return self._refused(message, code, reply, "RCPT TO")
            code, reply = send_data(smtp, raw)
        except smtplib.SMTPDataError as exc:  # the answer to DATA itself was not 354
            return self._refused(message, exc.smtp_code, to_bytes(exc.smtp_error), "DATA")
        except smtplib.SMTPServerDisconnected as exc:
            # Lost before the final 250: the server may or may not have taken it. Retry
            # (at least once, never lost); a duplicate is possible only in this window.
            self.drop()
            return make_retry(message, f"connection lost before the server confirmed: {exc}")
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
        return SendResult(message.delivery_id, status, f"{stage}: {to_text(code, reply)}")

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
            raise StopReply(str(exc)) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise _Unreachable(f"cannot connect to the mail server: {exc}") from None
