"""A real send of the sample issue into the test's Maildir outbox, batch by batch."""

from __future__ import annotations

from sending_setup import ISSUE_KEY, prepare_issue
from sqlalchemy.orm import Session, sessionmaker

from tryggnews import wiring
from tryggnews.clock import SystemClock
from tryggnews.config import Settings
from tryggnews.delivery.options import DeliveryOptions
from tryggnews.delivery.sender import SendSummary
from tryggnews.transports.outbox import MaildirTransport


def send_sample_issue(
    settings: Settings,
    session_factory: sessionmaker[Session],
    subscribers: int,
    *,
    batch_size: int,
    options: DeliveryOptions | None = None,
) -> SendSummary:
    """``subscribers`` people get the sample issue through the real publisher."""
    prepare_issue(settings, session_factory, subscribers, start=False)
    transport = MaildirTransport(settings.outbox_dir)
    try:
        return wiring.publisher(settings).send(
            session_factory,
            ISSUE_KEY,
            transport=transport,
            signer=wiring.signer(settings),
            clock=SystemClock(),
            worker_id="test-worker",
            batch_size=batch_size,
            options=options,
            require_approval=False,  # approval is not under test here
        )
    finally:
        transport.close()
