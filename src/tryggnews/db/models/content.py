"""The editorial tables: organisations, focus areas, blocks, issues and their variants.

``Issue.version`` lets approvals bind to one version of an issue; a variant row says
which blocks an audience variant stands for, so a resumed send renders what was
snapshotted.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tryggnews.db.models.base import Base, enum_column, utcnow
from tryggnews.db.models.translations import (
    BlockTranslation,
    IssueTranslation,
    LanguagePolicy,
    language_policy_column,
)


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
    # Its messages could not be built (see ``Issue.failure_reason``); an edit makes it a draft.
    FAILED = "failed"


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
        enum_column(BlockStatus, "block_status"), default=BlockStatus.DRAFT
    )
    evergreen: Mapped[bool] = mapped_column(Boolean, default=False)
    # False: "inte på webben", the block is sent but never shown in the public archive.
    web_public: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Set when an administrator takes the block off the archive (e.g. for a legal reason).
    web_withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    author: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # What readers of a language the block has no translation for get (translations.py).
    language_policy: Mapped[LanguagePolicy] = language_policy_column()
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    focus_area: Mapped[FocusArea] = relationship(lazy="joined")
    translations: Mapped[list[BlockTranslation]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by=BlockTranslation.language
    )


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
        enum_column(IssueStatus, "issue_status"), default=IssueStatus.DRAFT
    )
    # Bumped on every edit; an approval is valid only for the version it names.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    # When its sending began: from then on the public archive shows it.
    published_at: Mapped[datetime | None] = mapped_column()
    # Why the scheduler did not send it (not approved at send time, missed the grace period).
    hold_reason: Mapped[str | None] = mapped_column(Text)
    # Why its messages could not be built (status ``failed``), for editors and admins.
    failure_reason: Mapped[str | None] = mapped_column(Text)
    # Set when an administrator takes the issue off the public archive; its page answers 410.
    web_withdrawn_at: Mapped[datetime | None] = mapped_column()
    web_withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    # The editor's switch for the automatic "Så går det med löftet" block.
    promise_block: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    placements: Mapped[list[IssueBlock]] = relationship(
        order_by="IssueBlock.position", cascade="all, delete-orphan", back_populates="issue"
    )
    translations: Mapped[list[IssueTranslation]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by=IssueTranslation.language
    )

    __table_args__ = (
        UniqueConstraint("year", "number", name="uq_issues_year_number"),
        # The archive and the dashboard ask for the sent issues, newest first (0009).
        Index("ix_issues_status_sent_at", "status", "sent_at"),
        Index("ix_issues_published_at", "published_at"),
    )


@event.listens_for(Issue.sent_at, "set")
def _published_when_sent(target: Issue, value: datetime | None, *_: object) -> None:
    """An issue marked sent with no recorded start (history brought in by hand, a test)
    is public from when it was sent; a real send records the start at its snapshot."""
    if value is not None and target.published_at is None:
        target.published_at = value


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
    # The reader language the variant is rendered in (translations, fixed text, direction).
    language: Mapped[str] = mapped_column(String(8), default="sv", server_default="sv")
    # The audiences in that language, for the footer (VariantSpec.reader_label).
    reader_label: Mapped[str] = mapped_column(String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
