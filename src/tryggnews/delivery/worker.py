"""The long-running sender: serve every issue that is ``sending``, sleep when nothing is due.

Each pass lists the issues in ``sending`` and delivers every row claimable now
(pending, due for retry, or left by a dead worker). Several workers, on one
machine or many, can run at once: the ledger's claims keep them off each other's
rows. A paused issue is left alone; resuming it puts it back in the list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from tryggnews.delivery.control import IssuePausedError, sending_issue_ids
from tryggnews.delivery.reconnect import lost_database_is_one_line
from tryggnews.delivery.sender import SendSummary
from tryggnews.errors import DatabaseUnavailableError, TransportError, TryggnewsError
from tryggnews.subscribers.emails import mask_addresses

logger = logging.getLogger(__name__)


@dataclass
class WorkerTotals:
    """What a worker did over its life."""

    passes: int = 0
    attempted: int = 0
    accepted: int = 0


@lost_database_is_one_line("looking for issues to send")
def run_worker(
    session_factory: sessionmaker[Session],
    deliver: Callable[[int], SendSummary],
    *,
    poll: float,
    once: bool,
    stop: Callable[[], bool],
    sleep: Callable[[float], None],
    report: Callable[[int, SendSummary], None] | None = None,
    on_error: Callable[[int, TryggnewsError], None] | None = None,
) -> WorkerTotals:
    """Deliver issues in ``sending`` until ``stop()``; with ``once``, until nothing is due.

    ``deliver(issue_id)`` sends what is claimable now (``Publisher.send``).
    ``report`` hears of every pass over an issue that handled rows. An issue that
    cannot be sent (its content changed, say) is reported to ``on_error`` and
    passed over, so one bad issue does not hold up the others; a
    ``TransportError`` (wrong password, 5.7.x) or a database that stays away
    (``DatabaseUnavailableError``) ends the worker, since every issue would meet it.
    """
    totals = WorkerTotals()
    while not stop():
        with session_factory() as session:
            issue_ids = sending_issue_ids(session)
        handled = 0
        for issue_id in issue_ids:
            if stop():
                break
            try:
                summary = deliver(issue_id)
            except IssuePausedError:
                continue  # paused between the listing and the send
            except (TransportError, DatabaseUnavailableError):
                raise  # every issue would meet it
            except TryggnewsError as exc:
                logger.error("issue id %s cannot be sent: %s", issue_id, mask_addresses(str(exc)))
                if on_error is not None:
                    on_error(issue_id, exc)
                continue
            handled += summary.attempted_now
            totals.attempted += summary.attempted_now
            totals.accepted += summary.accepted_now
            if summary.attempted_now and report is not None:
                report(issue_id, summary)
        totals.passes += 1
        if handled:
            continue  # more may be due at once (another batch, another issue)
        if once:
            break
        sleep(poll)
    return totals
