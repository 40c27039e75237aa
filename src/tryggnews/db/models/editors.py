"""The editors' workspace: accounts, approvals per issue version, the audit log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tryggnews.db.models.base import Base, enum_column, utcnow
from tryggnews.db.models.content import Organisation


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
    role: Mapped[UserRole] = mapped_column(
        enum_column(UserRole, "user_role"), default=UserRole.EDITOR
    )
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


class EditorSession(Base):
    """One signed-in browser: the cookie holds a random id, this row its SHA-256.

    Checked on every request; a row with ``revoked_at`` set, an inactive account or a
    ``last_seen_at`` older than the idle limit opens nothing. Logout revokes the row,
    a password change, disabling and "sign out everywhere" revoke all of a user's.
    """

    __tablename__ = "editor_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # hex SHA-256 of the random id in the cookie: a copy of this table opens nothing.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()
    # Why it ended: logout, idle, password-changed, disabled, signed-out-everywhere.
    revoked_reason: Mapped[str | None] = mapped_column(String(30))


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

    # The log filtered to one object ("what happened to issue 2027-1?"), migration 0009.
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)
