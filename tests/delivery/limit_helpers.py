"""Time for rate-limit tests: a ticker that moves only when the limiter sleeps, and the
wall clock it stands for; and a send limiter on the test's database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from tryggnews.db.counters import SharedCounters
from tryggnews.delivery.ratelimit import RateLimiter

SECRET = "test-secret-key-that-is-long-enough-0123456789"
EPOCH = datetime(2027, 3, 1, tzinfo=UTC)


class StepTicker:
    """Time that advances exactly by what the limiter sleeps; also its wall clock."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class WallClock:
    """The ``Clock`` of a ticker: its seconds after ``EPOCH`` as a UTC time."""

    def __init__(self, ticker: StepTicker) -> None:
        self.ticker = ticker

    def now(self) -> datetime:
        return EPOCH + timedelta(seconds=self.ticker.now)


def counters_of(session_factory: sessionmaker[Session]) -> SharedCounters:
    return SharedCounters(session_factory, SECRET)


def limiter_of(
    ticker: StepTicker, counters: SharedCounters, per_second: float = 0, per_hour: int = 0
) -> RateLimiter:
    return RateLimiter(
        per_second, per_hour, ticker=ticker, clock=WallClock(ticker), counters=counters
    )
