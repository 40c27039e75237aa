"""The public APIs of delivery and transports, pinned: a change here is a deliberate one.

Each room exports only its own names: delivery does not re-export the transports below it,
so importing a transport never loads the ledger (see test_transport_imports.py).
"""

from __future__ import annotations

import tryggnews.delivery
import tryggnews.transports


def test_delivery_public_names() -> None:
    assert sorted(tryggnews.delivery.__all__) == [
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
    for name in tryggnews.delivery.__all__:
        assert getattr(tryggnews.delivery, name) is not None


def test_transports_public_names() -> None:
    assert sorted(tryggnews.transports.__all__) == [
        "MaildirTransport",
        "OutgoingMessage",
        "SendResult",
        "SendStatus",
        "Transport",
    ]
    for name in tryggnews.transports.__all__:
        assert getattr(tryggnews.transports, name) is not None
    assert not set(tryggnews.transports.__all__) & set(tryggnews.delivery.__all__)
