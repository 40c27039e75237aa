"""Answers are recorded in small groups while a batch is still on the wire, each row once.

The sender hands the transport a callback; accepted rows must be ``sent`` in the
ledger before the transport returns (so a crash then re-sends only the rest), a
row answered early is not written again at the batch's end, and a stop mid-batch
records what was answered and hands back only the rest.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from delivery_factories import T0, snapshot_sending_issue
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import FixedClock
from tryggnews.db.models import Delivery, DeliveryStatus
from tryggnews.delivery.message import MessageTemplate
from tryggnews.delivery.options import DeliveryOptions
from tryggnews.delivery.recorder import ResultRecorder
from tryggnews.delivery.sender import SendSummary, send_issue
from tryggnews.subscribers.tokens import TokenSigner
from tryggnews.transports import OutgoingMessage, SendResult, SendStatus
from tryggnews.transports.base import ResultCallback
from tryggnews.transports.errors import TransportStoppedError

SIGNER = TokenSigner("test-secret-key-that-is-long-enough-0123456789")


def sent_ids(session_factory: sessionmaker[Session]) -> set[int]:
    with session_factory() as session:
        return set(
            session.scalars(select(Delivery.id).where(Delivery.status == DeliveryStatus.SENT))
        )


class WaitsForTheLedger:
    """Accepts the first ``early`` messages, then waits until the ledger shows them
    sent — which only group recording can do — before answering the rest."""

    name = "waits-for-ledger"

    def __init__(
        self, session_factory: sessionmaker[Session], early: int, stop_after: bool = False
    ) -> None:
        self.session_factory = session_factory
        self.early = early
        self.stop_after = stop_after
        self.seen_mid_batch: set[int] = set()

    def send(
        self, batch: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        results = [SendResult(m.delivery_id, SendStatus.ACCEPTED) for m in batch[: self.early]]
        for result in results:
            if on_result is not None:
                on_result(result)
        wanted = {r.delivery_id for r in results}
        deadline = time.monotonic() + 5
        while not wanted <= self.seen_mid_batch and time.monotonic() < deadline:
            time.sleep(0.02)
            self.seen_mid_batch = sent_ids(self.session_factory)
        if self.stop_after:
            raise TransportStoppedError("550 5.7.1 relaying denied", results)
        return results + [
            SendResult(m.delivery_id, SendStatus.ACCEPTED) for m in batch[self.early :]
        ]

    def close(self) -> None:
        pass


def send(
    session_factory: sessionmaker[Session],
    issue_id: int,
    templates: dict[str, MessageTemplate],
    transport: WaitsForTheLedger,
) -> SendSummary:
    return send_issue(
        session_factory,
        issue_id,
        templates=templates,
        transport=transport,
        signer=SIGNER,
        clock=FixedClock(T0),
        worker_id="recorder-test",
        batch_size=10,
        message_id_domain="trygg.example.se",
        options=DeliveryOptions(record_every=3, record_interval=0.05),
    )


def test_accepted_rows_are_sent_in_the_ledger_before_the_batch_returns(
    session_factory: sessionmaker[Session],
) -> None:
    issue_id, templates = snapshot_sending_issue(session_factory, 8)
    transport = WaitsForTheLedger(session_factory, early=5)
    summary = send(session_factory, issue_id, templates, transport)
    assert len(transport.seen_mid_batch) == 5  # recorded while the batch was on the wire
    assert (summary.sent, summary.accepted_now, summary.complete) == (8, 8, True)
    with session_factory() as session:
        ids = session.scalars(select(Delivery.message_id).where(Delivery.issue_id == issue_id))
        assert all(ids)  # the Message-ID is kept for rows recorded early too


def test_a_stop_mid_batch_keeps_what_was_recorded_and_hands_back_the_rest(
    session_factory: sessionmaker[Session],
) -> None:
    issue_id, templates = snapshot_sending_issue(session_factory, 8)
    transport = WaitsForTheLedger(session_factory, early=3, stop_after=True)
    try:
        send(session_factory, issue_id, templates, transport)
    except TransportStoppedError:
        pass
    else:
        raise AssertionError("the stop was not raised")
    assert len(transport.seen_mid_batch) == 3
    with session_factory() as session:
        rows = session.execute(select(Delivery.status, Delivery.claimed_by)).all()
    statuses = sorted(r.status for r in rows)
    assert statuses.count(DeliveryStatus.SENT) == 3
    assert statuses.count(DeliveryStatus.PENDING) == 5  # handed back at once, not after a lease
    assert all(r.claimed_by is None for r in rows)


def collect() -> tuple[list[list[int]], Callable[[list[SendResult]], None]]:
    groups: list[list[int]] = []
    lock = threading.Lock()

    def write(group: list[SendResult]) -> None:
        with lock:
            groups.append([r.delivery_id for r in group])

    return groups, write


def test_groups_come_every_n_answers_or_after_the_interval_each_row_once() -> None:
    groups, write = collect()
    recorder = ResultRecorder(write, range(1, 20), every=4, interval=0.1).start()
    for row in (1, 2, 3, 4, 4, 99):  # a second answer and a row not in the batch: ignored
        recorder.add(SendResult(row, SendStatus.ACCEPTED))
    deadline = time.monotonic() + 2
    while not groups and time.monotonic() < deadline:
        time.sleep(0.01)
    assert groups == [[1, 2, 3, 4]]  # a full group at once
    recorder.add(SendResult(5, SendStatus.RETRY, "451"))
    time.sleep(0.3)
    assert groups == [[1, 2, 3, 4], [5]]  # alone, after the interval
    written = recorder.finish(
        [SendResult(5, SendStatus.ACCEPTED), SendResult(6, SendStatus.FAILED)]
    )
    assert groups == [[1, 2, 3, 4], [5], [6]]  # only what was not written yet
    assert written == {1, 2, 3, 4, 5, 6}


def test_a_group_that_fails_to_write_is_tried_again() -> None:
    groups, write = collect()
    failures = [RuntimeError("database is locked")]

    def flaky(group: list[SendResult]) -> None:
        if failures:
            raise failures.pop()
        write(group)

    recorder = ResultRecorder(flaky, range(1, 10), every=2, interval=0.05).start()
    recorder.add(SendResult(1, SendStatus.ACCEPTED))
    recorder.add(SendResult(2, SendStatus.ACCEPTED))
    deadline = time.monotonic() + 2
    while not groups and time.monotonic() < deadline:
        time.sleep(0.01)
    assert groups == [[1, 2]]
    assert recorder.finish() == {1, 2}
