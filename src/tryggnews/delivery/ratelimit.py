"""How fast a sender may hand messages over: a per-second rate and a per-hour cap.

The rate is a token bucket holding at most one second of messages, so a send
runs at the set rate on average and never bursts more than a second's worth.
The hourly cap counts messages in one-minute buckets and forgets a bucket only
once its *last* possible message is an hour old, so no sliding hour ever holds
more than the cap (it may hold slightly fewer: the safe side of a provider's quota).

Time comes from a ``Ticker`` (monotonic seconds and a way to wait), so tests
drive the limiter with a ticker of their own instead of sleeping or patching time.
Limits are per limiter, i.e. per sending process: with several workers, give
each its share.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

HOUR = 3600.0
_BUCKET = 60.0


class Ticker(Protocol):
    """A monotonic time source that can also wait."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemTicker:
    """The real monotonic clock; ``sleep`` can be cut short by ``wake`` (a clean stop)."""

    def __init__(self) -> None:
        self._wake = threading.Event()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._wake.wait(seconds)

    def wake(self) -> None:
        """End every current and future ``sleep`` at once (the worker is stopping)."""
        self._wake.set()


class RateLimiter:
    """Grants permission to send ``count`` messages, waiting when a limit says so.

    ``per_second`` 0 means no rate limit and ``per_hour`` 0 no cap. ``burst`` is
    the most one call may ask for: the sender claims at most that many rows at
    a time, so it never holds claims while it waits.
    """

    def __init__(self, per_second: float = 0, per_hour: int = 0, *, ticker: Ticker) -> None:
        if per_second < 0 or per_hour < 0:
            raise ValueError("limits must be 0 (none) or positive")
        self.per_second = per_second
        self.per_hour = per_hour
        self._ticker = ticker
        self._capacity = max(1.0, per_second)
        self._tokens = self._capacity
        self._filled_at = ticker.monotonic()
        # (bucket start, messages) for the last hour and a minute, oldest first.
        self._hour: deque[list[float]] = deque()

    @property
    def limited(self) -> bool:
        return bool(self.per_second or self.per_hour)

    def burst(self, wanted: int) -> int:
        """How many of ``wanted`` messages one ``acquire`` may ask for."""
        limit = wanted
        if self.per_second:
            limit = min(limit, math.floor(self._capacity))
        if self.per_hour:
            limit = min(limit, self.per_hour)
        return max(1, limit)

    def delay(self, count: int) -> float:
        """Seconds until ``count`` messages may go; 0 when they may go now."""
        if count > self.burst(count):
            raise ValueError(f"cannot ask for {count} at once; at most {self.burst(count)}")
        now = self._ticker.monotonic()
        self._refill(now)
        wait = 0.0
        if self.per_second and self._tokens < count:
            wait = (count - self._tokens) / self.per_second
        if self.per_hour:
            wait = max(wait, self._hour_wait(now, count))
        return wait

    def take(self, count: int) -> None:
        """Record that ``count`` messages go now (after ``delay`` said 0)."""
        now = self._ticker.monotonic()
        self._refill(now)
        if self.per_second:
            self._tokens -= count
        if self.per_hour:
            start = now - now % _BUCKET
            if self._hour and self._hour[-1][0] == start:
                self._hour[-1][1] += count
            else:
                self._hour.append([start, float(count)])

    def give_back(self, count: int) -> None:
        """Return ``count`` messages taken but not sent (fewer rows were claimable)."""
        if count <= 0:
            return
        if self.per_second:
            self._tokens = min(self._capacity, self._tokens + count)
        left = float(count)
        for bucket in reversed(self._hour):
            undo = min(left, bucket[1])
            bucket[1] -= undo
            left -= undo
            if left <= 0:
                break

    def acquire(self, count: int, *, stop: Callable[[], bool] | None = None) -> bool:
        """Wait until ``count`` messages may go, then take them; True when taken.

        Returns False, taking nothing, as soon as ``stop()`` is true (checked
        before every wait), so a stopping worker does not sit out an hourly cap.
        """
        while (wait := self.delay(count)) > 0:
            if stop is not None and stop():
                return False
            self._ticker.sleep(wait)
        if stop is not None and stop():
            return False
        self.take(count)
        return True

    def _refill(self, now: float) -> None:
        if self.per_second:
            elapsed = max(0.0, now - self._filled_at)
            self._tokens = min(self._capacity, self._tokens + elapsed * self.per_second)
        self._filled_at = now
        # A bucket's last message went out before start + 60 s: forget it an hour after that.
        while self._hour and self._hour[0][0] + _BUCKET + HOUR <= now:
            self._hour.popleft()

    def _hour_wait(self, now: float, count: int) -> float:
        used = sum(n for _, n in self._hour)
        if used + count <= self.per_hour:
            return 0.0
        # Free buckets oldest first until the count fits; wait for the last one freed.
        excess = used + count - self.per_hour
        for start, n in self._hour:
            excess -= n
            if excess <= 0:
                return max(0.0, start + _BUCKET + HOUR - now)
        return HOUR  # pragma: no cover - count <= per_hour, so the loop always returns
