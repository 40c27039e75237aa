"""The delivery package's public API, pinned: a change here is a deliberate one."""

from __future__ import annotations

import tryggnews.delivery
import tryggnews.delivery.transports


def test_public_names() -> None:
    assert sorted(tryggnews.delivery.__all__) == [
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
    for name in tryggnews.delivery.__all__:
        assert getattr(tryggnews.delivery, name) is not None
    assert set(tryggnews.delivery.transports.__all__) <= set(tryggnews.delivery.__all__)
