"""A named lease in the database: the one process allowed to run the scheduler holds it.

APScheduler 3 runs a job twice when two schedulers share a job store, and never sees
jobs another process adds (measured; DESIGN.md), so exactly one scheduler may be
active. Whoever holds the row ``leases[name]`` with ``expires_at`` in the future is that
one; a process that dies simply stops renewing, and after ``expires_at`` another takes
over.

Each operation is one statement, atomic on SQLite and PostgreSQL alike:

- acquire: ``INSERT … ON CONFLICT (name) DO UPDATE … WHERE holder = me OR expires_at
  <= now`` — succeeds (one row affected) when the lease is free, expired, or already
  ours. On PostgreSQL two racing takers serialise on the row lock and the second one's
  ``WHERE`` is re-checked against the first one's new row, so it loses; on SQLite the
  statement takes the database's write lock before it reads.
- renew: ``UPDATE … WHERE holder = me AND expires_at > now`` — a holder that was
  stopped for longer than its lease (suspended, a long GC pause) must not carry on as
  if nothing happened: its renewal fails and it goes back to waiting.
- release: ``DELETE … WHERE holder = me``.

Times come from the caller's clock, so hosts sharing a database need synchronised
clocks (NTP); the lease should be many times longer than any expected skew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tryggnews.db.models import Lease

SCHEDULER_LEASE = "scheduler"


@dataclass(frozen=True)
class LeaseState:
    """Who holds a lease and until when (for messages and ``scheduler --once``)."""

    name: str
    holder: str
    expires_at: datetime
    acquired_at: datetime

    def valid_at(self, now: datetime) -> bool:
        return self.expires_at > now


def _upsert(engine: Engine) -> Any:
    dialect = engine.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(Lease)
    if dialect == "sqlite":
        return sqlite.insert(Lease)
    raise NotImplementedError(f"no lease statement for the {dialect} database")


def acquire_lease(engine: Engine, name: str, holder: str, *, now: datetime, ttl: timedelta) -> bool:
    """Take the lease for ``holder`` until ``now + ttl`` if it is free, expired or ours.

    Returns whether ``holder`` holds it now. Holding it already counts as success and
    extends it (``acquired_at`` stays the time it was first taken).
    """
    if ttl <= timedelta(0):
        raise ValueError("a lease needs a positive duration")
    insert = _upsert(engine)
    statement = insert.values(
        name=name, holder=holder, expires_at=now + ttl, acquired_at=now
    ).on_conflict_do_update(
        index_elements=[Lease.name],
        set_={
            "holder": insert.excluded.holder,
            "expires_at": insert.excluded.expires_at,
            "acquired_at": case(
                (Lease.holder == insert.excluded.holder, Lease.acquired_at),
                else_=insert.excluded.acquired_at,
            ),
        },
        where=(Lease.holder == insert.excluded.holder) | (Lease.expires_at <= now),
    )
    # RETURNING, not rowcount: drivers disagree on the count an upsert reports.
    with engine.begin() as connection:
        return connection.execute(statement.returning(Lease.name)).first() is not None


def renew_lease(engine: Engine, name: str, holder: str, *, now: datetime, ttl: timedelta) -> bool:
    """Extend ``holder``'s lease to ``now + ttl``; False when it is no longer held by them.

    An expired lease is not renewed even if nobody took it meanwhile: the holder
    must stop and acquire again, so a paused process never acts on a stale lease.
    """
    statement = (
        update(Lease)
        .where(Lease.name == name, Lease.holder == holder, Lease.expires_at > now)
        .values(expires_at=now + ttl)
        .returning(Lease.name)
    )
    with engine.begin() as connection:
        return connection.execute(statement).first() is not None


def release_lease(engine: Engine, name: str, holder: str) -> bool:
    """Give the lease up at once (a clean shutdown), so a waiting process need not wait.

    Returns whether ``holder`` held it; releasing someone else's lease does nothing.
    """
    with engine.begin() as connection:
        statement = delete(Lease).where(Lease.name == name, Lease.holder == holder)
        return connection.execute(statement.returning(Lease.name)).first() is not None


def current_lease(engine: Engine, name: str) -> LeaseState | None:
    """The lease row as stored (possibly expired), or None when nobody ever took it."""
    with engine.connect() as connection:
        row = connection.execute(
            select(Lease.holder, Lease.expires_at, Lease.acquired_at).where(Lease.name == name)
        ).one_or_none()
    if row is None:
        return None
    return LeaseState(name=name, holder=row[0], expires_at=row[1], acquired_at=row[2])
