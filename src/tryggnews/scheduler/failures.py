"""Telling the administrators that an issue could not be built and is ``failed``.

``Publisher.send`` marks the issue and calls this reporter (wired in ``wiring``), so
``issue send``, ``tryggnews worker`` and the scheduler all report the same way: one
Swedish notice to schedule.toml's administrators through the ``Notifier`` (sent once
per issue version), or, with no schedule or no administrators, a loud log line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from tryggnews.content.failures import IssueFailure
from tryggnews.planning.schedule import Schedule
from tryggnews.scheduler.notifier import Notice, Notifier
from tryggnews.transports.base import Transport

log = logging.getLogger("tryggnews.scheduler")


def failed_notice(
    failure: IssueFailure, recipients: tuple[str, ...], link: str, name: str
) -> Notice:
    """The Swedish notice about a failed issue, keyed by its version (once per version)."""
    body = (
        f"Hej!\n\nUtskick {failure.key} ({failure.title}) kunde inte byggas och har "
        "stoppats. Inga fler meddelanden av det skickas, men andra utskick går som vanligt.\n\n"
        f"Orsak: {failure.reason}\n\n"
        "Rätta utskicket i redaktionen och spara: det blir då ett utkast igen som behöver "
        f"godkännas av båda organisationerna innan det skickas.\n{link}\n\n"
        f"Hälsningar\n{name}\n\n(Ett automatiskt meddelande från tryggnews.)\n"
    )
    return Notice(
        key=f"failed:{failure.key}:v{failure.version}",
        recipients=recipients,
        subject=f"Utskick {failure.key} kunde inte byggas",
        body=body,
    )


class FailureReporter:
    """Tells the administrators of a failed issue; returns who was told (English, one line)."""

    def __init__(self, load_schedule: Callable[[], Schedule | None], *, base_url: str) -> None:
        self.load_schedule = load_schedule
        self.base_url = base_url

    def __call__(
        self,
        session_factory: sessionmaker[Session],
        transport: Transport,
        now: datetime,
        failure: IssueFailure,
    ) -> str:
        schedule = self.load_schedule()
        newsletter = schedule.newsletter if schedule is not None else None
        if newsletter is None or not newsletter.administrators:
            log.critical(
                "ISSUE %s FAILED and no administrator was told (no schedule.toml with "
                "administrators): %s",
                failure.key,
                failure.reason,
            )
            return "no administrator was told: no schedule.toml names administrators"
        notifier = Notifier.for_newsletter(transport, newsletter, self.base_url)
        notice = failed_notice(
            failure, newsletter.administrators, notifier.link(failure.key), notifier.from_name
        )
        delivered = notifier.deliver(session_factory, notice, now=now)
        if delivered.already_sent:
            return "the administrators were told before"
        if not delivered.sent_to:
            log.critical("issue %s failed; telling the administrators failed too", failure.key)
            return "telling the administrators failed: " + ", ".join(delivered.refused)
        return "the administrators were told: " + ", ".join(delivered.sent_to)
