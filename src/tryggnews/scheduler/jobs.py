"""The scheduler's jobs: each looks at the database and the plan as of ``clock.now()``,
does what is due, and can run again at any time without doing anything twice.

That is what makes the scheduler safe across restarts, downtime and DST: the
APScheduler triggers (``runner``) only decide *when to look*; what is due is decided
here from stored state — an issue's ``planned_send_at`` (an instant, in UTC), the
plan's dates in its time zone, the ``notifications`` already sent, the ledger.

Words used by the jobs:
- *deadline end*: midnight after the section deadline (local time), when a deadline
  has passed;
- *grace*: after downtime, an issue whose send time passed less than this long ago is
  still sent; older ones are held (setting ``send_grace_hours``).

This module holds a whole pass over the jobs (plus the one-line purge); the jobs
live by concern in ``sending``, ``evergreen``, ``reminders`` and ``quota``, which share
``actions`` and ``deadlines`` and never import this module or each other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock
from tryggnews.planning.schedule import Schedule
from tryggnews.retention import RetentionPeriods
from tryggnews.scheduler.actions import Action
from tryggnews.scheduler.evergreen import fill_with_evergreen
from tryggnews.scheduler.notifier import Notifier
from tryggnews.scheduler.quota import check_quota
from tryggnews.scheduler.reminders import escalate_missed_deadlines, send_reminders
from tryggnews.scheduler.retention import run_retention
from tryggnews.scheduler.sending import (
    Sending,
    retry_due_deliveries,
    schedule_approved_issues,
    send_due_issues,
)
from tryggnews.subscribers.gdpr import purge_unconfirmed

log = logging.getLogger("tryggnews.scheduler")


def purge_unconfirmed_signups(
    session_factory: sessionmaker[Session], clock: Clock, *, older_than: timedelta
) -> list[Action]:
    """Delete sign-ups never confirmed after ``older_than`` (``purge_unconfirmed_days``)."""
    with session_factory.begin() as session:
        count = purge_unconfirmed(session, now=clock.now(), older_than=older_than)
    return [Action("purged", "sign-ups", f"{count} never confirmed")] if count else []


# --- a whole pass --------------------------------------------------------------------------


ALL_JOBS = frozenset(
    {"retries", "fill", "sends", "reminders", "escalations", "quota", "purge", "bounces"}
)


@dataclass(frozen=True)
class PassContext:
    """What one pass over every job needs; built by the runner for each pass."""

    session_factory: sessionmaker[Session]
    clock: Clock
    schedule: Schedule | None
    sending: Sending
    notifier: Notifier | None
    grace: timedelta
    purge_after: timedelta
    jobs: frozenset[str] = field(default_factory=lambda: ALL_JOBS)
    # Reads the bounce mailbox (``bounce_mail``); None when no mailbox is configured.
    bounces: Callable[[], list[Action]] | None = None
    # Retention periods; the ``retention`` job runs only when named (its daily trigger).
    retention: RetentionPeriods | None = None


def run_due_pass(context: PassContext) -> tuple[list[Action], dict[str, datetime]]:
    """Run the chosen jobs in a fixed order and mark approved issues ``scheduled``.

    Order: retries, evergreen fill, sends (so a filled issue goes out complete),
    reminders, escalations, quota, purge, bounces (when a bounce mailbox is set),
    retention (only when named: it has a daily trigger of its own). A job
    that fails unexpectedly is logged and reported as an ``error`` action; the others
    still run. Without a schedule only retries, sends, the purge and bounces run (the
    plan names every other recipient). Returns
    the actions and the upcoming sends (issue key → instant) for the runner's date jobs.
    """
    c = context
    sf, clock = c.session_factory, c.clock
    steps: dict[str, Callable[[], list[Action]]] = {
        "retries": partial(retry_due_deliveries, sf, clock, sending=c.sending)
    }
    if c.schedule is not None:
        steps["fill"] = partial(
            fill_with_evergreen, sf, clock, schedule=c.schedule, notifier=c.notifier, grace=c.grace
        )
    steps["sends"] = partial(
        send_due_issues,
        sf,
        clock,
        sending=c.sending,
        notifier=c.notifier,
        schedule=c.schedule,
        grace=c.grace,
    )
    if c.schedule is not None and c.notifier is not None:
        schedule, notifier = c.schedule, c.notifier
        steps["reminders"] = partial(
            send_reminders, sf, clock, schedule=schedule, notifier=notifier
        )
        steps["escalations"] = partial(
            escalate_missed_deadlines,
            sf,
            clock,
            schedule=schedule,
            notifier=notifier,
            grace=c.grace,
        )
        steps["quota"] = partial(
            check_quota, sf, clock, schedule=schedule, notifier=notifier, grace=c.grace
        )
    steps["purge"] = partial(purge_unconfirmed_signups, sf, clock, older_than=c.purge_after)
    if c.bounces is not None:
        steps["bounces"] = c.bounces
    if c.retention is not None:
        steps["retention"] = partial(run_retention, sf, clock, periods=c.retention)
    actions: list[Action] = []
    for name, step in steps.items():
        if name in c.jobs:
            actions += _guarded(name, step)
    try:
        scheduled, upcoming = schedule_approved_issues(sf, clock)
    except Exception as exc:  # a bug or a database outage: report, keep the scheduler alive
        log.exception("scheduling approved issues failed")
        return [*actions, Action("error", "schedule", f"{type(exc).__name__}: {exc}")], {}
    return actions + scheduled, upcoming


def _guarded(name: str, step: Callable[[], Sequence[Action]]) -> list[Action]:
    try:
        return list(step())
    except Exception as exc:  # one failing job must not stop sends or the other jobs
        log.exception("scheduler job %s failed", name)
        return [Action("error", name, f"{type(exc).__name__}: {exc}")]
