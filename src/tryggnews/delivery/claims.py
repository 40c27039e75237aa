"""Claims on ledger rows: which worker is sending which row, and until when.

A claim is a lease (``claimed_by``, ``claimed_until``): a worker that dies mid-batch
leaves rows that another worker reclaims once the lease has run out, so a crash
never skips anyone. The price is that a crash after the transport accepted a
message but before the result was recorded sends that message again — at least
once, never lost.

Separate from the ledger's snapshot and read side because this is where workers
meet: locking, leases, their renewal and handing rows back all live here.
Every function works inside the caller's transaction and never commits; commit soon
after a claim, since the claim is a lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Table,
    Update,
    and_,
    bindparam,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from tryggnews.db.models import Delivery, DeliveryStatus, Subscriber
from tryggnews.delivery.ledger import receiving
from tryggnews.delivery.rowsets import id_in, ids_param, on_postgres

DEFAULT_LEASE = timedelta(minutes=10)
# The Core tables: claiming is plain SQL on rows, with no ORM bookkeeping per row.
_deliveries = cast(Table, Delivery.__table__)
_subscribers = cast(Table, Subscriber.__table__)


class ClaimedDelivery(NamedTuple):
    """A claimed row with what the sender needs to build the message.

    A named tuple rather than a dataclass: one is made per recipient, straight
    from the database row (``_make``), with nothing done per field."""

    delivery_id: int
    subscriber_id: int
    email: str
    name: str | None
    token_salt: str
    variant: str


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


def _claim_statement(claimable: ColumnElement[bool]) -> Update:
    # PostgreSQL: FOR UPDATE SKIP LOCKED lets several workers claim at once, each
    # passing over the rows another is claiming instead of waiting for them; the
    # locked rows' WHERE is re-checked on their newest version, so a row claimed and
    # committed meanwhile is not taken twice. SQLite ignores FOR UPDATE; there the
    # whole UPDATE is one statement that takes the database's write lock before it
    # reads (BEGIN IMMEDIATE semantics), so two claimers simply queue.
    candidates = (
        select(_deliveries.c.id)
        .where(_deliveries.c.issue_id == bindparam("c_issue"), claimable)
        .order_by(_deliveries.c.id)
        .limit(bindparam("c_limit", type_=Integer))
        .with_for_update(skip_locked=True)
        # Its own FROM deliveries, not correlated with the table being updated.
        .correlate(None)
    )
    return (
        update(_deliveries)
        .where(_deliveries.c.id.in_(candidates.scalar_subquery()))
        .values(
            status=DeliveryStatus.CLAIMED,
            claimed_by=bindparam("c_worker"),
            claimed_until=bindparam("c_until"),
            attempts=_deliveries.c.attempts + 1,
            updated_at=bindparam("c_now"),
        )
        .returning(_deliveries.c.id)
    )


# One status at a time, so each is a range of ix_deliveries_issue_status (issue_id,
# status, id) read in id order: a claim costs the rows it takes, not the rows already
# sent before them (one query with OR over the states walked the primary key past
# every sent row: 250 ms per claim halfway through 100,000). A dead worker's rows and
# due retries (few) go first, then pending rows oldest first. Built once: the
# parameters are the issue, the worker, the times and how many.
_CLAIMS = tuple(
    _claim_statement(claimable)
    for claimable in (
        and_(
            _deliveries.c.status == DeliveryStatus.CLAIMED,
            _deliveries.c.claimed_until < bindparam("c_now"),
        ),
        and_(
            _deliveries.c.status == DeliveryStatus.RETRY,
            or_(
                _deliveries.c.next_attempt_at.is_(None),
                _deliveries.c.next_attempt_at <= bindparam("c_now"),
            ),
        ),
        _deliveries.c.status == DeliveryStatus.PENDING,
    )
)


def _claim_rows(
    session: Session,
    issue_id: int,
    worker_id: str,
    limit: int,
    now: datetime,
    until: datetime,
) -> list[int]:
    ids: list[int] = []
    params = {"c_issue": issue_id, "c_worker": worker_id, "c_now": now, "c_until": until}
    for claim in _CLAIMS:
        if len(ids) < limit:
            ids += session.scalars(claim, {**params, "c_limit": limit - len(ids)}).all()
    return sorted(ids)


def _keep_receiving(session: Session, ids: list[int], now: datetime) -> list[ClaimedDelivery]:
    postgres = on_postgres(session)
    # Columns in ClaimedDelivery's order, then whether the subscriber still receives.
    rows = session.execute(
        select(
            _deliveries.c.id,
            _deliveries.c.subscriber_id,
            _subscribers.c.email,
            _subscribers.c.name,
            _subscribers.c.token_salt,
            _deliveries.c.variant,
            receiving(now),
        )
        .join(_subscribers, _subscribers.c.id == _deliveries.c.subscriber_id)
        .where(id_in(_deliveries.c.id, postgres))
        .order_by(_deliveries.c.id),
        ids_param(ids, postgres),
    ).all()
    # Checked at claim time, not only at the snapshot: someone who unsubscribed
    # after sending began must not get the rest of it.
    gone = [row[0] for row in rows if not row[-1]]
    if gone:
        session.execute(
            update(_deliveries)
            .where(_deliveries.c.id.in_(gone))
            .values(
                status=DeliveryStatus.SKIPPED,
                claimed_by=None,
                claimed_until=None,
                last_error="subscriber no longer receives newsletters",
                updated_at=now,
            )
        )
    make = ClaimedDelivery._make
    return [make(row[:-1]) for row in rows if row[-1]]


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
