"""The scheduler's tables: the lease that lets one scheduler act, and notices sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tryggnews.db.models.base import Base, utcnow


class Lease(Base):
    """A named lease: the one process allowed to run something (the scheduler) holds it."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column()
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """A reminder, escalation or alert already sent; its key makes sending idempotent."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # e.g. "reminder:2027-1:polis:2027-02-01", "escalation:2027-1", "quota:2027:2027-06-01"
    key: Mapped[str] = mapped_column(String(200), unique=True)
    recipients: Mapped[list[str]] = mapped_column(default=list)
    subject: Mapped[str] = mapped_column(String(300))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
