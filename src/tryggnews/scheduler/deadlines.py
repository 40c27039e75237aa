"""Where a planned issue stands against its section deadline, in the plan's time zone.

The evergreen fill, the reminders and the escalations all compare ``now`` with local
moments of the plan (08:00 on a reminder day, midnight after a deadline) and look up
the stored issue behind a plan entry; this module holds those lookups so each job
module reads the plan the same way.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.db.models import Issue
from tryggnews.planning.schedule import PlannedIssue


def at_local(day: date, moment: time, tz: ZoneInfo) -> datetime:
    """``day`` at wall-clock ``moment`` in ``tz`` (never in the DST hour: 08:00, 09:00)."""
    return datetime.combine(day, moment, tzinfo=tz)


def deadline_end(planned: PlannedIssue, tz: ZoneInfo) -> datetime:
    """The instant the section deadline has passed: midnight after the deadline day."""
    return at_local(planned.deadline + timedelta(days=1), time(0, 0), tz)


def find_issue(session: Session, key: str) -> Issue | None:
    """The stored issue for a plan entry, or None while nobody has created it."""
    return session.scalar(select(Issue).where(Issue.key == key))
