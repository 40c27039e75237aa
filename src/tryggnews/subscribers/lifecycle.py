"""A subscriber's life: sign up, confirm, change choices, pause, resume, leave, come back.

Every change is one function that updates the ``Subscriber`` row and appends the
matching consent event in the caller's transaction (flush, never commit), so the
record of what a person agreed to exists exactly when the change does.

Statuses and how they move::

    (new) ──sign_up──► pending ──confirm──► active ◄──resume── (paused_until set)
                                              │  └──pause──► active + paused_until
    unsubscribed/bounced ──sign_up──► (same status, new choices) ──confirm──► active
    active/paused ──unsubscribe──► unsubscribed ──resubscribe (manage link)──► active

A pause keeps the status ``active`` and sets ``paused_until``: the ledger's
``receiving()`` already skips such people and picks them up again by itself when
the date passes. The ``paused`` status is for an administrator's open-ended pause.

Nobody can change an active person's choices by signing their address up again:
they get their own link by email instead (``SignUpNotice.LINK``).
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.content.vocabulary import Vocabulary
from tryggnews.db.models import ConsentEventKind, Subscriber, SubscriberStatus
from tryggnews.errors import ValidationError
from tryggnews.subscribers.consent import CHANNELS, record_event
from tryggnews.subscribers.emails import normalise_email
from tryggnews.subscribers.suppression import address_hash, is_suppressed
from tryggnews.subscribers.texts import ConsentText

SIGN_UP_SOURCE = "form"
# Statuses in which a person has a confirmed subscription (receiving or paused).
SUBSCRIBED = (SubscriberStatus.ACTIVE, SubscriberStatus.PAUSED)


def new_token_salt() -> str:
    """A fresh per-subscriber salt for signed links; replacing it revokes old links."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class Actor:
    """Through which channel, and when, a change is made; keys the address hash.

    ``channel`` is one of ``consent.CHANNELS`` (form, link, one-click, import, admin,
    provider-webhook, cli); ``secret_key`` is the setting that keys address hashes.
    """

    channel: str
    now: datetime
    secret_key: str

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown consent channel {self.channel!r}")
        if self.now.tzinfo is None:
            raise ValueError("Actor.now must be timezone-aware")

    def hash_of(self, email_key: str) -> str:
        return address_hash(self.secret_key, email_key)


@dataclass(frozen=True)
class Choices:
    """What a person wants: audience and topic keys (checked) and a language."""

    audiences: tuple[str, ...]
    topics: tuple[str, ...]
    language: str = "sv"

    @classmethod
    def checked(
        cls,
        vocabulary: Vocabulary,
        audiences: Iterable[str],
        topics: Iterable[str],
        language: str,
        *,
        email: str = "",
    ) -> Choices:
        """Choices from untrusted input; ``ValidationError`` names the first unknown key,
        or (given ``email``) says why an audience for staff is not for this address."""
        keys = tuple(vocabulary.audience_keys(audiences))
        refusal = vocabulary.refusal(keys, email) if email else None
        if refusal:
            raise ValidationError(refusal)
        return cls(
            audiences=keys,
            topics=tuple(vocabulary.topic_keys(topics)),
            language=vocabulary.language(language),
        )

    @classmethod
    def of(cls, subscriber: Subscriber) -> Choices:
        return cls(tuple(subscriber.audiences), tuple(subscriber.topics), subscriber.language)

    def as_dict(self) -> dict[str, Any]:
        return {
            "audiences": list(self.audiences),
            "topics": list(self.topics),
            "language": self.language,
        }


class SignUpNotice(enum.StrEnum):
    """Which email a sign-up leads to; the form's answer is the same for all three."""

    CONFIRM = "confirm"  # a confirmation link (new, pending, or someone who left)
    LINK = "link"  # "here is your link": the address already has a subscription
    NONE = "none"  # suppressed address: nothing is stored and nothing is sent


