"""Bounce mail in the ledger: tie a parsed bounce to its delivery and apply it once.

A bounce is tied to its ledger row, in this order, and otherwise not at all:

1. the VERP token in an address the bounce was delivered to (signed with the
   secret key, so only our own envelope senders count);
2. the Message-ID of the returned original message, when the bounce carries its
   headers and the id is one the ledger gave a message;
3. the failed address the report names (Original-Recipient, else Final-Recipient),
   matched against the deliveries sent to that address in the last ``recent``
   days (the latest one when there are several: the effect on the address is the
   same).

What a bounce does is the Brevo webhook's: ``apply_reports`` in ``bounces`` (a hard
bounce marks the row ``bounced`` and suppresses the address; a soft one counts
towards ``TRYGGNEWS_SOFT_BOUNCE_LIMIT``), reported as provider ``bounce-mail``.
Every message read is remembered in ``bounce_messages`` with its outcome, in the
same transaction, so a second read changes nothing. A message that cannot be
tied to a row is remembered as ``unattributed`` with the reason and left for a
person; nothing is guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.db.models import BounceMessage, Delivery, DeliveryStatus, Subscriber
from tryggnews.delivery.bounce_parse import BounceKind, ParsedBounce, read_bounce
from tryggnews.delivery.bounces import (
    BOUNCE_MAIL_CHANNEL,
    DeliveryReport,
    ReportKind,
    apply_reports,
    report_key,
)
from tryggnews.delivery.verp import VerpAddresses
from tryggnews.errors import ValidationError
from tryggnews.subscribers.emails import normalise_email

PROVIDER = "bounce-mail"
DEFAULT_RECENT = timedelta(days=30)


@dataclass(frozen=True)
class BounceRules:
    """How bounce mail is read: the VERP addresses (None: no tokens are looked for),
    the secret key (suppression hashes), the soft-bounce limit, and how far back a
    bounce naming only an address may look for its delivery."""

    verp: VerpAddresses | None
    secret_key: str
    soft_bounce_limit: int
    recent: timedelta = DEFAULT_RECENT


@dataclass(frozen=True)
class Outcome:
    """What one message turned out to be; ``kind`` is a ``BounceKind`` value, or
    ``unattributed``, or ``already`` (processed by an earlier run)."""

    kind: str
    delivery_id: int | None = None
    detail: str = ""
    message_id: str | None = None

    @property
    def flagged(self) -> bool:
        """Whether a person should look at it: kept unread-looking in the mailbox."""
        return self.kind == UNATTRIBUTED


UNATTRIBUTED = "unattributed"
ALREADY = "already"


@dataclass
class FetchSummary:
    """Counts of one run over the mailbox, and one line per unattributed message."""

    hard: int = 0
    soft: int = 0
    auto_replies: int = 0
    ignored: int = 0
    unattributed: int = 0
    already: int = 0
    unattributed_lines: list[str] = field(default_factory=list)

    def add(self, outcome: Outcome, where: str) -> None:
        if outcome.kind == BounceKind.HARD:
            self.hard += 1
        elif outcome.kind == BounceKind.SOFT:
            self.soft += 1
        elif outcome.kind == BounceKind.AUTO_REPLY:
            self.auto_replies += 1
        elif outcome.kind == ALREADY:
            self.already += 1
        elif outcome.kind == UNATTRIBUTED:
            self.unattributed += 1
            label = outcome.message_id or "(no Message-ID)"
            self.unattributed_lines.append(f"{where} {label}: {outcome.detail}")
        else:
            self.ignored += 1

    def line(self) -> str:
        return (
            f"hard {self.hard}, soft {self.soft}, auto-replies ignored {self.auto_replies}, "
            f"delay notices ignored {self.ignored}, unattributed {self.unattributed}, "
            f"already processed {self.already}"
        )


def process_bounce(session: Session, raw: bytes, *, rules: BounceRules, now: datetime) -> Outcome:
    """Read one message and apply it in ``session`` (flushes, never commits)."""
    parsed = read_bounce(raw)
    if session.scalar(select(BounceMessage.id).where(BounceMessage.message_key == parsed.key)):
        return Outcome(ALREADY, message_id=parsed.message_id)
    outcome = _outcome(session, parsed, rules, now)
    session.add(
        BounceMessage(
            message_key=parsed.key,
            message_id=parsed.message_id,
            outcome=outcome.kind,
            delivery_id=outcome.delivery_id,
            detail=outcome.detail or None,
            processed_at=now,
        )
    )
    session.flush()
    return outcome


def _outcome(session: Session, parsed: ParsedBounce, rules: BounceRules, now: datetime) -> Outcome:
    mid = parsed.message_id
    if parsed.kind == BounceKind.NONE:
        return Outcome(UNATTRIBUTED, detail=parsed.reason, message_id=mid)
    if parsed.kind in (BounceKind.AUTO_REPLY, BounceKind.DELAY):
        return Outcome(parsed.kind.value, detail=parsed.summary, message_id=mid)
    row, why_not = _attribute(session, parsed, rules, now)
    if row is None:
        return Outcome(UNATTRIBUTED, detail=why_not, message_id=mid)
    email = _address_of(session, row, parsed)
    if email is not None:
        report = DeliveryReport(
            provider=PROVIDER,
            event_key=report_key(PROVIDER, parsed.key, str(row.id)),
            kind=ReportKind.HARD_BOUNCE
            if parsed.kind == BounceKind.HARD
            else ReportKind.SOFT_BOUNCE,
            email=email,
            message_ids=(row.message_id,) if row.message_id else (),
            reason=parsed.summary,
            event=f"{parsed.kind.value} bounce",
            channel=BOUNCE_MAIL_CHANNEL,
        )
        apply_reports(
            session,
            [report],
            secret_key=rules.secret_key,
            soft_bounce_limit=rules.soft_bounce_limit,
            now=now,
        )
    return Outcome(parsed.kind.value, delivery_id=row.id, detail=parsed.summary, message_id=mid)


def _attribute(
    session: Session, parsed: ParsedBounce, rules: BounceRules, now: datetime
) -> tuple[Delivery | None, str]:
    """The delivery the bounce is about, or None and why not."""
    if rules.verp is not None:
        delivery_id = rules.verp.find(parsed.verp_texts)
        if delivery_id is not None:
            row = session.get(Delivery, delivery_id)
            if row is not None:
                return row, ""
            return None, f"its VERP address names delivery {delivery_id}, not in the ledger"
    for message_id in parsed.original_message_ids:
        row = session.scalar(
            select(Delivery).where(Delivery.message_id == message_id).order_by(Delivery.id).limit(1)
        )
        if row is not None:
            return row, ""
    if not parsed.recipients:
        return None, "no VERP address, and the report names no failed recipient"
    for address in parsed.recipients:
        row = _recent_delivery(session, address, now - rules.recent)
        if row is not None:
            return row, ""
    days = rules.recent.days
    return None, (
        f"no VERP address, and {', '.join(parsed.recipients)} matches no delivery sent "
        f"in the last {days} days"
    )


def _recent_delivery(session: Session, address: str, since: datetime) -> Delivery | None:
    try:
        email_key = normalise_email(address)[1]
    except ValidationError:
        return None
    return session.scalar(
        select(Delivery)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(
            Subscriber.email_key == email_key,
            Delivery.status.in_((DeliveryStatus.SENT, DeliveryStatus.BOUNCED)),
            Delivery.sent_at >= since,
        )
        .order_by(Delivery.sent_at.desc(), Delivery.id.desc())
        .limit(1)
    )


def _address_of(session: Session, row: Delivery, parsed: ParsedBounce) -> str | None:
    """The address the bounce is about: the delivery's subscriber (the message went
    there; VERP is not used while redirecting), or, once that person has been
    erased, the address the report names."""
    if row.subscriber_id is not None:
        subscriber = session.get(Subscriber, row.subscriber_id)
        if subscriber is not None:
            return subscriber.email
    return parsed.recipients[0] if parsed.recipients else None
