"""The delivery ledger: one row per issue × subscriber, the truth about who got what.

Life of a row::

    pending ──claim──► claimed ──accepted──► sent
       ▲                 │  ├──retry──► retry ──(next_attempt_at passes)──► claimed …
       │                 │  ├──bounced / failed (final)
       │                 └──subscriber left since the snapshot──► skipped
       └── snapshot_audience (once per subscriber and issue)

A claim is a lease (``claimed_by``, ``claimed_until``): a worker that dies mid-batch
leaves rows that another worker reclaims once the lease has run out, so a crash
never skips anyone. The price is that a crash after the transport accepted a
message but before the result was recorded sends that message again — at least
once, never lost. Progress is recorded only after the transport answered, never
when a batch is fetched.

Every function here works inside the caller's transaction and never commits: the
caller decides how long a transaction is (short ones for claims and results).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tryggnews.clock import SystemClock
from tryggnews.content.variants import VariantPlanner
from tryggnews.db.models import (
    OUTSTANDING_DELIVERY_STATES,
    Delivery,
    DeliveryStatus,
    Issue,
    IssueStatus,
    Subscriber,
    SubscriberStatus,
)
from tryggnews.transports.base import SendResult, SendStatus

# Rows that still need work; an issue is sent when none of its rows is in one of these.
DEFAULT_LEASE = timedelta(minutes=10)
# How long temporary failures are retried, counted from the snapshot (EMAIL.md: 48 h).
DEFAULT_GIVE_UP_AFTER = timedelta(hours=48)

# The Core table, for executemany statements the ORM would turn into bulk-by-key mode.
_table = cast(Table, Delivery.__table__)
_RANDOM = random.Random()


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A claimed row with what the sender needs to build the message."""

    delivery_id: int
    subscriber_id: int
    email: str
    name: str | None
    token_salt: str
    variant: str


def receiving(now: datetime) -> ColumnElement[bool]:
    """SQL condition: the subscriber gets newsletters at ``now``.

    Active, and not paused until a later time. The same test decides the snapshot
    and, again at claim time, whether a snapshotted row is still sent.
    """
    return and_(
        Subscriber.status == SubscriberStatus.ACTIVE,
        or_(Subscriber.paused_until.is_(None), Subscriber.paused_until <= now),
    )


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """How long to wait before attempt ``attempts + 1`` after a temporary failure.

    Exponential (5 min, 10, 20 … capped at 6 h) with "equal jitter": half the
    delay fixed, half random, so many rows that failed together (a 421 from a busy
    server) do not all come back in the same second.
    """
    base = timedelta(minutes=5) * (1 << min(max(attempts, 1) - 1, 10))
    delay = min(base, timedelta(hours=6))
    return delay / 2 + delay / 2 * (rng or _RANDOM).random()


def snapshot_audience(
    session: Session,
    issue_id: int,
    planner: VariantPlanner,
    *,
    now: datetime | None = None,
    batch_size: int = 1000,
) -> int:
    """Add a ``pending`` row, with its variant, for every receiving subscriber not yet in
    the ledger for this issue. Returns how many rows were added; a second run adds none.

    Subscribers are read in id order, ``batch_size`` at a time, by keyset (``id >
    last``) rather than OFFSET, so memory stays flat and each page is an index range.
    Runs in the caller's transaction: commit once at the end and senders see the
    whole audience at once, never half of it. ``now`` (default: the system clock)
    decides who is paused and stamps the rows; pass the sender's clock time.
    """
    if batch_size <= 0:
        raise ValueError("batch_size must be positive")
    if now is None:
        now = SystemClock().now()
    # Anyone already in the ledger for this issue is left alone: re-running the
    # snapshot after a crash, or after new sign-ups, only adds the missing people.
    already = exists().where(Delivery.issue_id == issue_id, Delivery.subscriber_id == Subscriber.id)
    page = (
        select(Subscriber.id, Subscriber.audiences, Subscriber.topics)
        .where(receiving(now), ~already, Subscriber.id > bindparam("last_id"))
        .order_by(Subscriber.id)
        .limit(batch_size)
    )
    added = 0
    last_id = 0
    while True:
        rows = session.execute(page, {"last_id": last_id}).all()
        if not rows:
            return added
        last_id = rows[-1].id
        values = [
            {
                "issue_id": issue_id,
                "subscriber_id": row.id,
                "variant": planner.variant_for(row.audiences, row.topics).key,
                "status": DeliveryStatus.PENDING,
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
            }
            for row in rows
        ]
        # Core executemany, not ORM objects: ~6× faster for 50k rows and nothing
        # accumulates in the session. ON CONFLICT DO NOTHING covers two snapshots
        # racing each other; the unique (issue, subscriber) constraint is the guard.
        result = session.connection().execute(_insert_ignoring_duplicates(session), values)
        added += _inserted(result.rowcount, len(values))