@dataclass(frozen=True)
class Recipient:
    """Who a notice goes to, read before the transaction ends."""

    subscriber_id: int
    email: str
    token_salt: str
    language: str = "sv"  # the notice's language: the one the person chose

    @classmethod
    def of(cls, subscriber: Subscriber) -> Recipient:
        return cls(subscriber.id, subscriber.email, subscriber.token_salt, subscriber.language)


@dataclass(frozen=True)
class SignUpOutcome:
    notice: SignUpNotice
    recipient: Recipient | None = None


class ConfirmResult(enum.StrEnum):
    CONFIRMED = "confirmed"
    ALREADY = "already"  # a replayed link: nothing changes
    BLOCKED = "blocked"  # the address is on the suppression list


def find_subscriber(session: Session, email_key: str) -> Subscriber | None:
    return session.scalar(select(Subscriber).where(Subscriber.email_key == email_key))


def is_paused(subscriber: Subscriber, now: datetime) -> bool:
    """True while the person gets nothing because of a pause."""
    if subscriber.status is SubscriberStatus.PAUSED:
        return True
    return subscriber.paused_until is not None and subscriber.paused_until > now


def sign_up(
    session: Session, email: str, choices: Choices, *, text: ConsentText, by: Actor
) -> SignUpOutcome:
    """Record a sign-up from the form; say which email to send (never send it here).

    ``email`` is validated (``ValidationError``). A new address becomes ``pending``
    with ``choices``; a pending one, or someone who left, gets ``choices`` and a new
    confirmation; an active or paused person is left as they are and gets their
    link. A suppressed address changes nothing. ``text`` is the consent text the
    form showed: its version and hash go into the ``subscribed`` event, and its
    legal basis onto the person. The caller commits, then sends.
    """
    address, email_key = normalise_email(email)
    email_hash = by.hash_of(email_key)
    if is_suppressed(session, email_hash):
        return SignUpOutcome(SignUpNotice.NONE)
    subscriber = find_subscriber(session, email_key)
    if subscriber is not None and subscriber.status in SUBSCRIBED:
        return SignUpOutcome(SignUpNotice.LINK, Recipient.of(subscriber))
    if subscriber is None:
        subscriber = Subscriber(
            email=address,
            email_key=email_key,
            status=SubscriberStatus.PENDING,
            token_salt=new_token_salt(),
            source=SIGN_UP_SOURCE,
            created_at=by.now,
        )
        session.add(subscriber)
        previous = None
    else:
        previous = subscriber.status.value
    subscriber.audiences = list(choices.audiences)
    subscriber.topics = list(choices.topics)
    subscriber.language = choices.language
    subscriber.legal_basis = text.legal_basis
    subscriber.updated_at = by.now
    session.flush()
    details = choices.as_dict()
    if previous is not None:
        details["previous_status"] = previous
    record_event(
        session,
        subscriber=subscriber,
        email_hash=email_hash,
        kind=ConsentEventKind.SUBSCRIBED,
        channel=by.channel,
        legal_basis=text.legal_basis,
        now=by.now,
        text_version=text.version,
        text_sha256=text.sha256,
        details=details,
    )
    return SignUpOutcome(SignUpNotice.CONFIRM, Recipient.of(subscriber))


def confirm(session: Session, subscriber: Subscriber, *, by: Actor) -> ConfirmResult:
    """Double opt-in: make a pending (or returning) person active; a replay changes nothing."""
    if subscriber.status in SUBSCRIBED:
        return ConfirmResult.ALREADY
    email_hash = by.hash_of(subscriber.email_key)
    if is_suppressed(session, email_hash):
        return ConfirmResult.BLOCKED
    previous = subscriber.status.value
    subscriber.status = SubscriberStatus.ACTIVE
    subscriber.confirmed_at = by.now
    subscriber.paused_until = None
    subscriber.soft_bounces = 0
    subscriber.updated_at = by.now
    _event(session, subscriber, ConsentEventKind.CONFIRMED, by, {"previous_status": previous})
    return ConfirmResult.CONFIRMED


