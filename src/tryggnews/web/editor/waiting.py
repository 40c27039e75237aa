"""The "Väntar på dig" list: what waits for the signed-in person's organisation, soonest first.

Three kinds of work, all tied to the plan's section deadlines (``schedule.toml``):
an issue waiting for this organisation's approval, a draft block of this organisation
(or a joint one) in an issue that is not yet approved, and a planned issue coming up
that has no block from this organisation yet. Who still has to approve is the
scheduler's rule (``scheduler.approval.waiting_for``), the same one its reminders use,
and the deadline is the plan's (``PlannedIssue.deadline``), so this list and the
reminder emails never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from tryggnews.content.issues import issue_blocks, list_issues
from tryggnews.content.organisations import JOINT_OWNER, SIGNING_ORGANISATIONS
from tryggnews.db.models import BlockStatus, Issue, IssueStatus
from tryggnews.planning.schedule import Schedule
from tryggnews.scheduler.approval import APPROVED_STATES, SETTLED_STATES, waiting_for

# Planned issues not yet started are listed when their deadline is this close.
PLAN_HORIZON = timedelta(days=45)
# Issues that can still change: approvals and block work are open on these.
OPEN_STATES = frozenset(IssueStatus) - APPROVED_STATES - SETTLED_STATES


@dataclass(frozen=True)
class WaitingItem:
    """One thing to do: what, for which issue, by when (None: no plan deadline)."""

    kind: str  # "approve", "block", "write"
    text: str
    issue_key: str
    deadline: date | None
    block_id: int | None = None

    def late(self, today: date) -> bool:
        return self.deadline is not None and self.deadline < today


def waiting_for_organisation(
    session: Session, schedule: Schedule | None, organisation: str, today: date
) -> list[WaitingItem]:
    """Everything that waits for ``organisation`` (``polis`` or ``kommun``), by deadline."""
    if organisation not in SIGNING_ORGANISATIONS:
        return []
    issues = list_issues(session)
    items: list[WaitingItem] = []
    for issue in issues:
        if issue.status not in OPEN_STATES:
            continue
        deadline = _deadline(schedule, issue.key)
        if organisation in waiting_for(session, issue):
            items.append(
                WaitingItem(
                    "approve",
                    f"Godkänn utskick {issue.key}: {issue.title}",
                    issue.key,
                    deadline,
                )
            )
        items += _draft_blocks(issue, organisation, deadline)
    items += _unwritten(schedule, issues, organisation, today)
    return sorted(items, key=lambda i: (i.deadline or date.max, i.issue_key, i.kind))


def _deadline(schedule: Schedule | None, key: str) -> date | None:
    planned = schedule.issue(key) if schedule else None
    return planned.deadline if planned else None


def _draft_blocks(issue: Issue, organisation: str, deadline: date | None) -> list[WaitingItem]:
    """Blocks of ``organisation`` (or joint ones) in ``issue`` still marked as drafts."""
    return [
        WaitingItem(
            "block",
            f"Gör klart blocket ”{block.title}” i utskick {issue.key}",
            issue.key,
            deadline,
            block_id=block.id,
        )
        for block in issue_blocks(issue)
        if block.status is BlockStatus.DRAFT
        and block.organisation_key in (organisation, JOINT_OWNER)
    ]


def _unwritten(
    schedule: Schedule | None, issues: Sequence[Issue], organisation: str, today: date
) -> list[WaitingItem]:
    """Planned issues whose deadline is near and that hold no block of ``organisation``."""
    if schedule is None:
        return []
    by_key = {issue.key: issue for issue in issues}
    items = []
    for planned in schedule.issues:
        if not today <= planned.deadline <= today + PLAN_HORIZON:
            continue
        issue = by_key.get(planned.key)
        if issue is not None and issue.status not in OPEN_STATES:
            continue
        owners = {b.organisation_key for b in issue_blocks(issue)} if issue else set()
        if organisation in owners or JOINT_OWNER in owners:
            continue
        items.append(
            WaitingItem(
                "write",
                f"Skriv {SIGNING_ORGANISATIONS[organisation]}s block till utskick "
                f"{planned.key}: {planned.title}",
                planned.key,
                planned.deadline,
            )
        )
    return items
