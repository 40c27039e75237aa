"""The seam between the sender and the ways a message can leave: ``Transport``.

A transport knows only finished messages — never the database, the ledger or
subscribers. The sender hands it a batch and records what it answers; a row in
the ledger becomes ``sent`` only on an ``accepted`` result.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One recipient's finished message: ``raw`` is exactly the bytes to send."""

    delivery_id: int
    recipient: str
    message_id: str
    raw: bytes


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


class Transport(Protocol):
    """Sends batches of finished messages.

    ``send`` returns exactly one ``SendResult`` per message, in any order, and
    reports per-message trouble as results rather than exceptions; it raises
    (``TransportError``) only when it cannot send at all, e.g. refused
    credentials. ``close`` releases connections; the sender calls it once.

    Optional: ``check(self) -> None`` tests the configuration (connect, log in,
    ask the API for the account) and raises ``TransportError`` naming the setting
    to fix; the sender calls it, when present, before anything is claimed
    (``sender.check_transport``). The SMTP and Brevo transports have it.
    """

    name: str

    def send(self, batch: Sequence[OutgoingMessage]) -> list[SendResult]: ...

    def close(self) -> None: ...
