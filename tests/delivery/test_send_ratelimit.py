"""Rate limiter: messages per second on average, bursts of at most a second, a true hourly cap.

Driven by a ticker of the test's own (monotonic seconds that move only when the
limiter sleeps), so every figure is exact and no test waits.
"""

from __future__ import annotations

import pytest

from tryggnews.delivery.ratelimit import RateLimiter


class StepTicker:
    """Monotonic time that advances exactly by what the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_rate_paces_batches_to_the_set_average() -> None:
    ticker = StepTicker()
    limiter = RateLimiter(per_second=50, ticker=ticker)
    assert limiter.burst(500) == 50
    for _ in range(10):
        assert limiter.acquire(limiter.burst(500))
    # The first second's worth goes at once; the other nine each wait a second.
    assert ticker.now - 1000.0 == pytest.approx(9.0)


def test_a_slow_rate_sends_one_at_a_time() -> None:
    ticker = StepTicker()
    limiter = RateLimiter(per_second=0.5, ticker=ticker)
    assert limiter.burst(100) == 1
    for _ in range(3):
        limiter.acquire(1)
    assert ticker.now - 1000.0 == pytest.approx(4.0)


def test_hourly_cap_holds_over_any_hour() -> None:
    ticker = StepTicker()
    limiter = RateLimiter(per_hour=100, ticker=ticker)
    sent_at: list[float] = []
    for _ in range(25):
        assert limiter.acquire(10)
        sent_at += [ticker.now] * 10
    # No window of one hour holds more than the cap.
    for start in sent_at:
        assert sum(1 for t in sent_at if start <= t < start + 3600) <= 100
    assert ticker.now - 1000.0 >= 2 * 3600


def test_unused_permission_is_given_back() -> None:
    ticker = StepTicker()
    limiter = RateLimiter(per_second=10, per_hour=20, ticker=ticker)
    assert limiter.acquire(10)
    limiter.give_back(10)  # nothing was claimable
    assert limiter.delay(10) == 0
    assert limiter.acquire(10) and limiter.acquire(10)
    assert limiter.delay(1) > 3000  # the hour's 20 are used


def test_stop_ends_a_wait_without_taking() -> None:
    ticker = StepTicker()
    limiter = RateLimiter(per_hour=5, ticker=ticker)
    assert limiter.acquire(5)
    assert limiter.acquire(1, stop=lambda: True) is False
    assert ticker.slept == []


def test_no_limits_never_wait() -> None:
    ticker = StepTicker()
    limiter = RateLimiter(ticker=ticker)
    assert not limiter.limited
    assert limiter.burst(500) == 500 and limiter.acquire(500) and ticker.slept == []
