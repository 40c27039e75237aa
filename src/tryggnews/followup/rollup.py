"""Roll finished issues' delivery rows up into counts, so figures survive retention.

Retention (gallring) deletes per-recipient delivery rows once they are old enough.
Before it does, ``roll_up_deliveries`` turns them into ``delivery_rollups`` rows
(issue, variant, outcome, count) in the same transaction as the delete: the rows
counted are exactly the rows deleted (``DELETE … RETURNING``), so a rerun, or two
runs at once, never counts a row twice. The issue's row is locked first (``FOR
UPDATE`` on PostgreSQL; SQLite has one writer anyway) so concurrent runs take
turns per issue.

Complaints and unsubscriptions naming the issue (consent events) are rolled up too,
up to a mark (outcome ``events_through``, the last event id counted), because
retention may delete old consent events as well; later events are counted live.
Figures read through ``followup.figures`` are the same before and after.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tryggnews.db.models import ConsentEvent, Delivery, DeliveryRollup, Issue, IssueStatus
from tryggnews.followup.figures import EVENTS_THROUGH, UNKNOWN_VARIANT, event_counts, outcome_of


def roll_up_deliveries(session: Session, *, sent_before: datetime) -> int:
    """Roll up every issue sent (finished) before ``sent_before``; return rows rolled up.

    Adds each finished issue's delivery rows to ``delivery_rollups`` by variant and
    outcome and deletes those rows; brings its complaint and unsubscription counts up
    to date. Works in the caller's transaction (flushes, never commits): commit to
    keep, roll back and nothing happened. Idempotent: a second run adds nothing.
    """
    issue_ids = session.scalars(
        select(Issue.id)
        .where(Issue.status == IssueStatus.SENT, Issue.sent_at < sent_before)
        .order_by(Issue.id)
    ).all()
    rolled = 0
    for issue_id in issue_ids:
        rolled += _roll_up_issue(session, issue_id)
    session.flush()
    return rolled


def _roll_up_issue(session: Session, issue_id: int) -> int:
    issue = session.scalar(select(Issue).where(Issue.id == issue_id).with_for_update())
    if issue is None or issue.status != IssueStatus.SENT:
        return 0
    existing = {
        (row.variant, row.outcome): row
        for row in session.scalars(
            select(DeliveryRollup).where(DeliveryRollup.issue_id == issue_id)
        )
    }
    added: dict[tuple[str, str], int] = {}

    deleted = session.execute(
        delete(Delivery)
        .where(Delivery.issue_id == issue_id)
        .returning(Delivery.variant, Delivery.status, Delivery.soft_bounces)
    ).all()
    for variant, status, soft_bounces in deleted:
        key = (variant, outcome_of(status, soft_bounces))
        added[key] = added.get(key, 0) + 1

    mark_row = existing.get((UNKNOWN_VARIANT, EVENTS_THROUGH))
    mark = mark_row.count if mark_row is not None else 0
    newest = session.scalar(select(func.max(ConsentEvent.id))) or 0
    if newest > mark:
        for variant, outcome, count in event_counts(
            session, issue, after_id=mark, through_id=newest
        ):
            added[(variant, outcome)] = added.get((variant, outcome), 0) + count
        added[(UNKNOWN_VARIANT, EVENTS_THROUGH)] = newest - mark

    for (variant, outcome), count in added.items():
        row = existing.get((variant, outcome))
        if row is None:
            session.add(
                DeliveryRollup(issue_id=issue_id, variant=variant, outcome=outcome, count=count)
            )
        else:
            row.count += count
    return len(deleted)
