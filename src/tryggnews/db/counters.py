"""Sliding-window counters shared by every process and host, in the database.

The public forms, the editors' login and the sender each limit how often something
may happen. Kept in one process's memory, four ``serve`` processes behind a proxy
would allow four times the limit; kept here, every process and host that uses the
same database counts against the same numbers.

How a window is counted: hits go into short buckets (``Window.bucket``, by default
a sixtieth of the window), one row per (scope, key, bucket start), incremented with
an atomic upsert (``INSERT … ON CONFLICT DO UPDATE``, SQLite ≥ 3.35 and
PostgreSQL). A row remembers when its *last* hit stops counting (``expires_at`` =
that hit + the window), and a key's use is the sum of its rows not yet expired.
So every hit counts for at least the whole window: no sliding window ever holds
more than the limit, and a bucket's earlier hits may count up to one bucket
longer than needed (the safe side).

Exact under concurrency: ``try_add`` writes first and checks after, in one short
transaction, and rolls back when over the limit. On SQLite the first write takes
the database's write lock, so checks queue; on PostgreSQL a transaction-level
advisory lock per key does the same (a row lock alone would not cover a hit that
falls into the next bucket at the same moment).

Keys are HMAC-SHA256 of (scope, key) under the secret key, cut to 128 bits: no
client or email address is stored, and the same key in two scopes is unrelated.
Expired rows are deleted at most once a minute per process (an indexed delete).
Times are whole milliseconds since the epoch: the send rate needs fractions of a
second, and integers compare the same on both databases.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.db.models import RateLimitCounter

PRUNE_EVERY_MS = 60_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_HASH_CHARS = 32


def epoch_ms(at: datetime) -> int:
    """``at`` as whole milliseconds since the epoch (exact, no float rounding)."""
    return (at - _EPOCH) // _MS


@dataclass(frozen=True)
class Window:
    """At most ``limit`` hits per key in any ``seconds``; ``scope`` names the limit."""

    scope: str
    limit: int
    seconds: float
    # Length of one counter row; None: a sixtieth of the window.
    bucket: float | None = None

    def __post_init__(self) -> None:
        if self.limit <= 0 or self.seconds <= 0:
            raise ValueError("a rate limit needs a positive limit and window")
        if not 0 < len(self.scope) <= 40:
            raise ValueError("a scope is 1 to 40 characters")

    @property
    def length_ms(self) -> int:
        return max(1, round(self.seconds * 1000))

    @property
    def bucket_ms(self) -> int:
        bucket = self.bucket if self.bucket is not None else self.seconds / 60
        return max(1, min(self.length_ms, round(bucket * 1000)))

    def bucket_of(self, at_ms: int) -> int:
        return at_ms - at_ms % self.bucket_ms


class SharedCounters:
    """The counters in the database reached through ``sessions``; thread-safe.

    Every method runs its own short transaction.
    """

    def __init__(self, sessions: sessionmaker[Session], secret_key: str) -> None:
        if not secret_key:
            raise ValueError("shared counters need the secret key to hash their keys")
        self._sessions = sessions
        self._secret = secret_key.encode()
        self._pruned_at: int | None = None
        self._prune_lock = threading.Lock()

    def key_hash(self, scope: str, key: str) -> str:
        message = scope.encode() + b"\x00" + key.encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:_HASH_CHARS]

    def try_add(self, key: str, now: datetime, windows: Sequence[Window], count: int = 1) -> float:
        """Count ``count`` hits for ``key`` in every window, if none goes over its limit.

        Returns 0.0 when they were counted; else nothing is counted and the result is
        how many seconds until they might fit (another process may take them first).
        """
        _granted, wait = self._take(key, now, windows, count, at_least=count)
        return wait

    def take_up_to(
        self, key: str, now: datetime, windows: Sequence[Window], count: int
    ) -> tuple[int, float]:
        """Count as many of ``count`` hits as every window has room for (at least one).

        Returns (how many were counted, 0.0), or (0, seconds until one might fit).
        """
        return self._take(key, now, windows, count, at_least=1)

    def _take(
        self, key: str, now: datetime, windows: Sequence[Window], count: int, *, at_least: int
    ) -> tuple[int, float]:
        for window in windows:
            if not 0 < count <= window.limit:
                raise ValueError(f"cannot count {count} at once against a limit of {window.limit}")
        if not windows:
            return count, 0.0
        at = epoch_ms(now)
        hashes = [self.key_hash(w.scope, key) for w in windows]
        pairs = list(zip(windows, hashes, strict=True))
        with self._sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                # Always in the same order, so two multi-window calls never deadlock.
                for lock in sorted(_lock_id(h) for h in hashes):
                    session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock})
            # Write first, then check: on SQLite the write takes the database's lock
            # before anything is read, so no other process can count in between.
            for window, hashed in pairs:
                _upsert(session, window, hashed, at, count)
            excess = max(_used(session, w.scope, h, at) - w.limit for w, h in pairs)
            granted = count - max(0, excess)
            if granted < at_least:
                session.rollback()
                return 0, max(_wait(session, w, h, at, at_least) for w, h in pairs)
            if granted < count:
                for window, hashed in pairs:
                    _take_back(session, window, hashed, at, count - granted)
            session.commit()
        self._prune(at)
        return granted, 0.0

    def add(self, key: str, now: datetime, window: Window, count: int = 1) -> None:
        """Count ``count`` hits for ``key`` whatever the limit (something that happened)."""
        at = epoch_ms(now)
        with self._sessions.begin() as session:
            _upsert(session, window, self.key_hash(window.scope, key), at, count)
        self._prune(at)

    def used(self, key: str, now: datetime, window: Window) -> int:
        """How many hits ``key`` has in the window ending ``now`` (counts none)."""
        with self._sessions() as session:
            return _used(session, window.scope, self.key_hash(window.scope, key), epoch_ms(now))

    def wait(self, key: str, now: datetime, windows: Sequence[Window], count: int = 1) -> float:
        """Seconds until ``count`` more hits would fit in every window; 0.0 when they do now."""
        at = epoch_ms(now)
        with self._sessions() as session:
            return max(
                (_wait(session, w, self.key_hash(w.scope, key), at, count) for w in windows),
                default=0.0,
            )

    def remove(self, key: str, taken: datetime, windows: Sequence[Window], count: int) -> None:
        """Take back ``count`` hits counted at ``taken`` (permission that went unused)."""
        if count <= 0:
            return
        at = epoch_ms(taken)
        with self._sessions.begin() as session:
            for window in windows:
                _take_back(session, window, self.key_hash(window.scope, key), at, count)

    def forget(self, key: str, window: Window) -> None:
        """Drop every hit of ``key`` in this window's scope (e.g. after a good login)."""
        with self._sessions.begin() as session:
            session.execute(
                delete(RateLimitCounter).where(
                    RateLimitCounter.scope == window.scope,
                    RateLimitCounter.key_hash == self.key_hash(window.scope, key),
                )
            )

    def prune(self, now: datetime) -> int:
        """Delete every expired row, of every scope; how many."""
        with self._sessions.begin() as session:
            result = session.execute(
                delete(RateLimitCounter).where(RateLimitCounter.expires_at <= epoch_ms(now))
            )
        return int(getattr(result, "rowcount", 0) or 0)

    def _prune(self, at: int) -> None:
        with self._prune_lock:
            if self._pruned_at is not None and at - self._pruned_at < PRUNE_EVERY_MS:
                return
            self._pruned_at = at
        self.prune(datetime.fromtimestamp(at / 1000, UTC))


