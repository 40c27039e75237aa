"""Controlling a send: pause stops after the current batch and resume goes on; a stop request
ends cleanly; the redirect override sends everything to one address; a rate limit claims
only what it may send; a live sender's claims are renewed, a dead one's run out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from delivery_factories import T0, make_issue, snapshot_sending_issue
from limit_helpers import StepTicker, counters_of, limiter_of
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import FixedClock
from tryggnews.db.models import Delivery, DeliveryStatus, Issue, IssueStatus
from tryggnews.delivery.claims import claim_batch, extend_claims
from tryggnews.delivery.control import pause_sending, resume_sending
from tryggnews.delivery.message import MessageTemplate
from tryggnews.delivery.options import DeliveryOptions
from tryggnews.delivery.sender import SendSummary, send_issue
from tryggnews.errors import ConfigError, TryggnewsError
from tryggnews.subscribers.tokens import TokenSigner
from tryggnews.transports import OutgoingMessage, SendResult, SendStatus
from tryggnews.transports.base import ResultCallback

SIGNER = TokenSigner("test-secret-key-that-is-long-enough-0123456789")


class Recording:
    """Accepts everything; runs ``after_batch`` after each batch (to pause, say)."""

    name = "recording"

    def __init__(self, after_batch: Callable[[], None] | None = None) -> None:
        self.batches: list[list[OutgoingMessage]] = []
        self.after_batch = after_batch

    def send(
        self, batch: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        self.batches.append(list(batch))
        if self.after_batch is not None:
            self.after_batch()
        return [SendResult(m.delivery_id, SendStatus.ACCEPTED) for m in batch]

    def close(self) -> None:
        pass


def send(
    session_factory: sessionmaker[Session],
    issue_id: int,
    templates: dict[str, MessageTemplate],
    transport: Recording,
    options: DeliveryOptions | None = None,
) -> SendSummary:
    return send_issue(
        session_factory,
        issue_id,
        templates=templates,
        transport=transport,
        signer=SIGNER,
        clock=FixedClock(T0),
        worker_id="control-test",
        batch_size=2,
        message_id_domain="trygg.example.se",
        options=options,
    )


def set_paused(session_factory: sessionmaker[Session], issue_id: int, paused: bool) -> None:
    with session_factory.begin() as session:
        issue = session.get_one(Issue, issue_id)
        (pause_sending if paused else resume_sending)(session, issue, now=T0)


def test_pause_stops_after_the_current_batch_and_resume_goes_on(
    session_factory: sessionmaker[Session],
) -> None:
    issue_id, templates = snapshot_sending_issue(session_factory)
    transport = Recording(after_batch=lambda: set_paused(session_factory, issue_id, True))
    paused = send(session_factory, issue_id, templates, transport)
    assert len(transport.batches) == 1 and paused.paused and not paused.complete
    assert (paused.sent, paused.outstanding) == (2, 4)

    set_paused(session_factory, issue_id, False)
    resumed = send(session_factory, issue_id, templates, Recording())
    assert (resumed.sent, resumed.complete, resumed.paused) == (6, True, False)
    with session_factory() as session:
        assert session.get_one(Issue, issue_id).status == IssueStatus.SENT


def test_only_a_sending_issue_can_be_paused(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        issue = make_issue(session)
        with pytest.raises(TryggnewsError, match="only a send in progress"):
            pause_sending(session, issue, now=T0)
        with pytest.raises(TryggnewsError, match="nothing to resume"):
            resume_sending(session, issue, now=T0)


def test_stop_request_ends_after_the_current_batch(session_factory: sessionmaker[Session]) -> None:
    issue_id, templates = snapshot_sending_issue(session_factory)
    transport = Recording()
    summary = send(
        session_factory,
        issue_id,
        templates,
        transport,
        DeliveryOptions(stop=lambda: len(transport.batches) >= 2),
    )
    assert summary.stopped and len(transport.batches) == 2
    assert (summary.sent, summary.outstanding) == (4, 2)


def test_redirect_sends_everything_to_one_address(session_factory: sessionmaker[Session]) -> None:
    issue_id, templates = snapshot_sending_issue(session_factory, count=3)
    transport = Recording()
    summary = send(
        session_factory,
        issue_id,
        templates,
        transport,
        DeliveryOptions(redirect_to="utvecklare@example.se"),
    )
    assert summary.sent == 3
    messages = [m for batch in transport.batches for m in batch]
    assert {m.recipient for m in messages} == {"utvecklare@example.se"}
    for outgoing in messages:
        parsed = message_from_bytes(outgoing.raw, policy=policy.default)
        to = parsed["To"].addresses[0]  # type: ignore[attr-defined]
        assert to.addr_spec == "utvecklare@example.se"
        assert "@example.org" in to.display_name  # whom it was meant for


def test_bad_redirect_address_names_the_setting(session_factory: sessionmaker[Session]) -> None:
    issue_id, templates = snapshot_sending_issue(session_factory, count=1)
    with pytest.raises(ConfigError, match="TRYGGNEWS_REDIRECT_ALL_TO"):
        send(session_factory, issue_id, templates, Recording(), DeliveryOptions(redirect_to="x y"))


def test_rate_limit_claims_only_what_it_may_send(session_factory: sessionmaker[Session]) -> None:
    issue_id, templates = snapshot_sending_issue(session_factory, count=5)
    ticker = StepTicker(0.0)
    transport = Recording()
    summary = send(
        session_factory,
        issue_id,
        templates,
        transport,
        DeliveryOptions(limiter=limiter_of(ticker, counters_of(session_factory), per_second=1)),
    )
    assert summary.sent == 5
    assert [len(b) for b in transport.batches] == [1] * 5
    # A second between messages, and one more before the claim that found nothing left
    # (permission is taken before claiming, so no claim is held while waiting).
    assert ticker.now == pytest.approx(5.0)


def test_live_claims_are_renewed_and_dead_ones_run_out(
    session_factory: sessionmaker[Session],
) -> None:
    issue_id, _ = snapshot_sending_issue(session_factory, count=4)
    lease = timedelta(seconds=30)
    with session_factory.begin() as session:
        claim_batch(session, issue_id, worker_id="alive", limit=2, now=T0, lease=lease)
        claim_batch(session, issue_id, worker_id="dead", limit=2, now=T0, lease=lease)
    later = T0 + timedelta(seconds=25)
    with session_factory.begin() as session:
        assert extend_claims(session, worker_id="alive", now=later, lease=lease) == 2
    # After the first lease: the dead worker's rows are free, the live one's are not.
    after = T0 + timedelta(seconds=40)
    with session_factory.begin() as session:
        taken = claim_batch(session, issue_id, worker_id="new", limit=4, now=after, lease=lease)
        holders = dict(
            session.execute(
                select(Delivery.id, Delivery.claimed_by).where(
                    Delivery.status == DeliveryStatus.CLAIMED
                )
            ).all()
        )
    assert len(taken) == 2
    assert sorted(holders.values()) == ["alive", "alive", "new", "new"]
