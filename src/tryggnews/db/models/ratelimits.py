"""Rate-limit counters shared by every process: the public forms, editors' logins, sending.

One row per (scope, key, window_start): how many hits a key had in one short bucket of
time, and until when they still count. Times are whole milliseconds since the epoch
(not timestamps) because the send rate works in fractions of a second and the
comparisons must be the same on SQLite and PostgreSQL. ``key_hash`` is an HMAC of
the key under the secret key, so no client address or email address is stored.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tryggnews.db.models.base import Base


class RateLimitCounter(Base):
    """Hits of one key in one bucket; counted until ``expires_at`` (its last hit + the window)."""

    __tablename__ = "rate_limit_counters"

    # e.g. "signup-ip", "login-client", "send-hour"
    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Start of the bucket, ms since the epoch.
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    # ms since the epoch; pruning deletes by it, so it has an index of its own.
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)
