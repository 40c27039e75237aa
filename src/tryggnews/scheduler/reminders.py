"""Reminders before a section deadline and escalations after one passed unapproved.

Both are notices about one planned issue's approval, sent once per key; they differ
only in whom they go to and when.
"""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock
from tryggnews.content.organisations import SIGNING_ORGANISATIONS
from tryggnews.planning.schedule import Schedule
from tryggnews.scheduler.actions import Action, deliver_notice
from tryggnews.scheduler.approval import SETTLED_STATES, waiting_for
from tryggnews.scheduler.deadlines import at_local, deadline_end, find_issue
from tryggnews.scheduler.notices import escalation_notice, reminder_notice
from tryggnews.scheduler.notifier import Notifier

# Reminders go out from this local time on their day (not at midnight).
NOTICE_TIME = time(8, 0)


def send_reminders(
    session_factory: sessionmaker[Session],
    clock: Clock,
    *,
    schedule: Schedule,
    notifier: Notifier,
) -> list[Action]:
    """Remind each organisation's editors, at the plan's offsets before a section deadline.

    Only organisations that have not approved are reminded; after downtime only the
    latest reminder that fell due is sent (one email, not a backlog). Each
    (issue, organisation, reminder day) goes out once.
    """
    now = clock.now()
    actions: list[Action] = []
    for planned in schedule.issues:
        if now >= deadline_end(planned, schedule.tz):
            continue
        due = [d for d in planned.reminder_dates if at_local(d, NOTICE_TIME, schedule.tz) <= now]
        if not due:
            continue
        day = max(due)
        with session_factory() as session:
            issue = find_issue(session, planned.key)
            if issue is not None and issue.status in SETTLED_STATES:
                continue
            waiting = tuple(SIGNING_ORGANISATIONS) if issue is None else waiting_for(session, issue)
        for organisation in waiting:
            notice = reminder_notice(
                planned,
                organisation,
                schedule.newsletter.editors.for_organisation(organisation),
                reminder_day=day.isoformat(),
                link=notifier.link(planned.key),
                name=schedule.newsletter.name,
                exists=issue is not None,
            )
            actions += deliver_notice(
                session_factory, notifier, notice, now, "reminder", planned.key
            )
    return actions


def escalate_missed_deadlines(
    session_factory: sessionmaker[Session],
    clock: Clock,
    *,
    schedule: Schedule,
    notifier: Notifier,
    grace: timedelta,
) -> list[Action]:
    """Tell both organisations' escalation contacts when a deadline passed unapproved.

    Also when the plan's issue does not exist in the database by its deadline (then
    the administrators, who create issues, are told too). Once per issue, and only
    while it can still go out (until its send time plus ``grace``).
    """
    now = clock.now()
    newsletter = schedule.newsletter
    actions: list[Action] = []
    for planned in schedule.issues:
        if now < deadline_end(planned, schedule.tz) or now > planned.send_at + grace:
            continue
        with session_factory() as session:
            issue = find_issue(session, planned.key)
            if issue is not None and (issue.status in SETTLED_STATES):
                continue
            waiting = tuple(SIGNING_ORGANISATIONS) if issue is None else waiting_for(session, issue)
        if not waiting:
            continue
        recipients = newsletter.escalation.everyone
        if issue is None:
            recipients += newsletter.administrators
        notice = escalation_notice(
            planned,
            waiting,
            recipients,
            link=notifier.link(planned.key),
            name=newsletter.name,
            exists=issue is not None,
            minimum=newsletter.min_issues_per_year,
        )
        actions += deliver_notice(session_factory, notifier, notice, now, "escalation", planned.key)
    return actions
