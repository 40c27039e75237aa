"""The evergreen fill: complete an approved issue left thin at its section deadline
with reusable evergreen blocks (only with ``auto_fill = true``).

Separate because it is the one job that changes an issue's content.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock
from tryggnews.content.issues import add_block, issue_blocks
from tryggnews.db.models import Block, BlockStatus, Issue, IssueBlock
from tryggnews.planning.schedule import Schedule
from tryggnews.scheduler.actions import Action, deliver_notice
from tryggnews.scheduler.approval import is_approved, reusable_evergreen_blocks
from tryggnews.scheduler.deadlines import deadline_end, find_issue
from tryggnews.scheduler.notices import autofill_notice
from tryggnews.scheduler.notifier import Notifier

# An approved issue with fewer approved blocks than this is "thin" (see fill_with_evergreen).
THIN_ISSUE_BLOCKS = 3


def fill_with_evergreen(
    session_factory: sessionmaker[Session],
    clock: Clock,
    *,
    schedule: Schedule,
    notifier: Notifier | None,
    grace: timedelta,
) -> list[Action]:
    """With ``auto_fill = true``: complete approved issues left thin at their deadline.

    An issue approved by both organisations whose deadline has passed, which is not
    sent yet and has fewer than ``THIN_ISSUE_BLOCKS`` approved blocks, gets reusable
    evergreen blocks (``reusable_evergreen_blocks``; the least used first) until it has
    enough. Nothing else is ever added: a block that is not approved for reuse never
    goes out this way. The editors and administrators are told what was added.
    """
    if not schedule.newsletter.auto_fill:
        return []
    now = clock.now()
    actions: list[Action] = []
    for planned in schedule.issues:
        if now < deadline_end(planned, schedule.tz) or now > planned.send_at + grace:
            continue
        with session_factory.begin() as session:
            issue = find_issue(session, planned.key)
            if issue is None or not is_approved(session, issue):
                continue
            added = _fill(session, issue)
            version = issue.version
        if not added:
            continue
        actions.append(Action("filled", planned.key, ", ".join(f"block {i}" for i, _ in added)))
        if notifier is not None:
            notice = autofill_notice(
                planned.key,
                version,
                [title for _, title in added],
                schedule.newsletter.editors.everyone + schedule.newsletter.administrators,
                link=notifier.link(planned.key),
                name=schedule.newsletter.name,
            )
            actions += deliver_notice(
                session_factory, notifier, notice, now, "autofill", planned.key
            )
    return actions


def _fill(session: Session, issue: Issue) -> list[tuple[int, str]]:
    blocks = issue_blocks(issue)
    missing = THIN_ISSUE_BLOCKS - sum(1 for b in blocks if b.status == BlockStatus.APPROVED)
    if missing <= 0:
        return []
    placed = {b.id for b in blocks}
    usage: dict[int, int] = {
        block_id: count
        for block_id, count in session.execute(
            select(IssueBlock.block_id, func.count()).group_by(IssueBlock.block_id)
        ).all()
    }
    candidates = [b for b in reusable_evergreen_blocks(session) if b.id not in placed]
    candidates.sort(key=lambda b: (usage.get(b.id, 0), b.id))
    chosen: list[Block] = candidates[:missing]
    for block in chosen:
        add_block(session, issue, block)
    return [(b.id, b.title) for b in chosen]
