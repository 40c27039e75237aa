"""How fast senders may hand messages over: a per-second rate and a per-hour cap,
shared by every sending process and host that uses the same database.

The relay's limits hold for the deployment, not per process, so the counters are in
the database (``db/counters.py``): two workers, or a worker and an ``issue send``,
together never exceed them. Both are sliding windows: the rate allows at most
``rate`` messages in any second (for rates under one a second: one message per
``1/rate`` seconds), and no sliding hour ever holds more than the cap.

Permission is reserved in chunks: one reservation per batch (at most a second's
worth with a rate, at most the batch size otherwise), so the database sees one
short transaction per batch and the per-message path none. The price: a
reservation counts when it is made, not when each message leaves (as before), and
a worker that dies between reserving and claiming keeps its unused permits until
they expire — the cap errs on the safe side. A worker that claims fewer rows than
it reserved gives the rest back at once.

Waiting comes from a ``Ticker`` (a way to sleep that a clean stop can cut short)
and time from a wall ``Clock`` — monotonic time is per process, and the windows
are shared — so tests drive the limiter with a clock of their own instead of
sleeping or patching time. Hosts sharing the database must keep their clocks in
step (NTP): a skew of a tenth of a second lets a tenth of a second's worth through.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Protocol

from tryggnews.clock import Clock
from tryggnews.db.counters import SharedCounters, Window
from tryggnews.delivery.reconnect import with_reconnect

HOUR = 3600.0
_HOUR_BUCKET = 60.0
# The key every sender shares: one relay (or provider account) per deployment.
RELAY = "relay"


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
    a time, so it never holds claims while it waits. The counts are in
    ``counters`` under ``key``, shared with every limiter using the same database.
    """

    def __init__(
        self,
        per_second: float = 0,
        per_hour: int = 0,
        *,
        ticker: Ticker,
        clock: Clock,
        counters: SharedCounters,
        key: str = RELAY,
    ) -> None:
        if per_second < 0 or per_hour < 0:
            raise ValueError("limits must be 0 (none) or positive")
        self.per_second = per_second
        self.per_hour = per_hour
        self._ticker = ticker
        self._clock = clock
        self._counters = counters
        self._key = key
        self._windows: list[Window] = []
        if per_second:
            # At least a second, so a rate under one a second still allows one message.
            seconds = max(1.0, 1.0 / per_second)
            limit = max(1, math.floor(per_second * seconds))
            self._windows.append(Window("send-rate", limit, seconds, bucket=seconds / 10))
        if per_hour:
            self._windows.append(Window("send-hour", per_hour, HOUR, bucket=_HOUR_BUCKET))
        self._taken_at: datetime | None = None

    @property
    def limited(self) -> bool:
        return bool(self._windows)

    def burst(self, wanted: int) -> int:
        """How many of ``wanted`` messages one ``acquire`` may ask for."""
        return max(1, min([wanted, *(window.limit for window in self._windows)]))

    def delay(self, count: int) -> float:
        """Seconds until ``count`` messages may go; 0 when they may go now (takes none)."""
        self._check(count)
        if not self._windows:
            return 0.0
        return with_reconnect(
            lambda: self._counters.wait(self._key, self._clock.now(), self._windows, count),
            what="reading the send rate",
        )

    def give_back(self, count: int) -> None:
        """Return ``count`` messages taken but not sent (fewer rows were claimable)."""
        if count <= 0 or not self._windows or self._taken_at is None:
            return
        taken = self._taken_at
        with_reconnect(
            lambda: self._counters.remove(self._key, taken, self._windows, count),
            what="giving back unused permission to send",
        )

    def acquire(self, count: int, *, stop: Callable[[], bool] | None = None) -> bool:
        """Wait until ``count`` messages may go, then take them; True when taken.

        Returns False, taking nothing, as soon as ``stop()`` is true (checked
        before every try and every wait), so a stopping worker does not sit out an
        hourly cap. Taking is one transaction for both limits: another process
        cannot slip in between the check and the count.
        """
        self._check(count)
        while True:
            if stop is not None and stop():
                return False
            if not self._windows:
                return True
            now = self._clock.now()
            wait = with_reconnect(
                partial(self._counters.try_add, self._key, now, self._windows, count),
                what="reserving permission to send",
            )
            if wait <= 0:
                self._taken_at = now
                return True
            self._ticker.sleep(wait)

    def acquire_some(self, count: int, *, stop: Callable[[], bool] | None = None) -> int:
        """Take as many of ``count`` messages as may go now, waiting only while none may.

        How a sender reserves its next batch: with 2 of the hour's cap left it gets 2
        now rather than waiting an hour for ``count``. Returns 0, taking nothing, as
        soon as ``stop()`` is true.
        """
        self._check(count)
        while True:
            if stop is not None and stop():
                return 0
            if not self._windows:
                return count
            now = self._clock.now()
            granted, wait = with_reconnect(
                partial(self._counters.take_up_to, self._key, now, self._windows, count),
                what="reserving permission to send",
            )
            if granted:
                self._taken_at = now
                return granted
            self._ticker.sleep(wait)

    def _check(self, count: int) -> None:
        if count > self.burst(count):
            raise ValueError(f"cannot ask for {count} at once; at most {self.burst(count)}")
