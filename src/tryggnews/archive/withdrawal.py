"""Taking an issue, or one block, off the public archive, with an audit-logged reason.

A withdrawn issue's page answers 410 and the feed drops it; a withdrawn block is left
out of its issue's page and feed entry. What was emailed is not touched.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tryggnews.content.audit import record
from tryggnews.content.issues import get_block, get_issue
from tryggnews.errors import ValidationError

REASON_MAX = 2000


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise ValidationError("reason: say why it is taken off the archive")
    if len(text) > REASON_MAX:
        raise ValidationError(f"reason: at most {REASON_MAX} characters")
    return text


def withdraw_issue(session: Session, ref: str, *, reason: str, actor: str, now: datetime) -> str:
    """Take the issue off the archive; returns its key. Raises for an unknown issue."""
    text = _reason(reason)
    issue = get_issue(session, ref)
    issue.web_withdrawn_at = now
    issue.web_withdrawn_reason = text
    record(
        session,
        actor=actor,
        action="archive.withdraw_issue",
        object_type="issue",
        object_id=issue.id,
        details={"key": issue.key, "reason": text},
        at=now,
    )
    return issue.key


def withdraw_block(
    session: Session, block_id: int, *, reason: str, actor: str, now: datetime
) -> None:
    """Take one block off every archive page it appears on."""
    text = _reason(reason)
    block = get_block(session, block_id)
    block.web_withdrawn_reason = text
    record(
        session,
        actor=actor,
        action="archive.withdraw_block",
        object_type="block",
        object_id=block.id,
        details={"reason": text},
        at=now,
    )
