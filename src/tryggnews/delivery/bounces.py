"""What happens after a message left: bounces, complaints and unsubscribes, applied once.

Two sources feed this module:

* the sender, for a hard bounce the receiving server gave during our own send
  (``suppress_bounced``; the ledger row is marked by ``record_results``);
* a provider's webhook (Brevo), as ``DeliveryReport``s (``apply_reports``), which
  may arrive late, twice, or about messages the ledger no longer knows.

Effects of a report, all in the caller's transaction (row = the ledger row):

* hard bounce — row ``bounced``; subscriber ``bounced``; suppressed (hard-bounce);
  consent event ``bounced``.
* blocked — the same, suppression reason ``blocked``.
* complaint (spam) — subscriber ``unsubscribed``; suppressed (complaint); consent
  event ``complained``. The row stays ``sent``: the message did arrive.
* unsubscribed — ``lifecycle.unsubscribe``, as the reader's own link does; no
  suppression (they may sign up again one day).
* soft bounce — the row's ``last_error`` notes it; ``soft_bounces`` + 1, and at
  ``soft_bounce_limit`` the subscriber is ``bounced`` and suppressed (soft-bounces).
* delivered — ``soft_bounces`` back to 0: the limit counts bounces in a row.

A bounce never turns into an unsubscribe: a subscriber already ``bounced`` stays
so. A report is applied only when it names a ledger row by Message-ID *and* its
address is that row's recipient (compared as ``email_key``); anything else — an id
we never gave, another subscriber's message, a row whose person was erased, a
development redirect's address — changes nothing. It is remembered as
``unmatched:<kind>`` in ``provider_events`` (so a retry is a duplicate), logged,
and counted. Suppression keeps only the keyed hash.

Consent channels: ``provider-webhook`` for the provider's reports, ``bounce-mail``
for bounces read from our own mailbox; for bounces met during our
own send, ``cli`` (sends run from the command line: ``issue send``, ``worker``)
with ``details["source"] = "smtp-reply"`` and the server's words.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.db.models import (
    ConsentEventKind,
    Delivery,
    DeliveryStatus,
    Issue,
    ProviderEvent,
    Subscriber,
    SubscriberStatus,
)
from tryggnews.errors import ValidationError
from tryggnews.subscribers.consent import record_event
from tryggnews.subscribers.emails import normalise_email
from tryggnews.subscribers.lifecycle import Actor, unsubscribe
from tryggnews.subscribers.suppression import address_hash, suppress

logger = logging.getLogger(__name__)
CHANNEL = "cli"
SOURCE = "smtp-reply"
WEBHOOK_CHANNEL = "provider-webhook"
BOUNCE_MAIL_CHANNEL = "bounce-mail"
# The length of provider_events.event_key.
MAX_EVENT_KEY = 200


class ReportKind(enum.StrEnum):
    """What a provider says happened to a message, in our words."""

    HARD_BOUNCE = "hard_bounce"
    SOFT_BOUNCE = "soft_bounce"
    COMPLAINT = "complaint"
    UNSUBSCRIBED = "unsubscribed"
    BLOCKED = "blocked"
    DELIVERED = "delivered"


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """One provider event about one message.

    ``event_key`` is the same whenever the provider sends this event again;
    ``message_ids`` are the ids that may name the ledger row (ours first);
    ``reason`` and ``event`` (the provider's own name) are kept for people;
    ``channel`` is the consent channel its effects are recorded under (the
    provider's webhook, or ``bounce-mail`` for a bounce read from our mailbox).
    """

    provider: str
    event_key: str
    kind: ReportKind
    email: str
    message_ids: tuple[str, ...] = ()
    reason: str = ""
    event: str = ""
    channel: str = WEBHOOK_CHANNEL


@dataclass
class ReportSummary:
    """What ``apply_reports`` did: new reports applied to their ledger row, replays
    passed over, and new reports that matched no row with that address (recorded,
    nothing changed)."""

    applied: int = 0
    duplicates: int = 0
    unmatched: int = 0


def report_key(*parts: str) -> str:
    """A ``ProviderEvent.event_key`` from the parts that identify an event; a key
    too long for the column (Message-IDs can be long) becomes its SHA-256."""
    key = ":".join(parts)
    if len(key) <= MAX_EVENT_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


# (row status, suppression reason, subscriber status, consent kind) per report kind.
_CLOSING: dict[
    ReportKind, tuple[DeliveryStatus | None, str | None, SubscriberStatus, ConsentEventKind]
] = {
    ReportKind.HARD_BOUNCE: (
        DeliveryStatus.BOUNCED,
        "hard-bounce",
        SubscriberStatus.BOUNCED,
        ConsentEventKind.BOUNCED,
    ),
    ReportKind.BLOCKED: (
        DeliveryStatus.BOUNCED,
        "blocked",
        SubscriberStatus.BOUNCED,
        ConsentEventKind.BOUNCED,
    ),
    ReportKind.COMPLAINT: (
        None,
        "complaint",
        SubscriberStatus.UNSUBSCRIBED,
        ConsentEventKind.COMPLAINED,
    ),
}


def apply_reports(
    session: Session,
    reports: Sequence[DeliveryReport],
    *,
    secret_key: str,
    soft_bounce_limit: int,
    now: datetime,
) -> ReportSummary:
    """Apply each report not applied before; flushes, never commits.

    Each report is remembered as a ``ProviderEvent`` (provider, event_key), so a
    provider's retry — or the same event twice in one request — changes nothing
    the second time. ``delivered`` reports are not remembered: resetting the
    soft-bounce count is harmless to repeat, and there is one per message sent.
    """
    if soft_bounce_limit < 1:
        raise ValueError("soft_bounce_limit must be at least 1")
    summary = ReportSummary()
    seen: set[tuple[str, str]] = set()
    for report in reports:
        if report.kind != ReportKind.DELIVERED:
            identity = (report.provider, report.event_key)
            if identity in seen or _already_applied(session, report):
                summary.duplicates += 1
                continue
            seen.add(identity)
        row = _matching_delivery(session, report)
        if report.kind != ReportKind.DELIVERED:
            kind = report.kind.value if row is not None else f"unmatched:{report.kind.value}"
            session.add(
                ProviderEvent(
                    provider=report.provider,
                    event_key=report.event_key,
                    kind=kind,
                    received_at=now,
                )
            )
        if row is None:
            logger.warning(
                "%s %s for message %s matches no delivery to that address; not applied",
                report.provider,
                report.event or report.kind.value,
                ", ".join(report.message_ids) or "(none)",
            )
            summary.unmatched += 1
            continue
        _apply(session, report, row, secret_key, soft_bounce_limit, now)
        summary.applied += 1
    session.flush()
    return summary


def _already_applied(session: Session, report: DeliveryReport) -> bool:
    found = session.scalar(
        select(ProviderEvent.id).where(
            ProviderEvent.provider == report.provider,
            ProviderEvent.event_key == report.event_key,
        )
    )
    return found is not None


def _matching_delivery(session: Session, report: DeliveryReport) -> Delivery | None:
    """The ledger row the report names, when its recipient is the reported address."""
    row = _delivery(session, report.message_ids)
    if row is None or row.subscriber_id is None:
        return None
    subscriber = session.get(Subscriber, row.subscriber_id)
    if subscriber is None or subscriber.email_key != _email_key(report.email):
        return None
    return row


def _apply(
    session: Session,
    report: DeliveryReport,
    row: Delivery,
    secret_key: str,
    limit: int,
    now: datetime,
) -> None:
    """One matched report's effects on its row, its subscriber and the suppression list."""
    subscriber = session.get(Subscriber, row.subscriber_id)
    assert subscriber is not None  # _matching_delivery checked it
    email_hash = address_hash(secret_key, subscriber.email_key)
    note = f"{report.provider} {report.event or report.kind.value}"
    if report.reason:
        note += f": {report.reason}"
    details: dict[str, Any] = {
        "provider": report.provider,
        "event": report.event or report.kind.value,
    }
    if report.reason:
        details["reason"] = report.reason

    if report.kind == ReportKind.DELIVERED:
        if subscriber.soft_bounces:
            subscriber.soft_bounces = 0
        return

    if report.kind == ReportKind.SOFT_BOUNCE:
        # Per row too: the follow-up counts soft bounces per issue (see docs/report.md).
        row.soft_bounces = (row.soft_bounces or 0) + 1
        if row.status == DeliveryStatus.SENT:
            row.last_error = note
            row.updated_at = now
        subscriber.soft_bounces += 1
        subscriber.updated_at = now
        if subscriber.soft_bounces >= limit:
            details["soft_bounces"] = subscriber.soft_bounces
            _bounce(session, subscriber, email_hash, "soft-bounces", report.channel, details, now)
        return

    # Which issue (and variant) the complaint or unsubscription came from, for its figures.
    origin = _origin(session, row)
    if report.kind == ReportKind.UNSUBSCRIBED:
        # The same change as the reader's own unsubscribe link, through its one owner.
        if subscriber.status != SubscriberStatus.BOUNCED:
            unsubscribe(
                session, subscriber, by=Actor(report.channel, now, secret_key), details=origin
            )
        return
    if report.kind == ReportKind.COMPLAINT:
        details.update(origin)

    row_status, reason, status, consent_kind = _CLOSING[report.kind]
    if row_status is not None and row.status == DeliveryStatus.SENT:
        row.status = row_status
        row.last_error = note
        row.updated_at = now
    if reason is not None:
        suppress(session, email_hash=email_hash, reason=reason, now=now)
    _stop_mailing(
        session, subscriber, email_hash, status, consent_kind, report.channel, details, now
    )


def _origin(session: Session, row: Delivery) -> dict[str, Any]:
    issue = session.get(Issue, row.issue_id)
    return {"issue": issue.key if issue is not None else "", "variant": row.variant}


def _delivery(session: Session, message_ids: Iterable[str]) -> Delivery | None:
    for message_id in message_ids:
        if not message_id:
            continue
        row = session.scalar(
            select(Delivery).where(Delivery.message_id == message_id).order_by(Delivery.id).limit(1)
        )
        if row is not None:
            return row
    return None


def _email_key(email: str) -> str:
    """The subscribers.email_key form of a reported address (also for hashing)."""
    try:
        return normalise_email(email)[1]
    except ValidationError:
        # Not ours to judge: hash what the provider reported, as consistently as we can.
        return email.strip().casefold()


def _stop_mailing(
    session: Session,
    subscriber: Subscriber,
    email_hash: str,
    status: SubscriberStatus,
    kind: ConsentEventKind,
    channel: str,
    details: dict[str, Any],
    now: datetime,
) -> bool:
    """Move the subscriber to ``status`` with a consent event; False if nothing changed.

    A subscriber already there is left alone, and a bounced one is never turned
    into an unsubscribed one (the address is dead either way; "bounced" says more).
    """
    if subscriber.status == status or (
        status == SubscriberStatus.UNSUBSCRIBED and subscriber.status == SubscriberStatus.BOUNCED
    ):
        return False
    previous = subscriber.status.value
    subscriber.status = status
    subscriber.paused_until = None
    subscriber.updated_at = now
    record_event(
        session,
        subscriber=subscriber,
        email_hash=email_hash,
        kind=kind,
        channel=channel,
        legal_basis=subscriber.legal_basis,
        now=now,
        details={"previous_status": previous, **details},
    )
    return True


def _bounce(
    session: Session,
    subscriber: Subscriber,
    email_hash: str,
    reason: str,
    channel: str,
    details: dict[str, Any],
    now: datetime,
) -> bool:
    """Suppress the address and mark the subscriber bounced; True if newly suppressed."""
    newly = suppress(session, email_hash=email_hash, reason=reason, now=now)
    _stop_mailing(
        session,
        subscriber,
        email_hash,
        SubscriberStatus.BOUNCED,
        ConsentEventKind.BOUNCED,
        channel,
        details,
        now,
    )
    return newly


def suppress_bounced(
    session: Session,
    bounced: Iterable[tuple[int, str]],
    *,
    secret_key: str,
    now: datetime,
    issue_key: str,
    transport: str,
) -> int:
    """For each ``(subscriber_id, server reply)``: add the address to the suppression
    list, mark the subscriber ``bounced`` and record a ``bounced`` consent event.

    Runs in the caller's transaction (the one that records the ledger row as
    bounced), so all of it happens or none. Returns how many were newly
    suppressed; a subscriber already erased is passed over.
    """
    newly = 0
    for subscriber_id, reply in bounced:
        subscriber = session.get(Subscriber, subscriber_id)
        if subscriber is None:
            continue
        details = {"source": SOURCE, "transport": transport, "issue": issue_key, "reply": reply}
        email_hash = address_hash(secret_key, subscriber.email_key)
        newly += _bounce(session, subscriber, email_hash, "hard-bounce", CHANNEL, details, now)
    return newly