def _lock_id(key_hash: str) -> int:
    return int.from_bytes(bytes.fromhex(key_hash[:16]), "big", signed=True)


def _upsert(session: Session, window: Window, key_hash: str, at: int, count: int) -> None:
    table = RateLimitCounter
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table).values(
        scope=window.scope,
        key_hash=key_hash,
        window_start=window.bucket_of(at),
        hits=count,
        expires_at=at + window.length_ms,
    )
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[table.scope, table.key_hash, table.window_start],
            set_={
                "hits": table.hits + insert.excluded.hits,
                "expires_at": case(
                    (insert.excluded.expires_at > table.expires_at, insert.excluded.expires_at),
                    else_=table.expires_at,
                ),
            },
        )
    )


def _take_back(session: Session, window: Window, key_hash: str, at: int, count: int) -> None:
    """Uncount ``count`` hits of the bucket holding ``at`` (never below zero)."""
    table = RateLimitCounter
    session.execute(
        update(table)
        .where(
            table.scope == window.scope,
            table.key_hash == key_hash,
            table.window_start == window.bucket_of(at),
        )
        .values(hits=case((table.hits > count, table.hits - count), else_=0))
    )


def _used(session: Session, scope: str, key_hash: str, at: int) -> int:
    table = RateLimitCounter
    rows = session.scalars(
        select(table.hits).where(
            table.scope == scope, table.key_hash == key_hash, table.expires_at > at
        )
    )
    return sum(rows)


def _wait(session: Session, window: Window, key_hash: str, at: int, count: int) -> float:
    """Seconds until ``count`` more fit: free the rows soonest to expire until they do."""
    table = RateLimitCounter
    rows = session.execute(
        select(table.expires_at, table.hits)
        .where(table.scope == window.scope, table.key_hash == key_hash, table.expires_at > at)
        .order_by(table.expires_at)
    ).all()
    excess = sum(hits for _, hits in rows) + count - window.limit
    if excess <= 0:
        return 0.0
    for expires_at, hits in rows:
        excess -= hits
        if excess <= 0:
            # At least a millisecond: the caller sleeps and asks again.
            return max(1, expires_at - at) / 1000
    return window.length_ms / 1000  # pragma: no cover - count <= limit frees in time
