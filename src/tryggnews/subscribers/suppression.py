"""The suppression list: addresses never to mail or re-import, kept only as keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tryggnews.db.models import Suppression

REASONS = ("erased", "hard-bounce", "complaint", "blocked", "soft-bounces")


def address_hash(secret_key: str, email_key: str) -> str:
    """Keyed hash of a case-folded address: equal for the same address, useless without the key."""
    digest = hmac.new(
        secret_key.encode("utf-8"), b"address:" + email_key.encode("utf-8"), hashlib.sha256
    )
    return digest.hexdigest()


def suppress(session: Session, *, email_hash: str, reason: str, now: datetime) -> bool:
    """Add the hash to the list; True when it was not there before. Flushes, never commits."""
    if reason not in REASONS:
        raise ValueError(f"unknown suppression reason {reason!r}")
    if session.get(Suppression, email_hash) is not None:
        return False
    session.add(Suppression(email_hash=email_hash, reason=reason, created_at=now))
    session.flush()
    return True


def is_suppressed(session: Session, email_hash: str) -> bool:
    return (
        session.scalar(select(Suppression.email_hash).where(Suppression.email_hash == email_hash))
        is not None
    )


def suppression_check(session: Session, secret_key: str) -> Callable[[str], bool]:
    """``email_key -> bool`` for the importer's ``is_suppressed`` seam."""

    def check(email_key: str) -> bool:
        return is_suppressed(session, address_hash(secret_key, email_key))

    return check


def lift_suppression(session: Session, email_hash: str) -> Suppression | None:
    """Take the hash off the list; the entry that was lifted, or None when it was not there.

    Only for an administrator who has a reason (the caller records it in the audit
    log): the address may then sign up again, or be imported. Flushes, never commits.
    """
    entry = session.get(Suppression, email_hash)
    if entry is None:
        return None
    session.delete(entry)
    session.flush()
    return entry


def suppression_counts(session: Session) -> dict[str, int]:
    """How many addresses are suppressed, per reason."""
    query = select(Suppression.reason, func.count()).group_by(Suppression.reason)
    return {reason: count for reason, count in session.execute(query)}
