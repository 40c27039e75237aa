"""One SMTP connection and the work one thread does on it: a lane of the transport.

Separate from the transport because a lane is one connection's life — open,
MAIL/RCPT/DATA, RSET or renew — while the transport shares a batch out across
lanes and owns the settings, TLS and signing the lane asks it for.

A message is one transaction. When the server offers PIPELINING (RFC 2920) in its
EHLO answer, MAIL FROM, RCPT TO and DATA go out in one write and their three
replies are read after it: two round trips a message (the group, then the
message) instead of four. Without it each command waits for its reply, as
smtplib does. Either way the replies mean the same (``classify``, per stage).

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
from tryggnews.transports.smtp.channel import Channel
from tryggnews.transports.smtp.protocol import (
    SmtpConfig,
    StopReply,
    classify,
    envelope_line,
    make_retry,
    to_text,
)

# A pipelined group (RFC 2920): each command's stage, as ``classify`` names it, and the
# replies that let the transaction go on.
_GROUP = (("MAIL FROM", (250,)), ("RCPT TO", (250, 251)), ("DATA", (354,)))


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
        self._channel: Channel | None = None  # the hot path's commands and replies
        self._sent = 0

    # --- connection ---------------------------------------------------------------

    def open(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = self._t.connect()
            try:
                self._channel = Channel(smtp)
            except smtplib.SMTPServerDisconnected:
                smtp.close()
                raise
            self._smtp = smtp
            self._sent = 0
        return self._smtp

    def drop(self) -> None:
        smtp, self._smtp, self._channel = self._smtp, None, None
        if smtp is not None:
            smtp.close()

    def quit(self) -> None:
        smtp, self._smtp, self._channel = self._smtp, None, None
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
        sender = message.envelope_from or self._t.config.envelope_from
        for fresh in (False, True):
            channel = self._connected()
            mail = envelope_line("MAIL FROM", sender, self._t.mail_options(channel.smtp, raw))
            try:
                if channel.pipelining:
                    channel.send(mail + envelope_line("RCPT TO", message.recipient) + b"DATA\r\n")
                else:
                    channel.send(mail)
                code, reply = channel.reply()
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
            if channel.pipelining:
                return self._pipelined(channel, message, raw, (code, reply))
            if code != 250:
                return self._refused(message, code, reply, "MAIL FROM")
            return self._recipient_and_data(channel, message, raw)
        raise AssertionError("unreachable")  # pragma: no cover

    def _recipient_and_data(
        self, channel: Channel, message: OutgoingMessage, raw: bytes
    ) -> SendResult:
        """RCPT, DATA and the message, each command waiting for its reply."""
        try:
            code, reply = channel.command(envelope_line("RCPT TO", message.recipient))
            if code not in (250, 251):
                return self._refused(message, code, reply, "RCPT TO")
            code, reply = channel.command(b"DATA\r\n")
        except smtplib.SMTPServerDisconnected as exc:
            return self._lost(message, exc)
        if code != 354:
            return self._refused(message, code, reply, "DATA")
        return self._content(channel, message, raw)

    def _pipelined(
        self, channel: Channel, message: OutgoingMessage, raw: bytes, mail: tuple[int, bytes]
    ) -> SendResult:
        """The replies to RCPT and DATA, sent with MAIL in one write (RFC 2920), then
        the message if DATA got its 354. The first refusal decides the result; the
        replies after it (503: no valid recipient) are read to stay in step."""
        refusal: tuple[str, int, bytes] | None = None
        code, reply = mail
        for stage, good in _GROUP:
            if stage != "MAIL FROM":
                try:
                    code, reply = channel.reply()
                except smtplib.SMTPServerDisconnected as exc:
                    if refusal is None:
                        return self._lost(message, exc)
                    self.drop()
                    break
            if refusal is None and code not in good:
                refusal = (stage, code, reply)
            if code == 421 or code < 0:  # the server closes, or the replies are out of step
                self.drop()
                break
        if refusal is None:
            return self._content(channel, message, raw)
        if code == 354:
            self.drop()  # the server waits for a message after a refusal: end it unsent
        stage, code, reply = refusal
        return self._refused(message, code, reply, stage)

    def _content(self, channel: Channel, message: OutgoingMessage, raw: bytes) -> SendResult:
        """The message after DATA's 354, and the server's final reply."""
        try:
            channel.send(raw)
            code, reply = channel.reply()
        except smtplib.SMTPServerDisconnected as exc:
            return self._lost(message, exc)
        if code != 250:
            return self._refused(message, code, reply, "end of DATA")
        self._sent += 1
        if self._sent >= self._t.config.messages_per_connection:
            self.quit()
        return SendResult(message.delivery_id, SendStatus.ACCEPTED)

    def _lost(self, message: OutgoingMessage, exc: smtplib.SMTPServerDisconnected) -> SendResult:
        # Lost after MAIL's reply: if the message data went out, the server may or may not
        # have taken it. Retry (at least once, never lost); a duplicate is possible only then.
        self.drop()
        return make_retry(message, f"connection lost before the server confirmed: {exc}")

    def _refused(self, message: OutgoingMessage, code: int, reply: bytes, stage: str) -> SendResult:
        if code == 421 or code == -1:
            self.drop()
        else:
            self._reset()
        status = classify(code, reply, stage=stage)
        return SendResult(message.delivery_id, status, f"{stage}: {to_text(code, reply)}")

    def _reset(self) -> None:
        # RSET ends the failed transaction so the connection can carry the next one.
        if self._channel is None:
            return
        try:
            code, _ = self._channel.command(b"RSET\r\n")
        except smtplib.SMTPServerDisconnected:
            code = 0
        if code != 250:
            self.drop()

    def _connected(self) -> Channel:
        try:
            self.open()
            assert self._channel is not None
            return self._channel
        except TransportError as exc:
            raise StopReply(str(exc)) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise _Unreachable(f"cannot connect to the mail server: {exc}") from None
