"""Taking an issue, or one block, off the public archive with an audit-logged reason,
and putting it back.

A withdrawn issue's page answers 410 and the feed drops it; a withdrawn block is left
out of its issue's page and feed entry. What was emailed is not touched. Putting it back
is logged too, so the log tells the whole story of what the public could read when.
Messages are Swedish: administrators read them in the workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tryggnews.archive.public import STAFF_PREFIX
from tryggnews.content.audit import record
from tryggnews.content.issues import get_block, get_issue, issue_blocks
from tryggnews.db.models import Block, Issue, IssueBlock, IssueStatus
from tryggnews.errors import ValidationError

REASON_MAX = 2000


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise ValidationError("Skriv skälet till att det tas bort från arkivet.")
    if len(text) > REASON_MAX:
        raise ValidationError(f"Skälet får vara högst {REASON_MAX} tecken.")
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


def restore_issue(session: Session, ref: str, *, actor: str, now: datetime) -> str:
    """Put a withdrawn issue back on the archive; returns its key."""
    issue = get_issue(session, ref)
    if issue.web_withdrawn_at is None:
        raise ValidationError(f"Utskick {issue.key} är inte borttaget från arkivet.")
    issue.web_withdrawn_at = None
    issue.web_withdrawn_reason = None
    issue.updated_at = now  # the page and feed entry change: their caches must see it
    record(
        session,
        actor=actor,
        action="archive.restore_issue",
        object_type="issue",
        object_id=issue.id,
        details={"key": issue.key},
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
    block.updated_at = now
    record(
        session,
        actor=actor,
        action="archive.withdraw_block",
        object_type="block",
        object_id=block.id,
        details={"reason": text},
        at=now,
    )


def restore_block(session: Session, block_id: int, *, actor: str, now: datetime) -> None:
    """Show a withdrawn block on the archive again."""
    block = get_block(session, block_id)
    if block.web_withdrawn_reason is None:
        raise ValidationError(f"Block {block.id} är inte borttaget från arkivet.")
    block.web_withdrawn_reason = None
    block.updated_at = now
    record(
        session,
        actor=actor,
        action="archive.restore_block",
        object_type="block",
        object_id=block.id,
        details={},
        at=now,
    )


@dataclass(frozen=True)
class BlockStanding:
    id: int
    title: str
    # Why the public does not see it, in Swedish; empty when it is shown.
    hidden_because: str
    withdrawn: bool


@dataclass(frozen=True)
class IssueStanding:
    key: str
    title: str
    sent_at: datetime | None
    withdrawn_reason: str | None
    blocks: tuple[BlockStanding, ...]

    @property
    def public(self) -> bool:
        return self.withdrawn_reason is None and any(not b.hidden_because for b in self.blocks)


def _hidden_because(block: Block) -> str:
    if block.web_withdrawn_reason is not None:
        return f"Borttaget: {block.web_withdrawn_reason}"
    if not block.web_public:
        return "Markerat ”inte på webben”"
    audiences = list(block.audiences or [])
    if audiences and all(a.startswith(STAFF_PREFIX) for a in audiences):
        return "Bara för personal"
    return ""


def archive_standings(session: Session) -> list[IssueStanding]:
    """Every issue whose sending began, newest first, with what the public sees of it."""
    query = (
        select(Issue)
        .where(Issue.status.in_([IssueStatus.SENDING, IssueStatus.PAUSED, IssueStatus.SENT]))
        .options(selectinload(Issue.placements).joinedload(IssueBlock.block))
        .order_by(Issue.year.desc(), Issue.number.desc())
    )
    result = []
    for issue in session.scalars(query).unique():
        blocks = tuple(
            BlockStanding(
                id=b.id,
                title=b.title,
                hidden_because=_hidden_because(b),
                withdrawn=b.web_withdrawn_reason is not None,
            )
            for b in issue_blocks(issue)
        )
        result.append(
            IssueStanding(
                key=issue.key,
                title=issue.title,
                sent_at=issue.sent_at,
                withdrawn_reason=issue.web_withdrawn_reason,
                blocks=blocks,
            )
        )
    return result
