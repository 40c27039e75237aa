"""Delivery: the ledger (who gets what), the message (MIME, headers) and the sender loop.

Only this room's own names are exported here; the transports that carry messages out
are a room below (``tryggnews.transports``) and are imported from there. A test pins
this public API.
"""

from tryggnews.delivery.claims import ClaimedDelivery, claim_batch, release_claims
from tryggnews.delivery.ledger import (
    complete_issue,
    ledger_counts,
    outstanding_variants,
    snapshot_audience,
)
from tryggnews.delivery.message import MessageTemplate
from tryggnews.delivery.results import record_results, retry_delay
from tryggnews.delivery.sender import SendSummary, send_issue

__all__ = [
    "ClaimedDelivery",
    "MessageTemplate",
    "SendSummary",
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
