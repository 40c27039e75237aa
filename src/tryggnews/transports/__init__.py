"""Transports: how finished messages leave. ``outbox`` (a Maildir) is the default."""

from tryggnews.transports.base import (
    OutgoingMessage,
    SendResult,
    SendStatus,
    Transport,
)
from tryggnews.transports.outbox import MaildirTransport

__all__ = ["MaildirTransport", "OutgoingMessage", "SendResult", "SendStatus", "Transport"]
