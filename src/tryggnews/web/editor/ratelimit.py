"""A sliding-window limit on login attempts per client address, in this process's memory.

Account lockout (in the database) stops guessing one person's password; this stops
one client from trying many accounts. Kept in memory: the editors' app runs as one
process, and a restart forgetting the window is harmless next to the lockout.
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
        now = self._clock.now()
        with self._lock:
            attempts = self._attempts.setdefault(key, deque())
            while attempts and attempts[0] <= now - self._window:
                attempts.popleft()
            if len(attempts) >= self._limit:
                return False
            attempts.append(now)
            if len(self._attempts) > 10_000:
                # Never grow without bound: forget keys whose window has passed.
                for stale in [k for k, v in self._attempts.items() if not v]:
                    del self._attempts[stale]
            return True
