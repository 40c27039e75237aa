"""Switching an issue's "Så går det med löftet" block on or off.

The block changes what readers get, so the switch is an edit like any other: it locks the
issue at the version the person saw, moves the version on, is audit-logged, and withdraws
the approvals still standing (returned, for the caller to tell the approvers).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tryggnews.content import audit
from tryggnews.content.approvals import (
    WithdrawnApproval,
    lock_issue,
    record_edit,
    require_editable,
)
from tryggnews.db.models import Issue


def set_promise_block(
    session: Session,
    issue_id: int,
    *,
    on: bool,
    expected_version: int | None,
    actor: str,
    now: datetime,
) -> tuple[Issue, list[WithdrawnApproval]]:
    """Switch the block; no change when it already is as asked (no new version then)."""
    issue = lock_issue(session, issue_id, expected_version)
    require_editable(issue)
    if issue.promise_block == on:
        return issue, []
    issue.promise_block = on
    issue.version += 1
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="issue.promise_block",
        object_type="issue",
        object_id=issue.key,
        details={"on": on, "version": issue.version},
        at=now,
    )
    change = "blocket ”Så går det med löftet” " + ("lades till" if on else "togs bort")
    return issue, record_edit(session, issue, actor=actor, change=change, now=now)
