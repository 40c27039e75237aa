"""Sliding windows of login attempts, in this process's memory.

Two are kept (see ``services``): every attempt per client address, which stops one
client from trying many accounts; and failures per (typed address, client), which
stops one client from guessing one password and decides whether the account lock
(in the database) applies to it. Keyed by the address typed, not by the account, so
known and unknown addresses are throttled alike. Kept in memory: the editors' app
runs as one process, and a restart forgetting the window is harmless next to the
account lock.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

from tryggnews.clock import Clock


class AttemptLimiter:
    """At most ``limit`` attempts per key within ``window``."""

    def __init__(self, clock: Clock, *, limit: int, window: timedelta) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window
        self._attempts: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count an attempt for ``key``; False when it is over the limit."""
        with self._lock:
            attempts = self._recent(key)
            if len(attempts) >= self._limit:
                return False
            self._add(key)
            return True

    def count(self, key: str) -> int:
        """How many attempts ``key`` has within the window (counts none)."""
        with self._lock:
            return len(self._recent(key))

    def over(self, key: str) -> bool:
        """True when ``key`` has used up its attempts (counts none)."""
        return self.count(key) >= self._limit

    def note(self, key: str) -> None:
        """Count one attempt for ``key`` whatever the limit (a failure that happened)."""
        with self._lock:
            self._recent(key)
            self._add(key)

    def forget(self, key: str) -> None:
        with self._lock:
            self._attempts.pop(key, None)

    def _recent(self, key: str) -> deque[datetime]:
        now = self._clock.now()
        attempts = self._attempts.setdefault(key, deque())
        while attempts and attempts[0] <= now - self._window:
            attempts.popleft()
        return attempts

    def _add(self, key: str) -> None:
        self._attempts[key].append(self._clock.now())
        if len(self._attempts) > 10_000:
            # Never grow without bound: forget keys whose window has passed.
            for stale in [k for k, v in self._attempts.items() if not v]:
                del self._attempts[stale]
