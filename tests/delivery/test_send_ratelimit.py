"""Rate limiter: messages per second on average, bursts of at most a second, a true hourly cap.

Driven by a ticker of the test's own (seconds that move only when the limiter
sleeps, and the wall clock they stand for), so every figure is exact and no test
waits. The counts are in the test's real database (SQLite file and PostgreSQL),
as in production; ``test_shared_send_limits`` runs several limiters against one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from limit_helpers import StepTicker, counters_of, limiter_of
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.db.counters import SharedCounters
from tryggnews.db.engine import make_engine, make_session_factory


@pytest.fixture
def counters(session_factory: sessionmaker[Session]) -> SharedCounters:
    return counters_of(session_factory)


def test_rate_paces_batches_to_the_set_average(counters: SharedCounters) -> None:
    ticker = StepTicker()
    limiter = limiter_of(ticker, counters, per_second=50)
    assert limiter.burst(500) == 50
    for _ in range(10):
        assert limiter.acquire(limiter.burst(500))
    # The first second's worth goes at once; the other nine each wait a second.
    assert ticker.now - 1000.0 == pytest.approx(9.0)


def test_a_slow_rate_sends_one_at_a_time(counters: SharedCounters) -> None:
    ticker = StepTicker()
    limiter = limiter_of(ticker, counters, per_second=0.5)
    assert limiter.burst(100) == 1
    for _ in range(3):
        limiter.acquire(1)
    assert ticker.now - 1000.0 == pytest.approx(4.0)


def test_hourly_cap_holds_over_any_hour(counters: SharedCounters) -> None:
    ticker = StepTicker()
    limiter = limiter_of(ticker, counters, per_hour=100)
    sent_at: list[float] = []
    for _ in range(25):
        assert limiter.acquire(10)
        sent_at += [ticker.now] * 10
    # No window of one hour holds more than the cap.
    for start in sent_at:
        assert sum(1 for t in sent_at if start <= t < start + 3600) <= 100
    assert ticker.now - 1000.0 >= 2 * 3600


def test_unused_permission_is_given_back(counters: SharedCounters) -> None:
    ticker = StepTicker()
    limiter = limiter_of(ticker, counters, per_second=10, per_hour=20)
    assert limiter.acquire(10)
    limiter.give_back(10)  # nothing was claimable
    assert limiter.delay(10) == 0
    assert limiter.acquire(10) and limiter.acquire(10)
    assert limiter.delay(1) > 3000  # the hour's 20 are used


def test_stop_ends_a_wait_without_taking(counters: SharedCounters) -> None:
    ticker = StepTicker()
    limiter = limiter_of(ticker, counters, per_hour=5)
    assert limiter.acquire(5)
    assert limiter.acquire(1, stop=lambda: True) is False
    assert ticker.slept == []


def test_no_limits_never_wait(counters: SharedCounters) -> None:
    ticker = StepTicker()
    limiter = limiter_of(ticker, counters)
    assert not limiter.limited
    assert limiter.burst(500) == 500 and limiter.acquire(500) and ticker.slept == []


@pytest.fixture
def second_counters(db_url: str, engine: Engine) -> Iterator[SharedCounters]:
    """Counters on an engine of their own over the same database: another worker's."""
    other = make_engine(db_url)
    yield counters_of(make_session_factory(other))
    other.dispose()


def test_two_workers_share_the_hourly_cap(
    counters: SharedCounters, second_counters: SharedCounters
) -> None:
    ticker = StepTicker()
    first = limiter_of(ticker, counters, per_hour=100)
    second = limiter_of(ticker, second_counters, per_hour=100)
    # Each alone would allow 100 in the hour; together they get 100, not 200.
    granted = [
        limiter.delay(10) == 0 and limiter.acquire(10)
        for _ in range(8)
        for limiter in (first, second)
    ]
    assert granted.count(True) == 10
    assert first.delay(1) > 3000 and second.delay(1) > 3000
    # Permission one gives back is the other's to take.
    first.give_back(10)
    assert second.delay(10) == 0 and second.acquire(10)
    assert first.delay(1) > 3000


def test_two_workers_share_the_rate(
    counters: SharedCounters, second_counters: SharedCounters
) -> None:
    ticker = StepTicker()
    limiters = [
        limiter_of(ticker, counters, per_second=50),
        limiter_of(ticker, second_counters, per_second=50),
    ]
    taken_at: list[float] = []
    for n in range(10):
        assert limiters[n % 2].acquire(50)
        taken_at.append(ticker.now)
    # 500 messages at 50 a second between them: nine seconds, as one worker alone
    # (each worker pacing itself to 50 a second would have taken four).
    assert ticker.now - 1000.0 == pytest.approx(9.0)
    for start in taken_at:
        assert sum(50 for t in taken_at if start <= t < start + 1) <= 50


def test_a_sender_takes_what_is_left_of_the_cap_instead_of_waiting(
    counters: SharedCounters, second_counters: SharedCounters
) -> None:
    ticker = StepTicker()
    first = limiter_of(ticker, counters, per_hour=20)
    second = limiter_of(ticker, second_counters, per_hour=20)
    assert [limiter.acquire_some(3) for _ in range(3) for limiter in (first, second)] == [3] * 6
    assert first.acquire_some(3) == 2  # what is left now, not an hour later
    assert ticker.slept == []
    assert second.acquire_some(3, stop=lambda: True) == 0
    # Nothing left: the next waits for the first hits to be an hour old.
    assert second.acquire_some(3) == 3 and ticker.now - 1000.0 == pytest.approx(3600.0)
