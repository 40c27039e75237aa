"""The delivery ledger on SQLite and PostgreSQL: snapshot once, claim safely, record truthfully.

A snapshot adds each receiving subscriber once (a re-run adds nobody); a claim
takes pending rows, due retries and expired leases — never a live lease or a
retry before its time — and skips people who left after the snapshot; results
move rows to their final state; two workers never claim the same row.
"""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from delivery_factories import T0, make_issue, make_planner, make_subscriber
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.db.models import (
    Delivery,
    DeliveryStatus,
    Issue,
    IssueStatus,
    Subscriber,
    SubscriberStatus,
)
from tryggnews.delivery.claims import claim_batch, release_claims
from tryggnews.delivery.ledger import (
    complete_issue,
    ledger_counts,
    outstanding_variants,
    snapshot_audience,
)
from tryggnews.delivery.results import record_results, retry_delay
from tryggnews.transports.base import SendResult, SendStatus


def _setup(session: Session, actives: int = 3) -> tuple[int, list[int]]:
    """An issue, ``actives`` active subscribers and some who must not be snapshotted."""
    issue = make_issue(session)
    ids = [
        make_subscriber(session, f"aktiv{i}@example.org", name=f"Aktiv {i}").id
        for i in range(actives)
    ]
    make_subscriber(session, "obekraftad@example.org", status=SubscriberStatus.PENDING)
    make_subscriber(session, "slutat@example.org", status=SubscriberStatus.UNSUBSCRIBED)
    make_subscriber(session, "studsat@example.org", status=SubscriberStatus.BOUNCED)
    make_subscriber(session, "pausad@example.org", paused_until=T0 + timedelta(days=30))
    ids.append(
        make_subscriber(session, "var-pausad@example.org", paused_until=T0 - timedelta(days=1)).id
    )
    return issue.id, ids


def _snapshot(session: Session, issue_id: int) -> int:
    return snapshot_audience(session, issue_id, make_planner(session), now=T0)


def _statuses(session: Session, issue_id: int) -> dict[int, DeliveryStatus]:
    rows = session.execute(
        select(Delivery.subscriber_id, Delivery.status).where(Delivery.issue_id == issue_id)
    )
    return {subscriber_id: status for subscriber_id, status in rows}


def test_snapshot_adds_receiving_subscribers_once(session: Session) -> None:
    issue_id, receiving = _setup(session, actives=5)
    assert _snapshot(session, issue_id) == 6
    session.commit()
    assert set(_statuses(session, issue_id)) == set(receiving)
    assert set(_statuses(session, issue_id).values()) == {DeliveryStatus.PENDING}

    assert _snapshot(session, issue_id) == 0
    session.commit()
    assert sum(ledger_counts(session, issue_id).values()) == 6


def test_snapshot_adds_later_signups_only(session: Session) -> None:
    issue_id, _ = _setup(session)
    _snapshot(session, issue_id)
    late = make_subscriber(session, "sen@example.org")
    assert _snapshot(session, issue_id) == 1
    assert late.id in _statuses(session, issue_id)


def test_snapshot_assigns_each_subscriber_a_variant(session: Session) -> None:
    issue = make_issue(session)
    parent = make_subscriber(session, "foralder@example.org", audiences=["parents-7-9"])
    senior = make_subscriber(session, "senior@example.org", audiences=["senior"])
    planner = make_planner(session)
    snapshot_audience(session, issue.id, planner, now=T0)
    variants = dict(
        session.execute(
            select(Delivery.subscriber_id, Delivery.variant).where(Delivery.issue_id == issue.id)
        ).all()
    )
    assert variants[parent.id] == planner.variant_for(["parents-7-9"], []).key
    assert variants[senior.id] == planner.variant_for(["senior"], []).key
    assert variants[parent.id] != variants[senior.id]
    assert outstanding_variants(session, issue.id) == set(variants.values())


def test_claim_returns_what_the_sender_needs(session: Session) -> None:
    issue_id, _ = _setup(session, actives=2)
    _snapshot(session, issue_id)
    claimed = claim_batch(session, issue_id, worker_id="w1", limit=10, now=T0)
    assert [c.email for c in claimed] == [
        "aktiv0@example.org",
        "aktiv1@example.org",
        "var-pausad@example.org",
    ]
    assert claimed[0].name == "Aktiv 0" and len(claimed[0].token_salt) == 32
    row = session.get(Delivery, claimed[0].delivery_id)
    assert row is not None
    session.refresh(row)
    assert (row.status, row.claimed_by, row.claimed_until, row.attempts) == (
        DeliveryStatus.CLAIMED,
        "w1",
        T0 + timedelta(minutes=10),
        1,
    )
    assert claim_batch(session, issue_id, worker_id="w2", limit=10, now=T0) == []


