"""Rate limits for the public forms (sign-up, "email me my link"), shared by every process.

The limits exist to stop one machine from flooding the forms and to stop the forms
from being used to flood one mailbox. The counters are in the database
(``db/counters.py``), so four ``serve`` processes behind a proxy, or two hosts,
allow what one would, not four times as much. The cost is two or three short
statements per form post; nothing on a page view.

A sliding window per key. Time comes from the app's ``Clock``, so tests move a
``FixedClock`` instead of sleeping. Keys are stored only as keyed hashes (the
counters hash every key with the secret key): no client or email address is kept.
"""

from __future__ import annotations

from datetime import timedelta

from tryggnews.clock import Clock
from tryggnews.db.counters import SharedCounters, Window


class RateLimiter:
    """At most ``limit`` hits per key in any ``window``, across processes."""

    def __init__(
        self, scope: str, limit: int, window: timedelta, clock: Clock, counters: SharedCounters
    ) -> None:
        self.limit = limit
        self.window = window
        self._window = Window(scope, limit, window.total_seconds())
        self._clock = clock
        self._counters = counters

    def hit(self, key: str) -> bool:
        """Count one attempt for ``key``; False (and not counted) when over the limit."""
        return self._counters.try_add(key, self._clock.now(), [self._window]) == 0


class PublicLimits:
    """The limits of the public forms, one set per app (the counters are shared).

    Per IP: generous, because a school or an office signs up from one address
    (a staff meeting of 30 people). Per address: tight, because nobody needs more
    than a few confirmation emails an hour, and a stranger must not be able to use
    the form to fill someone's inbox.
    """

    PER_IP = 30
    PER_IP_WINDOW = timedelta(minutes=10)
    PER_ADDRESS = 3
    PER_ADDRESS_WINDOW = timedelta(hours=1)

    def __init__(self, clock: Clock, counters: SharedCounters) -> None:
        self.by_ip = RateLimiter("public-ip", self.PER_IP, self.PER_IP_WINDOW, clock, counters)
        self.by_address = RateLimiter(
            "public-address", self.PER_ADDRESS, self.PER_ADDRESS_WINDOW, clock, counters
        )
