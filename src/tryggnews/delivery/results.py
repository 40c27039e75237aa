"""Recording the transport's answers in the ledger: sent, retry later, bounced, failed.

Progress is recorded only after the transport answered, never when a batch is
fetched, so a row is ``sent`` only once its message went out. Temporary failures
come back after ``retry_delay`` until ``DEFAULT_GIVE_UP_AFTER`` has passed.

Its own module because how answers are written (the statements, how they are
grouped into commits) changes independently of claiming and of the snapshot.
Every function works inside the caller's transaction and never commits.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, Update, and_, bindparam, select, text, update
from sqlalchemy.orm import Session

from tryggnews.db.models import Delivery, DeliveryStatus
from tryggnews.delivery.rowsets import id_in, ids_param, keyed_params, keyed_values, on_postgres
from tryggnews.transports.base import SendResult, SendStatus

# How long temporary failures are retried, counted from the snapshot (EMAIL.md: 48 h).
DEFAULT_GIVE_UP_AFTER = timedelta(hours=48)

# The Core table, for executemany statements the ORM would turn into bulk-by-key mode.
_table = cast(Table, Delivery.__table__)
_RANDOM = random.Random()


def _accept(postgres: bool) -> Update:
    """Accepted answers → ``sent``, a whole group in one statement (each row's
    Message-ID from ``rowsets.keyed_values``): the common case, so no parameters
    are built or processed per row. Built once per database (``_ACCEPT``)."""
    answered, message_id = keyed_values(_table.c.id, postgres)
    return (
        update(_table)
        .where(answered, _table.c.status != DeliveryStatus.SENT)
        .values(
            status=DeliveryStatus.SENT,
            sent_at=bindparam("b_now"),
            message_id=message_id,
            claimed_by=None,
            claimed_until=None,
            next_attempt_at=None,
            updated_at=bindparam("b_now"),
        )
    )


_ACCEPT = {postgres: _accept(postgres) for postgres in (False, True)}
# What a retry's delay and the give-up limit depend on (a busy server can answer a
# whole batch with 421s, so the ids are one list parameter here too).
_RETRY_ROWS = {
    postgres: select(_table.c.id, _table.c.attempts, _table.c.created_at).where(
        id_in(_table.c.id, postgres)
    )
    for postgres in (False, True)
}
# The rarer answers, executemany with a row of parameters each. Built once: answers
# are recorded in many small groups while a batch is sent.
_STILL_OURS = and_(
    _table.c.id == bindparam("b_id"),
    _table.c.status == DeliveryStatus.CLAIMED,
    _table.c.claimed_by == bindparam("b_worker"),
)
_FINAL = (
    update(_table)
    .where(_STILL_OURS)
    .values(
        status=bindparam("b_status"),
        last_error=bindparam("b_detail"),
        claimed_by=None,
        claimed_until=None,
        next_attempt_at=None,
        updated_at=bindparam("b_now"),
    )
)
_LATER = (
    update(_table)
    .where(_STILL_OURS)
    .values(
        status=DeliveryStatus.RETRY,
        last_error=bindparam("b_detail"),
        next_attempt_at=bindparam("b_next"),
        claimed_by=None,
        claimed_until=None,
        updated_at=bindparam("b_now"),
    )
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


def relax_durability(session: Session) -> None:
    """Let this transaction's commit return before PostgreSQL flushes it to disk.

    For the groups recorded while a batch is on the wire: waiting for each flush
    would widen the window in which accepted messages are not yet recorded, and
    a group lost to a database crash only means those messages go out again —
    a duplicate, never a loss. Nothing to do on SQLite (WAL, ``synchronous=NORMAL``).
    """
    if on_postgres(session):
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


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
        # Without a SendStatus(…) call per answer: a StrEnum member hashes and compares
        # as its value, so a plain string finds its member's list too.
        by_status[result.status].append(result)

    accepted = by_status[SendStatus.ACCEPTED]
    if accepted:
        postgres = on_postgres(session)
        # Each row once (the first answer wins anyway: a second finds it ``sent``).
        sent = {r.delivery_id: message_ids.get(r.delivery_id) for r in accepted}
        session.execute(_ACCEPT[postgres], {"b_now": now, **keyed_params(sent, postgres)})

    final = [(r, DeliveryStatus.BOUNCED) for r in by_status[SendStatus.BOUNCED]] + [
        (r, DeliveryStatus.FAILED) for r in by_status[SendStatus.FAILED]
    ]
    final += _retries(session, by_status[SendStatus.RETRY], now, give_up_after, rng, worker_id)
    if final:
        session.execute(
            _FINAL,
            [
                {
                    "b_id": r.delivery_id,
                    "b_status": status,
                    "b_detail": r.detail or None,
                    "b_worker": worker_id,
                    "b_now": now,
                }
                for r, status in final
            ],
        )


def _retries(
    session: Session,
    retries: Sequence[SendResult],
    now: datetime,
    give_up_after: timedelta,
    rng: random.Random | None,
    worker_id: str,
) -> list[tuple[SendResult, DeliveryStatus]]:
    """Schedule retries; return the rows that waited too long, to be failed instead."""
    if not retries:
        return []
    postgres = on_postgres(session)
    rows = {
        row.id: row
        for row in session.execute(
            _RETRY_ROWS[postgres], ids_param([r.delivery_id for r in retries], postgres)
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
                "b_worker": worker_id,
                "b_now": now,
            }
        )
    if later:
        session.execute(_LATER, later)
    return given_up
