"""Sending a notice to a few people exactly once: ``Notice``, ``Notifier``, ``was_sent``.

Each notice has a key (``reminder:2027-1:polis:2027-02-01``, ``escalation:2027-1``,
``quota:2027:2027-06-01`` …) recorded in ``notifications`` in the same transaction
that hands it to the transport, so a restarted or repeated pass never sends it again.
The row is inserted first (the unique key is the lock), the messages go to the
transport, and the row commits only when at least one recipient's message was
accepted; if none was, the row is rolled back and the next pass tries again. A crash
between the transport's answer and the commit repeats that one notice: at least once,
never lost.

Messages are built by ``tryggnews.notice_mail``, like every automatic notice (RFC 2047
headers by the standard library, ``\\n`` line ends). The texts live in ``notices``;
this module is only the once-per-key delivery, so it is separate from the wording.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.db.models import Notification
from tryggnews.delivery.message import ascii_address, check_header_value
from tryggnews.notice_mail import build_notice_message
from tryggnews.planning.schedule import NewsletterSettings
from tryggnews.subscribers.emails import mask_addresses
from tryggnews.transports.base import OutgoingMessage, SendStatus, Transport

log = logging.getLogger("tryggnews.scheduler")

# The issue's page in the editors' workspace; every notice about an issue links to it.
ISSUE_PATH = "/redaktion/utskick/{key}"
# The Notification.subject column.
SUBJECT_MAX = 300


def issue_link(base_url: str, key: str) -> str:
    """The address of an issue in the editors' workspace."""
    return base_url.rstrip("/") + ISSUE_PATH.format(key=key)


@dataclass(frozen=True)
class Notice:
    """One email to a few people, sent once: ``key`` says what it is about and when."""

    key: str
    recipients: tuple[str, ...]
    subject: str
    body: str


@dataclass(frozen=True)
class Delivered:
    """What happened to a notice: sent now, already sent before, or not sent."""

    notice: Notice
    sent_to: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    already_sent: bool = False

    @property
    def ok(self) -> bool:
        return self.already_sent or bool(self.sent_to)


class Notifier:
    """Sends notices through a transport, each key at most once (see the module docstring)."""

    def __init__(
        self,
        transport: Transport,
        *,
        from_address: str,
        from_name: str,
        reply_to: str | None,
        base_url: str,
    ) -> None:
        self.transport = transport
        self.from_address = ascii_address(from_address, field="From")
        self.from_name = check_header_value("From", from_name)
        self.reply_to = ascii_address(reply_to, field="Reply-To") if reply_to else None
        self.base_url = base_url
        self.domain = self.from_address.rpartition("@")[2]

    @classmethod
    def for_newsletter(
        cls, transport: Transport, newsletter: NewsletterSettings, base_url: str
    ) -> Notifier:
        """Notices from the newsletter's own sender, as schedule.toml names it."""
        return cls(
            transport,
            from_address=newsletter.sender_address,
            from_name=newsletter.name,
            reply_to=newsletter.reply_to,
            base_url=base_url,
        )

    def link(self, key: str) -> str:
        return issue_link(self.base_url, key)

    def build(self, notice: Notice, recipient: str, *, now: datetime) -> tuple[str, bytes]:
        """The message to one recipient: ``(Message-ID, bytes)``."""
        headers = {
            # Lets a mail rule (or a test) tell notices apart without parsing Swedish.
            "X-Tryggnews-Notice": check_header_value("key", notice.key),
        }
        if self.reply_to:
            headers["Reply-To"] = self.reply_to
        return build_notice_message(
            sender_name=self.from_name,
            sender_address=self.from_address,
            to=ascii_address(recipient),
            subject=check_header_value("Subject", notice.subject),
            text=notice.body,
            now=now,
            headers=headers,
        )

    def deliver(
        self, session_factory: sessionmaker[Session], notice: Notice, *, now: datetime
    ) -> Delivered:
        """Send ``notice`` to each recipient unless its key was sent before; record it.

        Raises whatever the transport raises (``TransportError``); nothing is recorded then.
        """
        recipients = tuple(dict.fromkeys(notice.recipients))
        if not recipients:
            return Delivered(notice)
        with session_factory() as session:
            if _recorded(session, notice.key):
                return Delivered(notice, already_sent=True)
        try:
            with session_factory.begin() as session:
                row = Notification(
                    key=notice.key,
                    recipients=list(recipients),
                    subject=notice.subject[:SUBJECT_MAX],
                    sent_at=now,
                )
                session.add(row)
                # The unique key is the lock: a second sender waits here, then fails.
                session.flush()
                sent_to, refused = self._send(notice, recipients, now)
                if not sent_to:
                    raise _NothingAccepted(refused)
                row.recipients = list(sent_to)
        except IntegrityError:
            return Delivered(notice, already_sent=True)
        except _NothingAccepted as nothing:
            return Delivered(notice, refused=nothing.refused)
        if refused:
            log.warning(
                "notice %s not accepted for %d of %d recipients",
                notice.key,
                len(refused),
                len(recipients),
            )
        return Delivered(notice, sent_to=sent_to, refused=refused)

    def _send(
        self, notice: Notice, recipients: Sequence[str], now: datetime
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        messages: list[OutgoingMessage] = []
        for index, recipient in enumerate(recipients):
            try:
                message_id, raw = self.build(notice, recipient, now=now)
            except ValueError as exc:  # an address the schedule loader let through
                log.warning("notice %s: %s", notice.key, mask_addresses(str(exc)))
                continue
            # The index stands in for a ledger id: it maps each result to its recipient.
            messages.append(OutgoingMessage(index, ascii_address(recipient), message_id, raw))
        answers = self.transport.send(messages) if messages else []
        accepted = {r.delivery_id for r in answers if r.status == SendStatus.ACCEPTED}
        sent_to = tuple(r for i, r in enumerate(recipients) if i in accepted)
        refused = tuple(r for i, r in enumerate(recipients) if i not in accepted)
        return sent_to, refused


class _NothingAccepted(Exception):
    """No recipient's message was accepted: roll the notice's row back, try next pass."""

    def __init__(self, refused: tuple[str, ...]) -> None:
        super().__init__("no recipient accepted")
        self.refused = refused


def _recorded(session: Session, key: str) -> bool:
    return session.scalar(select(Notification.id).where(Notification.key == key)) is not None


def was_sent(session: Session, key: str) -> bool:
    """Whether the notice with ``key`` went out already."""
    return _recorded(session, key)
