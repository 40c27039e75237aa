"""Rate limits for the public forms (sign-up, "email me my link"), kept in memory.

Why in memory and not in the database: the limits exist to stop one machine from
flooding the forms and to stop the forms from being used to flood one mailbox.
Both are served by counters that live as long as the web process; losing them on
a restart costs nothing, and a table would add a migration and a write to every
sign-up for no gain. The price: each web process counts for itself, so with N
processes the effective limit is N times the one set here — run one waitress
process (its threads share the counters), and put a per-IP limit in the reverse
proxy when running several.

A sliding window per key: the times of the last hits, at most ``limit`` of them.
Time comes from the app's ``Clock``, so tests move a ``FixedClock`` instead of
sleeping. Keys are opaque strings; callers pass keyed hashes of addresses, so the
counters hold no address in clear.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

from tryggnews.clock import Clock

# Beyond this many keys, entries whose window has passed are swept out, so a flood
# of distinct keys cannot grow memory without bound.
SWEEP_AT = 10_000


class RateLimiter:
    """At most ``limit`` hits per key in any ``window``; thread-safe."""

    def __init__(self, limit: int, window: timedelta, clock: Clock) -> None:
        if limit <= 0 or window <= timedelta(0):
            raise ValueError("a rate limit needs a positive limit and window")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> bool:
        """Count one attempt for ``key``; False (and not counted) when over the limit."""
        now = self._clock.now()
        start = now - self.window
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= SWEEP_AT:
                    self._sweep(start)
                hits = self._hits[key] = deque()
            while hits and hits[0] <= start:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def _sweep(self, start: datetime) -> None:
        stale = [key for key, hits in self._hits.items() if not hits or hits[-1] <= start]
        for key in stale:
            del self._hits[key]


class PublicLimits:
    """The limits of the public forms, one set per app.

    Per IP: generous, because a school or an office signs up from one address
    (a staff meeting of 30 people). Per address: tight, because nobody needs more
    than a few confirmation emails an hour, and a stranger must not be able to use
    the form to fill someone's inbox.
    """

    PER_IP = 30
    PER_IP_WINDOW = timedelta(minutes=10)
    PER_ADDRESS = 3
    PER_ADDRESS_WINDOW = timedelta(hours=1)

    def __init__(self, clock: Clock) -> None:
        self.by_ip = RateLimiter(self.PER_IP, self.PER_IP_WINDOW, clock)
        self.by_address = RateLimiter(self.PER_ADDRESS, self.PER_ADDRESS_WINDOW, clock)
