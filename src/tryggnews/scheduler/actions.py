"""What a job did, and how a notice it sends becomes part of that report.

``Action`` is the one result type of every job (logged, and printed by ``scheduler
--once``); ``deliver_notice`` turns a ``Notifier`` answer into actions the same way for
every job that tells someone something. Every job module imports this and nothing
else of its siblings, so the modules stay free of cycles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from tryggnews.errors import TryggnewsError
from tryggnews.scheduler.notifier import Notice, Notifier


@dataclass(frozen=True)
class Action:
    """One thing a job did (or failed to do), for the log and ``scheduler --once``."""

    kind: str  # sent, held, scheduled, retried, filled, reminder, escalation, quota, purged, error
    subject: str  # an issue key, a year, or a job name
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.kind == "error"

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}" + (f": {self.detail}" if self.detail else "")


def deliver_notice(
    session_factory: sessionmaker[Session],
    notifier: Notifier,
    notice: Notice,
    now: datetime,
    kind: str,
    subject: str,
) -> list[Action]:
    """Hand ``notice`` to ``notifier`` (once per key) and report it as ``kind`` actions."""
    try:
        delivered = notifier.deliver(session_factory, notice, now=now)
    except TryggnewsError as exc:
        return [Action("error", subject, f"{kind} not sent: {exc}")]
    if delivered.already_sent or not notice.recipients:
        return []
    if not delivered.sent_to:
        refused = ", ".join(delivered.refused)
        return [Action("error", subject, f"{kind} not accepted for {refused}; tried again later")]
    return [Action(kind, subject, "to " + ", ".join(delivered.sent_to))]
