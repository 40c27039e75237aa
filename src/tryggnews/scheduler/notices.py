"""Emails to editors, escalation contacts and administrators: reminders, escalations, alerts.

Each notice has a key (``reminder:2027-1:polis:2027-02-01``, ``escalation:2027-1``,
``quota:2027:2027-06-01`` …) recorded in ``notifications`` in the same transaction
that hands it to the transport, so a restarted or repeated pass never sends it again.
The row is inserted first (the unique key is the lock), the messages go to the
transport, and the row commits only when at least one recipient's message was
accepted; if none was, the row is rolled back and the next pass tries again. A crash
between the transport's answer and the commit repeats that one notice: at least once,
never lost.

The texts are Swedish (editors read them); the link goes to the issue in the editors'
workspace. Messages are built by ``tryggnews.notice_mail``, like every automatic
notice (RFC 2047 headers by the standard library, ``\\n`` line ends).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.content.organisations import BLOCK_OWNERS
from tryggnews.db.models import Notification
from tryggnews.delivery.message import ascii_address, check_header_value
from tryggnews.notice_mail import build_notice_message
from tryggnews.planning.plan import YearStatus
from tryggnews.planning.schedule import PlannedIssue
from tryggnews.render.dates import format_long
from tryggnews.transports.base import OutgoingMessage, SendStatus, Transport

log = logging.getLogger("tryggnews.scheduler")

# The issue's page in the editors' workspace; every notice about an issue links to it.
ISSUE_PATH = "/redaktion/utskick/{key}"
# The Notification.subject column.
SUBJECT_MAX = 300
_SIGNATURE = "Hälsningar\n{name}\n\n(Ett automatiskt meddelande från tryggnews.)\n"


def issue_link(base_url: str, key: str) -> str:
    """The address of an issue in the editors' workspace."""
    return base_url.rstrip("/") + ISSUE_PATH.format(key=key)


def organisation_names(keys: Iterable[str]) -> str:
    """``Polisen och Österåkers kommun``: organisations as a Swedish list."""
    names = [BLOCK_OWNERS.get(key, key) for key in keys]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " och " + names[-1]


