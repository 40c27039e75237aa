"""Delivery: the ledger (who gets what), the message (MIME, headers), the sender loop
and the transports that carry messages out. A test pins this public API."""

from tryggnews.delivery.ledger import (
    ClaimedDelivery,
    claim_batch,
    complete_issue,
    ledger_counts,
    outstanding_variants,
    record_results,
    release_claims,
    retry_delay,
    snapshot_audience,
)
from tryggnews.delivery.message import MessageTemplate
from tryggnews.delivery.sender import SendSummary, send_issue
from tryggnews.delivery.transports import (
    MaildirTransport,
    OutgoingMessage,
    SendResult,
    SendStatus,
    Transport,
)

__all__ = [
    "ClaimedDelivery",
    "MaildirTransport",
    "MessageTemplate",
    "OutgoingMessage",
    "SendResult",
    "SendStatus",
    "SendSummary",
    "Transport",
    "claim_batch",
    "complete_issue",
    "ledger_counts",
    "outstanding_variants",
    "record_results",
    "release_claims",
    "retry_delay",
    "send_issue",
    "snapshot_audience",
]
