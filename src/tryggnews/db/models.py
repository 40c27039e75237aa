"""Typed SQLAlchemy models. Tables are plural, classes singular.

Shaped for what comes next without building it yet: ``Issue.version`` lets
approvals bind to one version of an issue; ``Delivery`` carries the claim lease
(``claimed_by``/``claimed_until``) and retry time a multi-worker sender needs;
``Subscriber.token_salt`` lets one person's links be revoked by rotation.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite has no time zone type and returns naive values; this stores UTC and
    always hands back an aware datetime, so comparisons never mix naive and aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), list[str]: JSON()}


class BlockStatus(enum.StrEnum):
    DRAFT = "draft"
    READY = "ready"
    APPROVED = "approved"


class IssueStatus(enum.StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    HELD = "held"
    SENT = "sent"


class SubscriberStatus(enum.StrEnum):
    PENDING = "pending"  # signed up, not yet confirmed (double opt-in)
    ACTIVE = "active"
    PAUSED = "paused"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"


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


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    # Stored as plain strings with a CHECK constraint: portable, readable in SQL,
    # and a new state is a migration of one constraint, not of a native type.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


class Organisation(Base):
    __tablename__ = "organisations"

    key: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(50))
    # Only polis and kommun sign off issues; "gemensam" owns the shared blocks.
    signs_off: Mapped[bool] = mapped_column(Boolean, default=True)


class FocusArea(Base):
    __tablename__ = "focus_areas"

    key: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)


class Block(Base):
    """A section drafted by one organisation: Markdown body, one focus area, its audiences."""

    __tablename__ = "blocks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    organisation_key: Mapped[str] = mapped_column(ForeignKey("organisations.key"))
    focus_area_key: Mapped[str] = mapped_column(ForeignKey("focus_areas.key"))
    # Audience keys; an empty list means the block is for everyone.
    audiences: Mapped[list[str]] = mapped_column(default=list)
    image_url: Mapped[str | None] = mapped_column(String(2000))
    image_alt: Mapped[str | None] = mapped_column(String(500))
    cta_url: Mapped[str | None] = mapped_column(String(2000))
    cta_label: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[BlockStatus] = mapped_column(
        _enum(BlockStatus, "block_status"), default=BlockStatus.DRAFT
    )
    evergreen: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    author: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    focus_area: Mapped[FocusArea] = relationship(lazy="joined")


class Issue(Base):
    """One newsletter issue: a planned send time and an ordered list of blocks."""

    __tablename__ = "issues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stable key from the plan, e.g. "2027-1"; unique so a re-run finds the same issue.
    key: Mapped[str] = mapped_column(String(50), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    preheader: Mapped[str] = mapped_column(String(300), default="")
    intro_md: Mapped[str] = mapped_column(Text, default="")
    planned_send_at: Mapped[datetime | None] = mapped_column()
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Stockholm")
    status: Mapped[IssueStatus] = mapped_column(
        _enum(IssueStatus, "issue_status"), default=IssueStatus.DRAFT
    )
    # Bumped on every edit; an approval is valid only for the version it names.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    # Why the scheduler did not send it (not approved at send time, missed the grace period).
    hold_reason: Mapped[str | None] = mapped_column(Text)

    placements: Mapped[list[IssueBlock]] = relationship(
        order_by="IssueBlock.position", cascade="all, delete-orphan", back_populates="issue"
    )

    __table_args__ = (UniqueConstraint("year", "number", name="uq_issues_year_number"),)


class IssueBlock(Base):
    """A block placed in an issue, at a position."""

    __tablename__ = "issue_blocks"

    issue_id: Mapped[int] = mapped_column(
        ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True
    )
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)

    issue: Mapped[Issue] = relationship(back_populates="placements")
    block: Mapped[Block] = relationship(lazy="joined")


class IssueVariant(Base):
    """An audience variant of an issue, recorded when sending starts.

    The ledger names each recipient's variant by key; this row says which blocks
    that key stands for, so a resumed send renders exactly what was snapshotted.
    """

    __tablename__ = "issue_variants"

    issue_id: Mapped[int] = mapped_column(
        ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    block_ids: Mapped[list[int]] = mapped_column(JSON)
    include_activities: Mapped[bool] = mapped_column(Boolean, default=True)
    audience_label: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Subscriber(Base):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Normalised (email-validator, domain lower-cased); unique case-insensitively via email_key.
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="sv")
    audiences: Mapped[list[str]] = mapped_column(default=list)
    # Topic keys (focus areas + "evenemang"); an empty list means every topic.
    topics: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[SubscriberStatus] = mapped_column(
        _enum(SubscriberStatus, "subscriber_status"), default=SubscriberStatus.PENDING
    )
    paused_until: Mapped[datetime | None] = mapped_column()
    # Part of every signed link; changing it revokes all links sent to this person.
    token_salt: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(100), default="")
    # GDPR legal basis the kommun relies on for this person: "consent" or "public-task".
    legal_basis: Mapped[str] = mapped_column(String(20), default="consent")
    # Temporary delivery failures in a row; past a threshold the address is suppressed.
    soft_bounces: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column()


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
        _enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    message_id: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column()
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        UniqueConstraint("issue_id", "subscriber_id", name="uq_deliveries_issue_subscriber"),
        Index("ix_deliveries_issue_status", "issue_id", "status"),
    )


class ConsentEventKind(enum.StrEnum):
    SUBSCRIBED = "subscribed"
    CONFIRMED = "confirmed"
    PREFERENCES_CHANGED = "preferences_changed"
    PAUSED = "paused"
    RESUMED = "resumed"
    UNSUBSCRIBED = "unsubscribed"
    IMPORTED = "imported"
    ERASED = "erased"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class ConsentEvent(Base):
    """Append-only record of what a person agreed to, when, and through which channel.

    Never updated or deleted by the application. When a person is erased their rows
    lose ``subscriber_id`` but keep ``email_hash``, so the history of an address can
    still be shown to whoever can name the address, and to nobody else.
    """

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="SET NULL"), index=True
    )
    # Keyed hash (HMAC with the secret key) of the case-folded address.
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[ConsentEventKind] = mapped_column(_enum(ConsentEventKind, "consent_event_kind"))
    # form, import, link, one-click, admin, provider-webhook, cli
    channel: Mapped[str] = mapped_column(String(30))
    legal_basis: Mapped[str] = mapped_column(String(20))
    # For sign-ups: which version of the Swedish consent text was shown, and its SHA-256.
    text_version: Mapped[str | None] = mapped_column(String(30))
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Suppression(Base):
    """An address that must never be mailed or re-imported, kept only as a keyed hash."""

    __tablename__ = "suppressions"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # erased, hard-bounce, complaint, blocked
    reason: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProviderEvent(Base):
    """A webhook event already handled, so a provider's retries change nothing twice."""

    __tablename__ = "provider_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(30))
    event_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(50))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("provider", "event_key", name="uq_provider_events_key"),)


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


