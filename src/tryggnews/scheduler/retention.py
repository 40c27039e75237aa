"""The daily retention (gallring) job: ``retention.apply_retention`` as of ``clock.now()``.

It runs from its own daily trigger (``runner.DAILY_JOBS``), not on every reconcile
pass: one run a day is what the periods are counted in, and each run leaves an audit
log entry. A day missed while no scheduler ran is caught up by the next day's run.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock
from tryggnews.retention import RetentionPeriods, apply_retention
from tryggnews.scheduler.actions import Action


def run_retention(
    session_factory: sessionmaker[Session], clock: Clock, *, periods: RetentionPeriods
) -> list[Action]:
    """One real retention run; an action with the counts when anything was deleted."""
    with session_factory() as session:
        report = apply_retention(session, periods, clock.now(), actor="system")
    if not report.total:
        return []
    counts = ", ".join(f"{kind} {count}" for kind, count in report.counts().items() if count)
    return [Action("retention", "gallring", f"deleted {counts}")]
