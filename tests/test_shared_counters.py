"""Shared rate-limit counters (``db/counters.py``) on a real SQLite file and PostgreSQL.

Independent engines stand for independent processes: each has its own connections,
so nothing is shared but the database. Many threads over two engines hitting one
key at the same instant get exactly ``limit`` hits through, never more; the window
slides; keys are stored only as keyed hashes; expired rows are pruned.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.db.counters import SharedCounters, Window
from tryggnews.db.engine import make_engine, make_session_factory
from tryggnews.db.models import RateLimitCounter

SECRET = "test-secret-key-that-is-long-enough-0123456789"
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
WINDOW = Window("test", limit=5, seconds=600)


@pytest.fixture
def counters(session_factory: sessionmaker[Session]) -> SharedCounters:
    return SharedCounters(session_factory, SECRET)


@pytest.fixture
def second_engine(db_url: str, engine: Engine) -> Iterator[Engine]:
    """Another engine on the same (migrated) database: another process's connections."""
    other = make_engine(db_url)
    yield other
    other.dispose()


def rows(session_factory: sessionmaker[Session]) -> list[RateLimitCounter]:
    with session_factory() as session:
        return list(session.scalars(select(RateLimitCounter)))


def test_at_most_the_limit_in_any_window(counters: SharedCounters) -> None:
    assert [counters.try_add("k", T0, [WINDOW]) for _ in range(6)] == [0.0] * 5 + [600.0]
    assert counters.used("k", T0, WINDOW) == 5  # the refused hit is not counted
    assert counters.used("other", T0, WINDOW) == 0
    # Still full a moment before the first hits are a window old; free exactly then.
    assert counters.try_add("k", T0 + timedelta(seconds=599.999), [WINDOW]) > 0
    assert counters.try_add("k", T0 + timedelta(seconds=600), [WINDOW]) == 0


def test_the_window_slides_and_the_wait_says_until_when(counters: SharedCounters) -> None:
    for minute in range(5):
        assert counters.try_add("k", T0 + timedelta(minutes=minute), [WINDOW]) == 0
    # Full at minute 9: the hit of minute 0 frees a place at minute 10.
    at = T0 + timedelta(minutes=9)
    assert counters.try_add("k", at, [WINDOW]) == pytest.approx(60.0)
    assert counters.wait("k", at, [WINDOW], count=2) == pytest.approx(120.0)
    assert counters.try_add("k", T0 + timedelta(minutes=10), [WINDOW]) == 0


def test_all_windows_or_none(counters: SharedCounters) -> None:
    tight = Window("tight", limit=2, seconds=60)
    assert counters.try_add("k", T0, [WINDOW, tight], count=2) == 0
    # The tight window refuses, so the wide one does not count it either.
    assert counters.try_add("k", T0, [WINDOW, tight]) == pytest.approx(60.0)
    assert counters.used("k", T0, WINDOW) == 2
    counters.remove("k", T0, [WINDOW, tight], count=2)
    assert counters.used("k", T0, tight) == counters.used("k", T0, WINDOW) == 0
    with pytest.raises(ValueError, match="limit of 2"):
        counters.try_add("k", T0, [tight], count=3)


def test_note_count_and_forget(counters: SharedCounters) -> None:
    for _ in range(7):
        counters.add("k", T0, WINDOW)  # counted whatever the limit
    assert counters.used("k", T0, WINDOW) == 7
    counters.forget("k", WINDOW)
    assert counters.used("k", T0, WINDOW) == 0


def test_keys_are_stored_only_as_keyed_hashes(
    counters: SharedCounters, session_factory: sessionmaker[Session]
) -> None:
    counters.try_add("203.0.113.66", T0, [WINDOW])
    [row] = rows(session_factory)
    assert "203.0.113" not in row.key_hash and len(row.key_hash) == 32
    assert row.key_hash == counters.key_hash("test", "203.0.113.66")
    # Another secret gives another hash: the hash cannot be looked up without the key.
    assert SharedCounters(session_factory, "x" * 40).key_hash("test", "203.0.113.66") != (
        row.key_hash
    )


def test_expired_rows_are_pruned(
    counters: SharedCounters, session_factory: sessionmaker[Session]
) -> None:
    for n in range(3):
        counters.try_add(f"k{n}", T0 + timedelta(minutes=n), [WINDOW])
    assert counters.prune(T0 + timedelta(minutes=11)) == 2
    assert [row.expires_at for row in rows(session_factory)] == [
        int((T0 + timedelta(minutes=12)).timestamp() * 1000)
    ]
    # A hit more than a minute after the last prune sweeps by itself.
    counters.try_add("late", T0 + timedelta(hours=2), [WINDOW])
    assert [row.key_hash for row in rows(session_factory)] == [counters.key_hash("test", "late")]


def test_two_processes_hitting_at_once_never_pass_the_limit(
    session_factory: sessionmaker[Session], second_engine: Engine
) -> None:
    """Eight threads over two engines, 40 tries each at the same instant: exactly the limit."""
    window = Window("race", limit=37, seconds=60)
    factories = [session_factory, make_session_factory(second_engine)]
    granted: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def hammer(factory: sessionmaker[Session]) -> None:
        counters = SharedCounters(factory, SECRET)
        start.wait()
        mine = sum(1 for _ in range(40) if counters.try_add("one key", T0, [window]) == 0)
        with lock:
            granted.append(mine)

    threads = [threading.Thread(target=hammer, args=(factories[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(granted) == 37, granted
    with session_factory() as session:
        assert session.scalar(select(func.sum(RateLimitCounter.hits))) == 37


def test_a_hit_in_the_next_bucket_at_the_same_moment_is_still_counted(
    session_factory: sessionmaker[Session], second_engine: Engine
) -> None:
    """Across a bucket boundary two processes write different rows; still never over."""
    window = Window("edge", limit=10, seconds=1, bucket=0.1)
    factories = [session_factory, make_session_factory(second_engine)]
    granted: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def hammer(n: int) -> None:
        counters = SharedCounters(factories[n % 2], SECRET)
        # Half on each side of a bucket boundary, all within one window.
        at = T0 + timedelta(milliseconds=99 if n % 2 else 100)
        start.wait()
        mine = sum(1 for _ in range(10) if counters.try_add("edge", at, [window]) == 0)
        with lock:
            granted.append(mine)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(granted) == 10, granted
