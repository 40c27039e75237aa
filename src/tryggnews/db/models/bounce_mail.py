"""Bounce mail already read from the bounce mailbox (``tryggnews bounces fetch``).

One row per message processed, whatever it turned out to be, so reading the
mailbox again never counts a bounce twice: the key is the message's Message-ID
(or, without one, its bytes), hashed to a fixed length.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tryggnews.db.models.base import Base, utcnow


class BounceMessage(Base):
    """A message from the bounce mailbox and what it was taken to mean.

    ``outcome`` is ``hard``, ``soft``, ``auto-reply``, ``ignored`` (a delay notice)
    or ``unattributed`` (kept in the mailbox and reported; ``detail`` says why).
    """

    __tablename__ = "bounce_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_key: Mapped[str] = mapped_column(String(80), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(300))
    outcome: Mapped[str] = mapped_column(String(20))
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL")
    )
    detail: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)