def _insert_ignoring_duplicates(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(_table).on_conflict_do_nothing(
            index_elements=["issue_id", "subscriber_id"]
        )
    if dialect == "sqlite":
        return sqlite.insert(_table).on_conflict_do_nothing(
            index_elements=["issue_id", "subscriber_id"]
        )
    return insert(_table)


def _inserted(rowcount: int, attempted: int) -> int:
    # Drivers that cannot count an executemany report -1; the NOT EXISTS filter
    # makes the attempted number exact unless two snapshots raced.
    return rowcount if rowcount >= 0 else attempted


def claim_batch(
    session: Session,
    issue_id: int,
    *,
    worker_id: str,
    limit: int,
    now: datetime,
    lease: timedelta = DEFAULT_LEASE,
) -> list[ClaimedDelivery]:
    """Claim up to ``limit`` rows for ``worker_id`` until ``now + lease``; oldest first.

    Claimable: ``pending``; ``retry`` whose ``next_attempt_at`` has come; ``claimed``
    whose lease ran out (its worker died). Each claim counts as an attempt. A
    claimed row whose subscriber no longer receives (unsubscribed, bounced, paused
    since the snapshot) becomes ``skipped`` and is not returned; claiming goes on
    until ``limit`` rows are returned or nothing claimable is left, so an empty
    list means "nothing to send now". Commit soon after: the claim is a lock.
    """
    if limit <= 0:
        raise ValueError("limit must be positive")
    claimed: list[ClaimedDelivery] = []
    while len(claimed) < limit:
        ids = _claim_rows(session, issue_id, worker_id, limit - len(claimed), now, now + lease)
        if not ids:
            break
        claimed.extend(_keep_receiving(session, ids, now))
    return claimed


def _claim_rows(
    session: Session,
    issue_id: int,
    worker_id: str,
    limit: int,
    now: datetime,
    until: datetime,
) -> list[int]:
    claimable = or_(
        Delivery.status == DeliveryStatus.PENDING,
        and_(
            Delivery.status == DeliveryStatus.RETRY,
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        ),
        and_(Delivery.status == DeliveryStatus.CLAIMED, Delivery.claimed_until < now),
    )
    # PostgreSQL: FOR UPDATE SKIP LOCKED lets several workers claim at once, each
    # passing over the rows another is claiming instead of waiting for them; the
    # locked rows' WHERE is re-checked on their newest version, so a row claimed and
    # committed meanwhile is not taken twice. SQLite ignores FOR UPDATE; there the
    # whole UPDATE is one statement that takes the database's write lock before it
    # reads (BEGIN IMMEDIATE semantics), so two claimers simply queue.
    candidates = (
        select(Delivery.id)
        .where(Delivery.issue_id == issue_id, claimable)
        .order_by(Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        # Its own FROM deliveries, not correlated with the table being updated.
        .correlate(None)
    )
    claim = (
        update(Delivery)
        .where(Delivery.id.in_(candidates.scalar_subquery()))
        .values(
            status=DeliveryStatus.CLAIMED,
            claimed_by=worker_id,
            claimed_until=until,
            attempts=Delivery.attempts + 1,
            updated_at=now,
        )
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(session.scalars(claim))


def _keep_receiving(session: Session, ids: list[int], now: datetime) -> list[ClaimedDelivery]:
    rows = session.execute(
        select(
            Delivery.id,
            Delivery.subscriber_id,
            Delivery.variant,
            Subscriber.email,
            Subscriber.name,
            Subscriber.token_salt,
            receiving(now).label("receiving"),
        )
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.id.in_(ids))
        .order_by(Delivery.id)
    ).all()
    # Checked at claim time, not only at the snapshot: someone who unsubscribed
    # after sending began must not get the rest of it.
    gone = [row.id for row in rows if not row.receiving]
    if gone:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(gone))
            .values(
                status=DeliveryStatus.SKIPPED,
                claimed_by=None,
                claimed_until=None,
                last_error="subscriber no longer receives newsletters",
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    return [
        ClaimedDelivery(
            delivery_id=row.id,
            subscriber_id=row.subscriber_id,
            email=row.email,
            name=row.name,
            token_salt=row.token_salt,
            variant=row.variant,
        )
        for row in rows
        if row.receiving
    ]


def release_claims(
    session: Session, delivery_ids: Iterable[int], *, worker_id: str, now: datetime, reason: str
) -> None:
    """Hand ``worker_id``'s claimed rows back as ``pending``, with ``reason`` as last error.

    For a batch that was never answered (the transport raised, the worker is
    stopping): the rows are claimable again at once instead of after the lease.
    The attempt still counts.
    """
    ids = list(delivery_ids)
    if not ids:
        return
    session.execute(
        update(Delivery)
        .where(
            Delivery.id.in_(ids),
            Delivery.status == DeliveryStatus.CLAIMED,
            Delivery.claimed_by == worker_id,
        )
        .values(
            status=DeliveryStatus.PENDING,
            claimed_by=None,
            claimed_until=None,
            last_error=reason,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )


def record_results(
    session: Session,
    results: Iterable[SendResult],
    *,
    now: datetime,
    worker_id: str,
    message_ids: Mapping[int, str] | None = None,
    give_up_after: timedelta = DEFAULT_GIVE_UP_AFTER,
    rng: random.Random | None = None,
) -> None:
    """Write the transport's answers into the ledger and release the claims.

    accepted → ``sent`` with ``sent_at`` and the Message-ID from ``message_ids``;
    retry → ``retry`` at ``now + retry_delay(attempts)`` — or ``failed`` once the row
    is older than ``give_up_after``; bounced → ``bounced``; failed → ``failed``.
    ``detail`` goes to ``last_error``.

    An accepted message is recorded whatever happened to the claim (it did go
    out). Any other answer is recorded only while ``worker_id`` still holds the
    claim: if the lease ran out and another worker took the row over, that
    worker's answer is the one that counts.
    """
    message_ids = message_ids or {}
    by_status: dict[SendStatus, list[SendResult]] = {status: [] for status in SendStatus}
    for result in results:
        by_status[SendStatus(result.status)].append(result)

    accepted = by_status[SendStatus.ACCEPTED]
    if accepted:
        session.execute(
            update(_table)
            .where(_table.c.id == bindparam("b_id"), _table.c.status != DeliveryStatus.SENT)
            .values(
                status=DeliveryStatus.SENT,
                sent_at=now,
                message_id=bindparam("b_message_id"),
                claimed_by=None,
                claimed_until=None,
                next_attempt_at=None,
                updated_at=now,
            ),
            [
                {"b_id": r.delivery_id, "b_message_id": message_ids.get(r.delivery_id)}
                for r in accepted
            ],
        )

    still_ours = and_(
        _table.c.id == bindparam("b_id"),
        _table.c.status == DeliveryStatus.CLAIMED,
        _table.c.claimed_by == worker_id,
    )
    final = [(r, DeliveryStatus.BOUNCED) for r in by_status[SendStatus.BOUNCED]] + [
        (r, DeliveryStatus.FAILED) for r in by_status[SendStatus.FAILED]
    ]
    final += _retries(session, by_status[SendStatus.RETRY], now, give_up_after, rng, still_ours)
    if final:
        session.execute(
            update(_table)
            .where(still_ours)
            .values(
                status=bindparam("b_status"),
                last_error=bindparam("b_detail"),
                claimed_by=None,
                claimed_until=None,
                next_attempt_at=None,
                updated_at=now,
            ),
            [
                {"b_id": r.delivery_id, "b_status": status, "b_detail": r.detail or None}
                for r, status in final
            ],
        )


def _retries(
    session: Session,
    retries: Sequence[SendResult],
    now: datetime,
    give_up_after: timedelta,
    rng: random.Random | None,
    still_ours: ColumnElement[bool],
) -> list[tuple[SendResult, DeliveryStatus]]:
    """Schedule retries; return the rows that waited too long, to be failed instead."""
    if not retries:
        return []
    rows = {
        row.id: row
        for row in session.execute(
            select(_table.c.id, _table.c.attempts, _table.c.created_at).where(
                _table.c.id.in_([r.delivery_id for r in retries])
            )
        )
    }
    later: list[dict[str, Any]] = []
    given_up: list[tuple[SendResult, DeliveryStatus]] = []
    for result in retries:
        row = rows.get(result.delivery_id)
        if row is None:
            continue
        if now - row.created_at >= give_up_after:
            detail = f"gave up after {give_up_after}: {result.detail}"
            given_up.append(
                (SendResult(result.delivery_id, result.status, detail), DeliveryStatus.FAILED)
            )
            continue
        later.append(
            {
                "b_id": result.delivery_id,
                "b_detail": result.detail or None,
                "b_next": now + retry_delay(row.attempts, rng),
            }
        )
    if later:
        session.execute(
            update(_table)
            .where(still_ours)
            .values(
                status=DeliveryStatus.RETRY,
                last_error=bindparam("b_detail"),
                next_attempt_at=bindparam("b_next"),
                claimed_by=None,
                claimed_until=None,
                updated_at=now,
            ),
            later,
        )
    return given_up


def ledger_counts(session: Session, issue_id: int) -> dict[DeliveryStatus, int]:
    """How many of the issue's rows are in each state; every state is present."""
    counts = dict.fromkeys(DeliveryStatus, 0)
    rows = session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.issue_id == issue_id)
        .group_by(Delivery.status)
    )
    for status, count in rows:
        counts[DeliveryStatus(status)] = count
    return counts


@dataclass(frozen=True, slots=True)
class ClaimHolder:
    """A worker holding claims on an issue's rows, and until when (its lease)."""

    worker_id: str
    rows: int
    until: datetime | None


def claim_holders(session: Session, issue_id: int) -> list[ClaimHolder]:
    """Who holds claimed rows of the issue, by worker; a lease in the past is a dead worker's."""
    rows = session.execute(
        select(Delivery.claimed_by, func.count(), func.max(Delivery.claimed_until))
        .where(Delivery.issue_id == issue_id, Delivery.status == DeliveryStatus.CLAIMED)
        .group_by(Delivery.claimed_by)
        .order_by(Delivery.claimed_by)
    )
    return [ClaimHolder(worker or "?", count, until) for worker, count, until in rows]


def extend_claims(session: Session, *, worker_id: str, now: datetime, lease: timedelta) -> int:
    """Renew the lease on every row ``worker_id`` holds; returns how many.

    A live worker calls this well within its lease, so its claims never run out
    while it is still sending, however slow the server; a dead worker stops
    renewing and its rows become claimable within one lease. A row another worker
    took over meanwhile is not touched (``claimed_by`` no longer matches).
    """
    result = session.execute(
        update(Delivery)
        .where(Delivery.status == DeliveryStatus.CLAIMED, Delivery.claimed_by == worker_id)
        .values(claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def outstanding_variants(session: Session, issue_id: int) -> set[str]:
    """Variant keys of the rows still to send; each needs a message template."""
    return set(
        session.scalars(
            select(Delivery.variant)
            .where(Delivery.issue_id == issue_id, Delivery.status.in_(OUTSTANDING_DELIVERY_STATES))
            .distinct()
        )
    )


def complete_issue(session: Session, issue_id: int, *, now: datetime) -> bool:
    """Mark the issue ``sent`` if its ledger has rows and none is outstanding.

    One conditional UPDATE, so a row added or reclaimed meanwhile keeps the issue
    open, and two workers finishing together both succeed harmlessly. Returns
    whether the issue is sent now.
    """
    rows = select(Delivery.id).where(Delivery.issue_id == issue_id)
    session.execute(
        update(Issue)
        .where(
            Issue.id == issue_id,
            Issue.status != IssueStatus.SENT,
            rows.exists(),
            ~rows.where(Delivery.status.in_(OUTSTANDING_DELIVERY_STATES)).exists(),
        )
        .values(status=IssueStatus.SENT, sent_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    status = session.scalar(select(Issue.status).where(Issue.id == issue_id))
    return status == IssueStatus.SENT