def change_preferences(
    session: Session, subscriber: Subscriber, choices: Choices, *, by: Actor
) -> bool:
    """Store new choices; the event lists each changed field before and after.

    Returns False, and records nothing, when nothing differs.
    """
    before = Choices.of(subscriber).as_dict()
    after = choices.as_dict()
    changed = {
        key: {"from": before[key], "to": value}
        for key, value in after.items()
        if before[key] != value
    }
    if not changed:
        return False
    subscriber.audiences = list(choices.audiences)
    subscriber.topics = list(choices.topics)
    subscriber.language = choices.language
    subscriber.updated_at = by.now
    _event(session, subscriber, ConsentEventKind.PREFERENCES_CHANGED, by, changed)
    return True


def pause(session: Session, subscriber: Subscriber, until: datetime, *, by: Actor) -> None:
    """Send nothing before ``until`` (aware); sending resumes by itself afterwards."""
    if subscriber.status is not SubscriberStatus.ACTIVE:
        raise ValidationError(
            f"only an active subscription can be paused (this one is {subscriber.status})"
        )
    if until.tzinfo is None or until <= by.now:
        raise ValidationError("a pause must end at a time after now")
    subscriber.paused_until = until
    subscriber.updated_at = by.now
    _event(session, subscriber, ConsentEventKind.PAUSED, by, {"until": until.isoformat()})


def resume(session: Session, subscriber: Subscriber, *, by: Actor) -> bool:
    """End a pause now; False when the person was not paused."""
    if not is_paused(subscriber, by.now):
        return False
    if subscriber.status is SubscriberStatus.PAUSED:
        subscriber.status = SubscriberStatus.ACTIVE
    subscriber.paused_until = None
    subscriber.updated_at = by.now
    _event(session, subscriber, ConsentEventKind.RESUMED, by, {})
    return True


def unsubscribe(
    session: Session,
    subscriber: Subscriber,
    *,
    by: Actor,
    details: dict[str, Any] | None = None,
) -> bool:
    """Stop everything at once. Idempotent: False, and no new event, when already out.

    ``details`` are added to the event (the follow-up passes the issue and variant the
    unsubscription came from)."""
    if subscriber.status is SubscriberStatus.UNSUBSCRIBED:
        return False
    previous = subscriber.status.value
    subscriber.status = SubscriberStatus.UNSUBSCRIBED
    subscriber.paused_until = None
    subscriber.updated_at = by.now
    extra = {**(details or {}), "previous_status": previous}
    _event(session, subscriber, ConsentEventKind.UNSUBSCRIBED, by, extra)
    return True


def resubscribe(
    session: Session, subscriber: Subscriber, *, text: ConsentText, by: Actor
) -> ConfirmResult:
    """Come back from the preference centre: the manage link proves the mailbox, so no
    second confirmation is needed. Records ``subscribed`` with the text shown."""
    if subscriber.status in SUBSCRIBED:
        return ConfirmResult.ALREADY
    email_hash = by.hash_of(subscriber.email_key)
    if is_suppressed(session, email_hash):
        return ConfirmResult.BLOCKED
    previous = subscriber.status.value
    subscriber.status = SubscriberStatus.ACTIVE
    subscriber.confirmed_at = subscriber.confirmed_at or by.now
    subscriber.legal_basis = text.legal_basis
    subscriber.soft_bounces = 0
    subscriber.updated_at = by.now
    record_event(
        session,
        subscriber=subscriber,
        email_hash=email_hash,
        kind=ConsentEventKind.SUBSCRIBED,
        channel=by.channel,
        legal_basis=text.legal_basis,
        now=by.now,
        text_version=text.version,
        text_sha256=text.sha256,
        details={"previous_status": previous, **Choices.of(subscriber).as_dict()},
    )
    return ConfirmResult.CONFIRMED


def _event(
    session: Session,
    subscriber: Subscriber,
    kind: ConsentEventKind,
    by: Actor,
    details: dict[str, Any],
) -> None:
    session.flush()
    record_event(
        session,
        subscriber=subscriber,
        email_hash=by.hash_of(subscriber.email_key),
        kind=kind,
        channel=by.channel,
        legal_basis=subscriber.legal_basis,
        now=by.now,
        details=details,
    )
