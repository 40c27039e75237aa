"""The delivery ledger: one row per issue × subscriber, and provider events handled.

``Delivery`` carries the claim lease (``claimed_by``/``claimed_until``) and the retry
time a multi-worker sender needs.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tryggnews.db.models.base import Base, enum_column, utcnow


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    BOUNCED = "bounced"
    SKIPPED = "skipped"


# The ledger's unfinished states: a row in one of them still has to be sent, and an issue
# is finished when none is left. Owned here, beside the states, so the ledger, publishing
# and GDPR erasure (a room below delivery) share one definition.
OUTSTANDING_DELIVERY_STATES = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.RETRY)


class Delivery(Base):
    """The ledger: one row per issue × subscriber; the truth about who got what."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"))
    # NULL once the person has been erased: the send log stays, the person does not.
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="SET NULL")
    )
    # Which rendered variant this recipient gets, fixed when the audience is snapshotted.
    variant: Mapped[str] = mapped_column(String(64))
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    message_id: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Soft bounces reported for this message (provider or bounce mail), so the follow-up
    # can count them per issue; before migration 0011 only ``last_error`` kept a note.
    soft_bounces: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column()
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        UniqueConstraint("issue_id", "subscriber_id", name="uq_deliveries_issue_subscriber"),
        # With id last, a claim reads an issue's pending rows oldest first straight from the
        # index instead of walking past every row already sent (migration 0010).
        Index("ix_deliveries_issue_status", "issue_id", "status", "id"),
        # One person's rows, in order: the preference centre's list of received issues and
        # the export (migration 0009); also what ON DELETE SET NULL needs at erasure.
        Index("ix_deliveries_subscriber", "subscriber_id", "id"),
    )


class ProviderEvent(Base):
    """A webhook event already handled, so a provider's retries change nothing twice."""

    __tablename__ = "provider_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(30))
    event_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(50))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("provider", "event_key", name="uq_provider_events_key"),)


class DeliveryRollup(Base):
    """Counts kept for an issue after its per-recipient delivery rows were deleted (gallring).

    One row per issue, audience variant and outcome (the follow-up's figure names, owned
    by ``tryggnews.followup``); figures per issue are the live rows plus these counts, so
    the yearly report stays true after retention.
    """

    __tablename__ = "delivery_rollups"

    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), primary_key=True)
    variant: Mapped[str] = mapped_column(String(64), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(30), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
