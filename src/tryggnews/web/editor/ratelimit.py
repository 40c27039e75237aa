"""Sliding windows of login attempts, shared by every web process through the database.

Two are kept (see ``services``): every attempt per client address, which stops one
client from trying many accounts; and failures per (typed address, client), which
stops one client from guessing one password and decides whether the account lock
(in the database too) applies to it. Keyed by the address typed, not by the
account, so known and unknown addresses are throttled alike. The counters are in
``db/counters.py`` (keys stored only as keyed hashes), so several ``serve``
processes or hosts throttle together instead of each allowing the limit.
"""

from __future__ import annotations

from datetime import timedelta

from tryggnews.clock import Clock
from tryggnews.db.counters import SharedCounters, Window


class AttemptLimiter:
    """At most ``limit`` attempts per key within ``window``."""

    def __init__(
        self,
        clock: Clock,
        counters: SharedCounters,
        *,
        scope: str,
        limit: int,
        window: timedelta,
    ) -> None:
        self._clock = clock
        self._counters = counters
        self._window = Window(scope, limit, window.total_seconds())

    def allow(self, key: str) -> bool:
        """Count an attempt for ``key``; False when it is over the limit."""
        return self._counters.try_add(key, self._clock.now(), [self._window]) == 0

    def count(self, key: str) -> int:
        """How many attempts ``key`` has within the window (counts none)."""
        return self._counters.used(key, self._clock.now(), self._window)

    def over(self, key: str) -> bool:
        """True when ``key`` has used up its attempts (counts none)."""
        return self.count(key) >= self._window.limit

    def note(self, key: str) -> None:
        """Count one attempt for ``key`` whatever the limit (a failure that happened)."""
        self._counters.add(key, self._clock.now(), self._window)

    def forget(self, key: str) -> None:
        self._counters.forget(key, self._window)
