"""The quota watchdog: alert the administrators when this year (or next year's plan)
cannot reach ``min_issues_per_year``.

Separate because it looks at the whole year, not one issue at a time.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock
from tryggnews.db.models import Issue, IssueStatus
from tryggnews.planning.plan import plan_status
from tryggnews.planning.schedule import Schedule
from tryggnews.render.dates import format_day
from tryggnews.scheduler.actions import Action, deliver_notice
from tryggnews.scheduler.notices import next_year_notice, quota_notice
from tryggnews.scheduler.notifier import Notifier

# The quota watchdog looks once a day from this local time.
QUOTA_TIME = time(9, 0)
# From this (month, day) it also asks, once a week, for next year's plan: the year's
# first issue goes out in February, with its section deadline ten days earlier.
NEXT_YEAR_PLAN_FROM = (10, 1)


def check_quota(
    session_factory: sessionmaker[Session],
    clock: Clock,
    *,
    schedule: Schedule,
    notifier: Notifier,
    grace: timedelta,
) -> list[Action]:
    """From 09:00 local, once a day: alert the administrators when this year's sent
    issues plus those that can still go out are fewer than ``min_issues_per_year``.

    "Can still go out": not sent, not held, and its send time has not passed by more
    than ``grace`` (or it is being sent). Issues in the database that are not in the
    plan count too. From 1 October, also once a week while next year's plan holds
    fewer issues than the minimum.
    """
    now = clock.now()
    local = now.astimezone(schedule.tz)
    if local.time() < QUOTA_TIME:
        return []
    return _check_this_year(session_factory, now, schedule, notifier, grace) + _check_next_year(
        session_factory, now, schedule, notifier
    )


def _check_next_year(
    session_factory: sessionmaker[Session], now: datetime, schedule: Schedule, notifier: Notifier
) -> list[Action]:
    local = now.astimezone(schedule.tz)
    if (local.month, local.day) < NEXT_YEAR_PLAN_FROM:
        return []
    year = local.year + 1
    planned = [issue.key for issue in schedule.issues_in(year)]
    minimum = schedule.newsletter.min_issues_per_year
    if len(planned) >= minimum:
        return []
    iso = local.isocalendar()
    notice = next_year_notice(
        year,
        planned,
        minimum,
        schedule.newsletter.administrators,
        week=f"{iso.year}-W{iso.week:02d}",
        name=schedule.newsletter.name,
    )
    return deliver_notice(session_factory, notifier, notice, now, "quota", str(year))


def _check_this_year(
    session_factory: sessionmaker[Session],
    now: datetime,
    schedule: Schedule,
    notifier: Notifier,
    grace: timedelta,
) -> list[Action]:
    local = now.astimezone(schedule.tz)
    year = local.year
    with session_factory() as session:
        rows = session.execute(
            select(Issue.key, Issue.year, Issue.status, Issue.planned_send_at)
        ).all()
        states = {key: (y, status, at) for key, y, status, at in rows}
    sent = {key for key, (_, status, _) in states.items() if status == IssueStatus.SENT}
    status = plan_status(schedule, year, today=local.date(), sent_keys=sent)

    def possible(status_: IssueStatus | None, at: datetime | None) -> bool:
        if status_ in (IssueStatus.SENDING, IssueStatus.PAUSED):
            return True
        if status_ in (IssueStatus.SENT, IssueStatus.HELD):
            return False
        return at is not None and at + grace >= now

    lines: list[str] = []
    count = 0
    for planned in schedule.issues_in(year):
        _, state, at = states.get(planned.key, (year, None, None))
        ok = planned.key not in sent and possible(state, at or planned.send_at)
        count += ok
        lines.append(f"- {planned.key} {format_day(planned.send_on)}: {_quota_word(state, ok)}")
    planned_keys = {p.key for p in schedule.issues}
    for key, (issue_year, state, at) in sorted(states.items()):
        if issue_year == year and key not in planned_keys and possible(state, at):
            count += 1
            lines.append(f"- {key} (utanför planen): kan gå ut")
    if status.sent + count >= status.minimum:
        return []
    notice = quota_notice(
        status,
        count,
        lines,
        schedule.newsletter.administrators,
        day=local.date().isoformat(),
        name=schedule.newsletter.name,
    )
    return deliver_notice(session_factory, notifier, notice, now, "quota", str(year))


def _quota_word(state: IssueStatus | None, possible: bool) -> str:
    if state == IssueStatus.SENT:
        return "skickat"
    if state == IssueStatus.HELD:
        return "stoppat"
    if not possible:
        return "utskickstiden har passerat"
    return "kan gå ut" if state is not None else "kan gå ut (inte skapat ännu)"
