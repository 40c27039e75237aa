"""The scheduler: sends approved issues on time, reminds, escalates, watches the yearly quota.

``lease`` (one active scheduler), ``approval`` (what counts as approved), ``jobs`` (a
whole pass over the jobs) with the jobs by concern — ``sending``, ``evergreen``,
``reminders``, ``quota`` — and what they share (``actions``, ``deadlines``), ``notices``
(the Swedish emails), ``notifier`` (each notice sent once), ``runner`` (APScheduler under
the lease). See docs/scheduler.md.
"""

from tryggnews.scheduler.actions import Action
from tryggnews.scheduler.jobs import run_due_pass
from tryggnews.scheduler.lease import acquire_lease, release_lease, renew_lease
from tryggnews.scheduler.runner import SchedulerParts, SchedulerRunner

__all__ = [
    "Action",
    "SchedulerParts",
    "SchedulerRunner",
    "acquire_lease",
    "release_lease",
    "renew_lease",
    "run_due_pass",
]
