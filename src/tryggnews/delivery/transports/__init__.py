"""Transports: how finished messages leave. ``outbox`` (a Maildir) is the default."""

from tryggnews.delivery.transports.base import (
    OutgoingMessage,
    SendResult,
    SendStatus,
    Transport,
)
from tryggnews.delivery.transports.outbox import MaildirTransport

__all__ = ["MaildirTransport", "OutgoingMessage", "SendResult", "SendStatus", "Transport"]