def local_moment(moment: datetime, tz: tzinfo) -> str:
    """``måndag 15 februari 2027 kl. 08:00`` in time zone ``tz``."""
    local = moment.astimezone(tz)
    return f"{format_long(local.date())} kl. {local:%H:%M}"


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
            log.warning("notice %s not accepted for %s", notice.key, ", ".join(refused))
        return Delivered(notice, sent_to=sent_to, refused=refused)

    def _send(
        self, notice: Notice, recipients: Sequence[str], now: datetime
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        messages: list[OutgoingMessage] = []
        for index, recipient in enumerate(recipients):
            try:
                message_id, raw = self.build(notice, recipient, now=now)
            except ValueError as exc:  # an address the schedule loader let through
                log.warning("notice %s: %s", notice.key, exc)
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


# --- the notices --------------------------------------------------------------------


def _issue_lines(planned: PlannedIssue) -> str:
    lines = [
        f"Nummer {planned.key}: {planned.title}",
        f"Utskick: {local_moment(planned.send_at, planned.send_at.tzinfo or UTC)}",
        f"Sista dag för bidrag och godkännande: {format_long(planned.deadline)}",
    ]
    if planned.theme:
        lines.append(f"Tema: {planned.theme}")
    return "\n".join(lines)


def _notice(key: str, recipients: Sequence[str], subject: str, body: str, name: str) -> Notice:
    """A notice with the shared signature under ``body``."""
    return Notice(key=key, recipients=tuple(recipients), subject=subject, body=_signed(body, name))


def _signed(body: str, name: str) -> str:
    return body.rstrip("\n") + "\n\n" + _SIGNATURE.format(name=name)


def _not_created(key: str) -> str:
    return (
        "Utskicket finns inte i tryggnews ännu. En administratör skapar det med\n"
        f"    tryggnews issue create --from-plan {key}\n"
    )


def reminder_notice(
    planned: PlannedIssue,
    organisation: str,
    recipients: Sequence[str],
    *,
    reminder_day: str,
    link: str,
    name: str,
    exists: bool,
) -> Notice:
    """A reminder to one organisation's editors before the section deadline."""
    who = BLOCK_OWNERS.get(organisation, organisation)
    subject = (
        f"Påminnelse: {name} {planned.key} – bidrag och godkännande senast "
        f"{format_long(planned.deadline)}"
    )
    body = (
        "Hej!\n\n"
        f"Nästa nummer av {name} närmar sig och {who} har inte godkänt sin del ännu.\n\n"
        f"{_issue_lines(planned)}\n\n"
        "Skriv, granska och godkänn era avsnitt här:\n"
        f"{link}\n\n"
        + ("" if exists else _not_created(planned.key) + "\n")
        + "Utskicket går ut bara om både Polisen och Österåkers kommun har godkänt det.\n"
    )
    return _notice(
        f"reminder:{planned.key}:{organisation}:{reminder_day}", recipients, subject, body, name
    )


def escalation_notice(
    planned: PlannedIssue,
    waiting: Sequence[str],
    recipients: Sequence[str],
    *,
    link: str,
    name: str,
    exists: bool,
    minimum: int,
) -> Notice:
    """The section deadline passed and the issue is not approved (or does not exist)."""
    subject = f"Sista dag har passerat: {name} {planned.key} är inte godkänt"
    state = (
        f"Utskicket är ännu inte godkänt av {organisation_names(waiting)}."
        if exists
        else "Utskicket har inte ens skapats i tryggnews."
    )
    body = (
        "Hej!\n\n"
        f"Sista dagen för bidrag och godkännande till {name} {planned.key} var "
        f"{format_long(planned.deadline)}. {state}\n\n"
        f"{_issue_lines(planned)}\n\n"
        "Är utskicket inte godkänt av både Polisen och Österåkers kommun vid utskickstiden "
        f"skickas det inte. Medborgarlöftet lovar minst {minimum} nyhetsbrev om året – "
        "hjälp redaktörerna att bli klara.\n\n"
        f"Utskicket: {link}\n\n" + ("" if exists else _not_created(planned.key))
    )
    return _notice(f"escalation:{planned.key}", recipients, subject, body, name)


def held_notice(
    key: str,
    title: str,
    planned_send_at: datetime,
    tz: tzinfo,
    reason: str,
    recipients: Sequence[str],
    *,
    link: str,
    name: str,
) -> Notice:
    """The scheduler did not send an issue at its time; ``reason`` is the hold reason."""
    subject = f"{name} {key} skickades inte"
    body = (
        "Hej!\n\n"
        f"{name} {key} – {title} – skulle ha skickats {local_moment(planned_send_at, tz)} "
        "men skickades inte.\n\n"
        f"Orsak: {reason}\n\n"
        "Utskicket är stoppat och skickas inte automatiskt. När det är godkänt av både "
        "Polisen och Österåkers kommun kan en administratör skicka det med\n"
        f"    tryggnews issue send {key}\n\n"
        f"Utskicket: {link}\n"
    )
    # The send time is part of the key: an issue released and held again is news.
    when = planned_send_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
    return _notice(f"held:{key}:{when}", recipients, subject, body, name)


def quota_notice(
    status: YearStatus,
    possible: int,
    lines: Sequence[str],
    recipients: Sequence[str],
    *,
    day: str,
    name: str,
) -> Notice:
    """The year can no longer reach the promised number of issues."""
    subject = f"{name} {status.year}: planen når inte minst {status.minimum} utskick"
    body = (
        "Hej!\n\n"
        f"Medborgarlöftet lovar minst {status.minimum} nyhetsbrev om året. För "
        f"{status.year} har {status.sent} skickats och {possible} till kan fortfarande gå ut "
        f"– totalt {status.sent + possible}, alltså för få.\n\n"
        + ("\n".join(lines) + "\n\n" if lines else "")
        + "Lägg till utskick i schedule.toml och kontrollera planen med\n"
        f"    tryggnews plan check --year {status.year}\n\n"
        "Det här meddelandet skickas en gång om dagen tills planen räcker.\n"
    )
    return _notice(f"quota:{status.year}:{day}", recipients, subject, body, name)


def next_year_notice(
    year: int,
    planned: Sequence[str],
    minimum: int,
    recipients: Sequence[str],
    *,
    week: str,
    name: str,
) -> Notice:
    """Next year's plan does not yet hold the promised number of issues."""
    count = len(planned)
    subject = f"{name} {year}: planen har {count} av minst {minimum} utskick"
    body = (
        "Hej!\n\n"
        f"Medborgarlöftet lovar minst {minimum} nyhetsbrev om året, men schedule.toml har "
        f"{count} utskick planerade för {year}"
        + (f": {', '.join(planned)}" if planned else "")
        + ".\n\n"
        "Planera nästa år nu, så att redaktörerna hinner skriva till årets första nummer. "
        f"Lägg till [[issue]] för {year} i schedule.toml och kontrollera planen med\n"
        f"    tryggnews plan check --year {year}\n\n"
        "Det här meddelandet skickas en gång i veckan tills planen räcker.\n"
    )
    return _notice(f"quota-plan:{year}:{week}", recipients, subject, body, name)


def autofill_notice(
    key: str,
    version: int,
    added_titles: Sequence[str],
    recipients: Sequence[str],
    *,
    link: str,
    name: str,
) -> Notice:
    """Evergreen blocks were added to a thin issue after its deadline."""
    listed = "\n".join(f"- {title}" for title in added_titles)
    body = (
        "Hej!\n\n"
        f"Sista dagen för {name} {key} har passerat och utskicket hade för lite godkänt "
        "innehåll. Därför har tidlösa block, som båda organisationerna har godkänt för "
        "återanvändning, lagts till:\n\n"
        f"{listed}\n\n"
        f"Granska utskicket: {link}\n"
    )
    return _notice(
        f"autofill:{key}:{version}",
        recipients,
        f"{name} {key} har fyllts på med tidlösa block",
        body,
        name,
    )


def grace_text(grace: timedelta) -> str:
    """``24 timmar``: a grace period in Swedish."""
    hours = int(grace.total_seconds() // 3600)
    return f"{hours} timme" if hours == 1 else f"{hours} timmar"
