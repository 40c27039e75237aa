"""The scheduler lease on SQLite and PostgreSQL: acquire, renew, expire, take over, release;
of many connections racing for an expired lease exactly one wins."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from tryggnews.db.engine import make_engine
from tryggnews.scheduler.lease import (
    acquire_lease,
    current_lease,
    release_lease,
    renew_lease,
)

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
TTL = timedelta(seconds=10)


def test_acquire_renew_expire_and_take_over(engine: Engine) -> None:
    assert current_lease(engine, "scheduler") is None
    assert acquire_lease(engine, "scheduler", "a", now=T0, ttl=TTL)
    assert not acquire_lease(engine, "scheduler", "b", now=T0 + timedelta(seconds=9), ttl=TTL)

    # Renewing moves the expiry; the first acquisition time stays.
    assert renew_lease(engine, "scheduler", "a", now=T0 + timedelta(seconds=8), ttl=TTL)
    lease = current_lease(engine, "scheduler")
    assert lease is not None
    assert (lease.holder, lease.expires_at, lease.acquired_at) == (
        "a",
        T0 + 2 * TTL - timedelta(seconds=2),
        T0,
    )
    assert not acquire_lease(engine, "scheduler", "b", now=T0 + timedelta(seconds=17), ttl=TTL)

    # Unrenewed, it expires; then another takes it and the old holder cannot renew.
    after = T0 + timedelta(seconds=18)
    assert acquire_lease(engine, "scheduler", "b", now=after, ttl=TTL)
    lease = current_lease(engine, "scheduler")
    assert lease is not None
    assert (lease.holder, lease.acquired_at) == ("b", after)
    assert not renew_lease(engine, "scheduler", "a", now=after, ttl=TTL)
    assert not release_lease(engine, "scheduler", "a")
    assert current_lease(engine, "scheduler") is not None


def test_an_expired_lease_is_not_renewed_even_by_its_holder(engine: Engine) -> None:
    assert acquire_lease(engine, "scheduler", "a", now=T0, ttl=TTL)
    assert not renew_lease(engine, "scheduler", "a", now=T0 + TTL, ttl=TTL)
    # It must take it again, like anyone else.
    assert acquire_lease(engine, "scheduler", "a", now=T0 + TTL, ttl=TTL)


def test_release_frees_the_lease_at_once(engine: Engine) -> None:
    assert acquire_lease(engine, "scheduler", "a", now=T0, ttl=TTL)
    assert release_lease(engine, "scheduler", "a")
    assert current_lease(engine, "scheduler") is None
    assert acquire_lease(engine, "scheduler", "b", now=T0 + timedelta(seconds=1), ttl=TTL)


def test_leases_are_independent_by_name(engine: Engine) -> None:
    assert acquire_lease(engine, "scheduler", "a", now=T0, ttl=TTL)
    assert acquire_lease(engine, "other", "b", now=T0, ttl=TTL)


def test_of_many_racing_for_an_expired_lease_exactly_one_wins(engine: Engine, db_url: str) -> None:
    assert acquire_lease(engine, "scheduler", "dead", now=T0, ttl=TTL)
    now = T0 + TTL + timedelta(seconds=1)
    contenders = 8
    engines = [make_engine(db_url) for _ in range(contenders)]
    barrier = threading.Barrier(contenders)
    won: list[str] = []

    def contend(index: int) -> None:
        barrier.wait()
        if acquire_lease(engines[index], "scheduler", f"p{index}", now=now, ttl=TTL):
            won.append(f"p{index}")

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(contenders)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for each in engines:
            each.dispose()
    assert len(won) == 1
    lease = current_lease(engine, "scheduler")
    assert lease is not None and lease.holder == won[0]
