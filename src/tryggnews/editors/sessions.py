"""Editors' sessions kept on the server, so that ending one really ends it.

Signing in makes a random id (32 bytes, URL-safe) that goes into the browser's
cookie; the database keeps only its SHA-256 in ``editor_sessions``. Every request
looks the row up: a revoked row, an inactive account or a row idle for longer than
the limit opens nothing. A copied cookie therefore stops working the moment the
session is revoked — on logout (that one session), and for every session of the
account on a password change, when the account is disabled, or when an
administrator signs the person out everywhere.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from tryggnews.db.models import EditorSession, User

# Writing last_seen_at on every click is needless: once a minute is exact enough.
TOUCH_EVERY = timedelta(minutes=1)
# Ended sessions are deleted this long after they ended (the audit log keeps the story).
KEEP_ENDED = timedelta(days=30)


class SessionState(enum.StrEnum):
    ACTIVE = "active"
    UNKNOWN = "unknown"  # no such id (never made, deleted, or forged)
    IDLE = "idle"  # not used for longer than the idle limit
    ENDED = "ended"  # revoked, or the account is disabled


class RevokeReason(enum.StrEnum):
    LOGOUT = "logout"
    RESET = "password-changed"
    DISABLED = "disabled"
    EVERYWHERE = "signed-out-everywhere"


@dataclass(frozen=True)
class SessionCheck:
    state: SessionState
    user: User | None = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(session: Session, user: User, *, now: datetime, idle: timedelta) -> str:
    """A new session for ``user``; returns the id for the cookie (flushes, never commits)."""
    token = secrets.token_urlsafe(32)
    session.add(
        EditorSession(token_hash=_hash(token), user_id=user.id, created_at=now, last_seen_at=now)
    )
    # Tidy up this person's old rows while we are here: ended or long idle.
    old = now - max(KEEP_ENDED, idle)
    session.execute(
        delete(EditorSession).where(
            EditorSession.user_id == user.id,
            or_(EditorSession.revoked_at < old, EditorSession.last_seen_at < old),
        )
    )
    session.flush()
    return token


def check_session(session: Session, token: str, *, now: datetime, idle: timedelta) -> SessionCheck:
    """Whether the cookie's id opens the workspace, and for whom; notes the activity."""
    row = session.scalar(select(EditorSession).where(EditorSession.token_hash == _hash(token)))
    if row is None:
        return SessionCheck(SessionState.UNKNOWN)
    user = session.get(User, row.user_id)
    if row.revoked_at is not None or user is None or not user.active:
        return SessionCheck(SessionState.ENDED)
    if now - row.last_seen_at > idle:
        row.revoked_at = now
        row.revoked_reason = "idle"
        return SessionCheck(SessionState.IDLE)
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return SessionCheck(SessionState.ACTIVE, user)


def revoke_session(session: Session, token: str, *, now: datetime, reason: RevokeReason) -> None:
    """End the one session with this id (logout)."""
    session.execute(
        update(EditorSession)
        .where(EditorSession.token_hash == _hash(token), EditorSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason.value)
    )


def revoke_all(session: Session, user_id: int, *, now: datetime, reason: RevokeReason) -> int:
    """End every open session of one account; returns how many were open."""
    result = session.execute(
        update(EditorSession)
        .where(EditorSession.user_id == user_id, EditorSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason.value)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