# --- editors' workspace: accounts, approvals, audit log --------------------------------


class UserRole(enum.StrEnum):
    EDITOR = "editor"  # writes and approves content for their organisation
    ADMIN = "admin"  # also schedules sends and manages accounts


class User(Base):
    """An editor or administrator; belongs to the organisation it approves for."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored case-folded, so one person cannot get two accounts by case.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    organisation_key: Mapped[str] = mapped_column(ForeignKey("organisations.key"))
    role: Mapped[UserRole] = mapped_column(_enum(UserRole, "user_role"), default=UserRole.EDITOR)
    # argon2id hash; NULL until the person sets a password through their link.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Moves on every password change: sessions and set-password links made before are void.
    password_changed_at: Mapped[datetime | None] = mapped_column()
    last_login_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Approval(Base):
    """One organisation's yes to one version of an issue.

    Valid while ``withdrawn_at`` is NULL and ``issue_version`` equals the issue's
    current version; an edit withdraws it (the row stays, as history).
    """

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    issue_version: Mapped[int] = mapped_column(Integer)
    organisation_key: Mapped[str] = mapped_column(ForeignKey("organisations.key"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    # Why it was withdrawn, in Swedish, as shown on the issue page.
    withdrawn_reason: Mapped[str | None] = mapped_column(String(500))

    user: Mapped[User] = relationship(lazy="joined")


class AuditEvent(Base):
    """Append-only record of who did what to which object, and when.

    The application only ever inserts; a guard in ``content.audit`` refuses ORM
    updates and deletes of these rows.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The user's email address, or "cli:<login>" / "system" for work done outside the web.
    actor: Mapped[str] = mapped_column(String(320), index=True)
    # e.g. block.create, block.edit, issue.edit, approval.approve, approval.withdraw,
    # issue.schedule, issue.send, user.create, user.disable, auth.login
    action: Mapped[str] = mapped_column(String(50), index=True)
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[str] = mapped_column(String(100), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
