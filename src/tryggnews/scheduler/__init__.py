"""The scheduler: sends approved issues on time, reminds, escalates, watches the yearly quota.

``lease`` (one active scheduler), ``approval`` (what counts as approved), ``jobs`` (what
is due, decided from stored state), ``notices`` (the Swedish emails), ``runner``
(APScheduler under the lease). See docs/scheduler.md.
"""

from tryggnews.scheduler.jobs import Action, run_due_pass
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