def test_claim_skips_people_who_left_after_the_snapshot(session: Session) -> None:
    issue_id, ids = _setup(session, actives=4)
    _snapshot(session, issue_id)
    session.commit()
    # Two leave, one pauses, after sending began.
    for subscriber_id, change in zip(
        ids[:3],
        [
            {"status": SubscriberStatus.UNSUBSCRIBED},
            {"status": SubscriberStatus.BOUNCED},
            {"paused_until": T0 + timedelta(days=7)},
        ],
        strict=True,
    ):
        subscriber = session.get(Subscriber, subscriber_id)
        for key, value in change.items():
            setattr(subscriber, key, value)
    session.commit()

    # limit 2: the three skipped rows come first and must not end the batch early.
    claimed = claim_batch(session, issue_id, worker_id="w1", limit=2, now=T0)
    session.commit()
    assert [c.subscriber_id for c in claimed] == ids[3:5]
    statuses = _statuses(session, issue_id)
    assert [statuses[i] for i in ids[:3]] == [DeliveryStatus.SKIPPED] * 3
    assert ledger_counts(session, issue_id)[DeliveryStatus.SKIPPED] == 3


def test_expired_leases_are_reclaimed_live_ones_are_not(session: Session) -> None:
    issue_id, _ = _setup(session, actives=2)
    _snapshot(session, issue_id)
    first = claim_batch(session, issue_id, worker_id="crashed", limit=10, now=T0)
    session.commit()
    assert len(first) == 3

    lease = timedelta(minutes=10)
    assert claim_batch(session, issue_id, worker_id="w2", limit=10, now=T0 + lease) == []
    again = claim_batch(
        session, issue_id, worker_id="w2", limit=10, now=T0 + lease + timedelta(seconds=1)
    )
    session.commit()
    assert [c.delivery_id for c in again] == [c.delivery_id for c in first]
    rows = session.scalars(select(Delivery).where(Delivery.issue_id == issue_id)).all()
    assert {(r.claimed_by, r.attempts) for r in rows} == {("w2", 2)}


def test_retry_rows_wait_for_their_time(session: Session) -> None:
    issue_id, _ = _setup(session, actives=1)
    _snapshot(session, issue_id)
    claimed = claim_batch(session, issue_id, worker_id="w1", limit=10, now=T0)
    results = [SendResult(c.delivery_id, SendStatus.RETRY, "451 try later") for c in claimed]
    record_results(session, results, now=T0, worker_id="w1", rng=random.Random(1))
    session.commit()

    rows = session.scalars(select(Delivery).where(Delivery.issue_id == issue_id)).all()
    assert {r.status for r in rows} == {DeliveryStatus.RETRY}
    assert {r.last_error for r in rows} == {"451 try later"}
    assert all(r.claimed_by is None and r.claimed_until is None for r in rows)
    due = max(r.next_attempt_at for r in rows if r.next_attempt_at is not None)
    earliest = min(r.next_attempt_at for r in rows if r.next_attempt_at is not None)
    assert T0 + timedelta(minutes=2, seconds=30) <= earliest <= due <= T0 + timedelta(minutes=5)

    assert (
        claim_batch(
            session, issue_id, worker_id="w1", limit=10, now=earliest - timedelta(seconds=1)
        )
        == []
    )
    assert len(claim_batch(session, issue_id, worker_id="w1", limit=10, now=due)) == 2
    assert ledger_counts(session, issue_id)[DeliveryStatus.CLAIMED] == 2


def test_results_move_rows_to_their_states(session: Session) -> None:
    issue_id, _ = _setup(session, actives=3)
    _snapshot(session, issue_id)
    a, b, c, d = claim_batch(session, issue_id, worker_id="w1", limit=10, now=T0)
    later = T0 + timedelta(seconds=30)
    record_results(
        session,
        [
            SendResult(a.delivery_id, SendStatus.ACCEPTED),
            SendResult(b.delivery_id, SendStatus.BOUNCED, "550 5.1.1 no such user"),
            SendResult(c.delivery_id, SendStatus.FAILED, "554 rejected"),
        ],
        now=later,
        worker_id="w1",
        message_ids={a.delivery_id: "<2027-1.1.x@trygg.example.se>"},
    )
    session.commit()
    sent = session.get(Delivery, a.delivery_id)
    assert sent is not None
    assert (sent.status, sent.sent_at, sent.message_id, sent.claimed_by) == (
        DeliveryStatus.SENT,
        later,
        "<2027-1.1.x@trygg.example.se>",
        None,
    )
    counts = ledger_counts(session, issue_id)
    assert counts == {
        DeliveryStatus.PENDING: 0,
        DeliveryStatus.CLAIMED: 1,
        DeliveryStatus.SENT: 1,
        DeliveryStatus.RETRY: 0,
        DeliveryStatus.FAILED: 1,
        DeliveryStatus.BOUNCED: 1,
        DeliveryStatus.SKIPPED: 0,
    }
    assert d.delivery_id not in {a.delivery_id, b.delivery_id, c.delivery_id}


