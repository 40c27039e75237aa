"""What the scheduler and ``plan status`` count as approved, in one place.

An issue may go out only when both organisations have approved its current version
(DESIGN.md). The approval workflow (``content/approvals.py``) records each approval
against ``Issue.version``, sets ``Issue.status = approved`` only when both stand, and
sets it back to draft in the same transaction as any edit or withdrawal. So
``approved`` and ``scheduled`` mean "both approved"; a draft may carry one standing
approval, which ``plan status`` shows. ``Publisher.send`` checks the status again with
the issue row locked, so an edit between the scheduler's check and the send holds it.
"""

from __future__ import annotations

import enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.content.approvals import standing_approvals
from tryggnews.content.organisations import SIGNING_ORGANISATIONS
from tryggnews.db.models import Block, BlockStatus, Issue, IssueStatus

# The scheduler sends these; it moves "approved" to "scheduled" once it has a job for it.
APPROVED_STATES = frozenset({IssueStatus.APPROVED, IssueStatus.SCHEDULED})
# States the scheduler has nothing more to decide about (the sender or a person has).
SETTLED_STATES = frozenset(
    {IssueStatus.SENDING, IssueStatus.PAUSED, IssueStatus.HELD, IssueStatus.SENT}
)


class ApprovalState(enum.StrEnum):
    """An issue's state as ``plan status`` shows it (English, like all CLI output)."""

    DRAFT = "draft"
    WAITING_FOR_POLIS = "waiting for police approval"
    WAITING_FOR_KOMMUN = "waiting for kommun approval"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    HELD = "held"
    SENT = "sent"


def approved_by(session: Session, issue: Issue) -> frozenset[str]:
    """The organisations (of ``polis``, ``kommun``) that approved the issue's current version."""
    if issue.status in APPROVED_STATES or issue.status in SETTLED_STATES:
        return frozenset(SIGNING_ORGANISATIONS)
    return frozenset(standing_approvals(session, issue)) & frozenset(SIGNING_ORGANISATIONS)


def waiting_for(session: Session, issue: Issue) -> tuple[str, ...]:
    """Organisations whose approval the issue still needs, in a fixed order."""
    done = approved_by(session, issue)
    return tuple(org for org in SIGNING_ORGANISATIONS if org not in done)


def is_approved(session: Session, issue: Issue) -> bool:
    """Whether the scheduler may send ``issue`` now (both organisations, current version)."""
    return issue.status in APPROVED_STATES and not waiting_for(session, issue)


def approval_state(session: Session, issue: Issue) -> ApprovalState:
    """The state ``plan status`` shows for an issue in the database."""
    if issue.status not in (IssueStatus.DRAFT, IssueStatus.APPROVED):
        return ApprovalState(issue.status.value)
    waiting = waiting_for(session, issue)
    if not waiting:
        return ApprovalState.APPROVED
    if len(waiting) == len(SIGNING_ORGANISATIONS):
        return ApprovalState.DRAFT
    return (
        ApprovalState.WAITING_FOR_POLIS
        if waiting == ("polis",)
        else ApprovalState.WAITING_FOR_KOMMUN
    )


def reusable_evergreen_blocks(session: Session) -> list[Block]:
    """Blocks both organisations approved for reuse, oldest first.

    The rule: ``evergreen`` and ``status == approved`` (a block becomes approved when
    both organisations approve an issue holding it, and back to draft on any edit);
    nothing else decides it.
    """
    return list(
        session.scalars(
            select(Block)
            .where(Block.evergreen.is_(True), Block.status == BlockStatus.APPROVED)
            .order_by(Block.id)
        )
    )
