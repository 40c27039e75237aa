"""Pausing and resuming a send, and finding the sends that workers should serve.

Pause is a state of the issue, not a signal to a process: every sender checks it
before it claims a batch, so all workers on every machine stop after the batch
they are sending, and nothing is lost — the ledger keeps every row where it was.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.db.models import Issue, IssueStatus
from tryggnews.errors import TryggnewsError


class IssuePausedError(TryggnewsError):
    """The issue's send is paused; ``tryggnews issue resume`` continues it."""

    def __init__(self, issue_key: str) -> None:
        self.issue_key = issue_key
        super().__init__(
            f"issue {issue_key} is paused: run `tryggnews issue resume {issue_key}` to go on"
        )


def pause_sending(session: Session, issue: Issue, *, now: datetime) -> None:
    """``sending`` → ``paused``; senders stop after their current batch."""
    if issue.status == IssueStatus.PAUSED:
        return
    if issue.status != IssueStatus.SENDING:
        raise TryggnewsError(
            f"issue {issue.key} is {issue.status.value}, not sending: only a send in progress "
            "can be paused"
        )
    issue.status = IssueStatus.PAUSED
    issue.updated_at = now


def resume_sending(session: Session, issue: Issue, *, now: datetime) -> None:
    """``paused`` → ``sending``; a running worker picks it up at its next poll."""
    if issue.status == IssueStatus.SENDING:
        return
    if issue.status != IssueStatus.PAUSED:
        raise TryggnewsError(
            f"issue {issue.key} is {issue.status.value}, not paused: nothing to resume"
        )
    issue.status = IssueStatus.SENDING
    issue.updated_at = now


def sending_issue_ids(session: Session) -> list[int]:
    """Issues whose send is in progress (not paused, not finished), oldest first."""
    return list(
        session.scalars(
            select(Issue.id).where(Issue.status == IssueStatus.SENDING).order_by(Issue.id)
        )
    )
