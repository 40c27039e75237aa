"""The seam between the sender and the ways a message can leave: ``Transport``.

A transport knows only finished messages — never the database, the ledger or
subscribers. The sender hands it a batch and records what it answers; a row in
the ledger becomes ``sent`` only on an ``accepted`` result.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol


class MessageForm(enum.StrEnum):
    """How an ``OutgoingMessage``'s bytes are laid out.

    ``lf``: ``\\n`` line endings, as a Maildir keeps them (what every transport takes).
    ``crlf``: CRLF line endings, as SMTP and DKIM want them. ``wire``: CRLF, dot-stuffed
    and ending with the end-of-data line ``.\\r\\n`` — exactly the bytes an SMTP client
    sends after DATA's 354. A transport names the form it would rather get in an
    optional ``message_form`` attribute; the sender then builds that form directly,
    so no whole-message copy or scan is left per recipient (docs/performance.md).
    """

    LF = "lf"
    CRLF = "crlf"
    WIRE = "wire"


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One recipient's finished message: ``raw`` is exactly the bytes to send.

    ``envelope_from``, when set, is this message's envelope sender (a VERP
    address, ``bounces+<token>@…``): the SMTP transport gives it as MAIL FROM
    instead of its configured sender; the outbox writes it as a ``Return-Path``
    line, as a delivering server would; Brevo sets its own Return-Path and
    ignores it. ``form`` says how ``raw`` is laid out (``MessageForm``).
    """

    delivery_id: int
    recipient: str
    message_id: str
    raw: bytes
    envelope_from: str | None = None
    form: MessageForm = MessageForm.LF


class SendStatus(enum.StrEnum):
    ACCEPTED = "accepted"  # handed over for delivery (written, queued, 250 OK)
    RETRY = "retry"  # temporary trouble (4xx, timeout, a full disk): try again later
    BOUNCED = "bounced"  # the address does not exist (5.1.x): do not try again
    FAILED = "failed"  # refused for good for another reason


@dataclass(frozen=True, slots=True)
class SendResult:
    """What happened to one message; ``detail`` is for the ledger and logs."""

    delivery_id: int
    status: SendStatus
    detail: str = ""


# Told each result as soon as the transport knows it (see ``Transport``).
ResultCallback = Callable[[SendResult], None]


class Transport(Protocol):
    """Sends batches of finished messages.

    ``send`` returns exactly one ``SendResult`` per message, in any order, and
    reports per-message trouble as results rather than exceptions; it raises
    (``TransportError``) only when it cannot send at all, e.g. refused
    credentials. ``close`` releases connections; the sender calls it once.

    ``on_result``, when given, is called once with each result as soon as it is
    known — before ``send`` returns or raises, and possibly from the transport's
    own threads (an SMTP lane, a Brevo call), so it must be thread-safe, quick
    and must not raise. The sender records accepted messages from it while the
    batch is still on the wire, so a crash re-sends only what was on the wire
    or answered since the last commit. The returned list (and the results a
    ``TransportStoppedError`` carries) still holds every result.

    Optional: ``check(self) -> None`` tests the configuration (connect, log in,
    ask the API for the account) and raises ``TransportError`` naming the setting
    to fix; the sender calls it, when present, before anything is claimed
    (``sender.check_transport``). The SMTP and Brevo transports have it.
    Optional too: ``message_form: MessageForm``, the form the transport would
    rather be given (``lf`` when absent); it must still take ``lf`` messages.
    """

    name: str

    def send(
        self, batch: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]: ...

    def close(self) -> None: ...