def test_a_worker_that_lost_its_claim_cannot_overwrite_it(session: Session) -> None:
    issue_id, _ = _setup(session, actives=1)
    _snapshot(session, issue_id)
    slow = claim_batch(session, issue_id, worker_id="slow", limit=1, now=T0)
    session.commit()
    late = T0 + timedelta(minutes=11)
    taken = claim_batch(session, issue_id, worker_id="fast", limit=1, now=late)
    assert [t.delivery_id for t in taken] == [s.delivery_id for s in slow]
    row_id = slow[0].delivery_id

    # The slow worker's failure no longer counts: the row is the fast worker's now.
    record_results(
        session, [SendResult(row_id, SendStatus.FAILED, "x")], now=late, worker_id="slow"
    )
    session.commit()
    assert ledger_counts(session, issue_id)[DeliveryStatus.CLAIMED] == 1
    # But a message it did get accepted is recorded: it went out.
    record_results(session, [SendResult(row_id, SendStatus.ACCEPTED)], now=late, worker_id="slow")
    session.commit()
    assert ledger_counts(session, issue_id)[DeliveryStatus.SENT] == 1


def test_retries_give_up_after_the_limit(session: Session) -> None:
    issue_id, _ = _setup(session, actives=0)
    _snapshot(session, issue_id)
    much_later = T0 + timedelta(hours=49)
    (claimed,) = claim_batch(session, issue_id, worker_id="w1", limit=5, now=much_later)
    record_results(
        session,
        [SendResult(claimed.delivery_id, SendStatus.RETRY, "451 still busy")],
        now=much_later,
        worker_id="w1",
    )
    session.commit()
    row = session.get(Delivery, claimed.delivery_id)
    assert row is not None
    assert row.status == DeliveryStatus.FAILED
    assert row.last_error is not None and "gave up after 2 days" in row.last_error


def test_released_claims_are_pending_again(session: Session) -> None:
    issue_id, _ = _setup(session, actives=1)
    _snapshot(session, issue_id)
    claimed = claim_batch(session, issue_id, worker_id="w1", limit=5, now=T0)
    release_claims(session, [c.delivery_id for c in claimed], worker_id="w1", now=T0, reason="boom")
    session.commit()
    assert ledger_counts(session, issue_id)[DeliveryStatus.PENDING] == 2
    assert len(claim_batch(session, issue_id, worker_id="w2", limit=5, now=T0)) == 2


def test_issue_completes_only_when_nothing_is_outstanding(session: Session) -> None:
    issue_id, _ = _setup(session, actives=0)
    assert complete_issue(session, issue_id, now=T0) is False  # an empty ledger is not done
    _snapshot(session, issue_id)
    (claimed,) = claim_batch(session, issue_id, worker_id="w1", limit=5, now=T0)
    assert complete_issue(session, issue_id, now=T0) is False
    record_results(
        session, [SendResult(claimed.delivery_id, SendStatus.ACCEPTED)], now=T0, worker_id="w1"
    )
    assert complete_issue(session, issue_id, now=T0 + timedelta(minutes=1)) is True
    session.commit()
    issue = session.get(Issue, issue_id)
    assert issue is not None
    session.refresh(issue)
    assert (issue.status, issue.sent_at) == (IssueStatus.SENT, T0 + timedelta(minutes=1))


def test_retry_delay_grows_with_jitter_and_a_cap() -> None:
    rng = random.Random(7)
    for attempts, base in [(1, 5), (2, 10), (3, 20), (4, 40)]:
        delay = retry_delay(attempts, rng)
        assert timedelta(minutes=base) / 2 <= delay <= timedelta(minutes=base)
    assert retry_delay(50, rng) <= timedelta(hours=6)
    assert len({retry_delay(3, rng) for _ in range(20)}) > 1


def test_two_workers_never_claim_the_same_row(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        issue = make_issue(session)
        for i in range(60):
            make_subscriber(session, f"p{i}@example.org")
        snapshot_audience(session, issue.id, make_planner(session), now=T0)
        issue_id = issue.id

    claims: dict[str, list[int]] = {"a": [], "b": []}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker(name: str) -> None:
        try:
            start.wait()
            while True:
                with session_factory.begin() as session:
                    batch = claim_batch(session, issue_id, worker_id=name, limit=7, now=T0)
                if not batch:
                    return
                claims[name].extend(c.delivery_id for c in batch)
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(name,)) for name in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert not set(claims["a"]) & set(claims["b"])
    assert len(claims["a"]) + len(claims["b"]) == 60


def test_claim_limit_must_be_positive(session: Session) -> None:
    with pytest.raises(ValueError):
        claim_batch(session, 1, worker_id="w", limit=0, now=T0)


def test_postgres_claimers_pass_over_locked_rows(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite claimers queue on the write lock")
        issue = make_issue(session)
        for i in range(6):
            make_subscriber(session, f"p{i}@example.org")
        snapshot_audience(session, issue.id, make_planner(session), now=T0)
        issue_id = issue.id

    # A's claim is not committed yet; B neither waits for it nor takes A's rows.
    with session_factory.begin() as a, session_factory.begin() as b:
        a_rows = claim_batch(a, issue_id, worker_id="a", limit=4, now=T0)
        b_rows = claim_batch(b, issue_id, worker_id="b", limit=4, now=T0)
    assert len(a_rows) == 4
    assert len(b_rows) == 2
    assert not {r.delivery_id for r in a_rows} & {r.delivery_id for r in b_rows}
