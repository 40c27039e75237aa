"""A subscriber's life: sign-up (double opt-in, no overwrite of an active person's choices,
nothing for a suppressed address), confirm (replay changes nothing), preferences, pause,
unsubscribe (idempotent), coming back — each change with its consent event.

Runs on a SQLite file and on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.content.vocabulary import Vocabulary
from tryggnews.db.models import ConsentEvent, ConsentEventKind, Subscriber, SubscriberStatus
from tryggnews.errors import ValidationError
from tryggnews.subscribers.consent import history
from tryggnews.subscribers.lifecycle import (
    Actor,
    Choices,
    ConfirmResult,
    SignUpNotice,
    change_preferences,
    confirm,
    find_subscriber,
    is_paused,
    pause,
    resubscribe,
    resume,
    sign_up,
    unsubscribe,
)
from tryggnews.subscribers.suppression import address_hash, suppress
from tryggnews.subscribers.texts import current_text

SECRET = "lifecycle-test-secret-0123456789abcdef"
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
PARENT = Choices(("parents-7-9",), ("andts",), "sv")
TEXT = current_text("consent")


def by(channel: str = "form", at: datetime = T0) -> Actor:
    return Actor(channel=channel, now=at, secret_key=SECRET)


def kinds(session: Session, email_key: str) -> list[str]:
    return [event.kind.value for event in history(session, address_hash(SECRET, email_key))]


def signed_up(session: Session, email: str = "anna@example.org") -> Subscriber:
    outcome = sign_up(session, email, PARENT, text=TEXT, by=by())
    assert outcome.notice is SignUpNotice.CONFIRM
    subscriber = find_subscriber(session, email.casefold())
    assert subscriber is not None
    return subscriber


def active(session: Session, email: str = "anna@example.org") -> Subscriber:
    subscriber = signed_up(session, email)
    assert confirm(session, subscriber, by=by("link")) is ConfirmResult.CONFIRMED
    return subscriber


def test_a_new_address_becomes_pending_with_a_subscribed_event(session: Session) -> None:
    outcome = sign_up(session, " Anna@Example.ORG ", PARENT, text=TEXT, by=by())
    assert outcome.notice is SignUpNotice.CONFIRM and outcome.recipient is not None
    subscriber = find_subscriber(session, "anna@example.org")
    assert subscriber is not None
    assert outcome.recipient.subscriber_id == subscriber.id
    assert (subscriber.email, subscriber.status) == ("Anna@example.org", SubscriberStatus.PENDING)
    assert (subscriber.audiences, subscriber.topics, subscriber.language) == (
        ["parents-7-9"],
        ["andts"],
        "sv",
    )
    assert (subscriber.legal_basis, subscriber.source, subscriber.confirmed_at) == (
        "consent",
        "form",
        None,
    )
    [event] = history(session, address_hash(SECRET, "anna@example.org"))
    assert event.kind is ConsentEventKind.SUBSCRIBED
    assert (event.channel, event.legal_basis, event.subscriber_id) == (
        "form",
        "consent",
        subscriber.id,
    )
    assert (event.text_version, event.text_sha256) == (TEXT.version, TEXT.sha256)
    assert event.details == {"audiences": ["parents-7-9"], "topics": ["andts"], "language": "sv"}
    assert event.created_at == T0


def test_the_public_task_text_sets_that_basis(session: Session) -> None:
    text = current_text("public-task")
    sign_up(session, "anna@example.org", PARENT, text=text, by=by())
    subscriber = find_subscriber(session, "anna@example.org")
    assert subscriber is not None and subscriber.legal_basis == "public-task"
    [event] = history(session, address_hash(SECRET, "anna@example.org"))
    assert (event.legal_basis, event.text_version) == ("public-task", text.version)


def test_signing_up_again_while_pending_updates_the_choices_and_confirms_again(
    session: Session,
) -> None:
    first = signed_up(session)
    later = Choices(("senior",), (), "en")
    outcome = sign_up(session, "anna@example.org", later, text=TEXT, by=by(at=T0 + timedelta(1)))
    assert outcome.notice is SignUpNotice.CONFIRM
    session.refresh(first)
    assert (first.audiences, first.language, first.status) == (
        ["senior"],
        "en",
        SubscriberStatus.PENDING,
    )
    assert kinds(session, "anna@example.org") == ["subscribed", "subscribed"]


def test_an_active_person_gets_their_link_and_nothing_changes(session: Session) -> None:
    subscriber = active(session)
    before = (subscriber.audiences, subscriber.topics, subscriber.updated_at)
    stranger = Choices(("foretag",), ("vald",), "so")
    outcome = sign_up(session, "ANNA@example.org", stranger, text=TEXT, by=by(at=T0 + timedelta(2)))
    assert outcome.notice is SignUpNotice.LINK
    assert outcome.recipient is not None and outcome.recipient.subscriber_id == subscriber.id
    session.refresh(subscriber)
    assert (subscriber.audiences, subscriber.topics, subscriber.updated_at) == before
    assert kinds(session, "anna@example.org") == ["subscribed", "confirmed"]


def test_a_suppressed_address_is_neither_stored_nor_sent_anything(session: Session) -> None:
    suppress(session, email_hash=address_hash(SECRET, "gone@example.org"), reason="erased", now=T0)
    outcome = sign_up(session, "Gone@example.org", PARENT, text=TEXT, by=by())
    assert (outcome.notice, outcome.recipient) == (SignUpNotice.NONE, None)
    assert session.scalars(select(Subscriber)).all() == []
    assert session.scalars(select(ConsentEvent)).all() == []


def test_an_invalid_address_is_refused(session: Session) -> None:
    with pytest.raises(ValidationError):
        sign_up(session, "<script>alert(1)</script>", PARENT, text=TEXT, by=by())
    assert session.scalars(select(Subscriber)).all() == []


def test_choices_refuse_unknown_keys(vocabulary: Vocabulary) -> None:
    with pytest.raises(ValidationError, match="unknown audience 'pensionar'"):
        Choices.checked(vocabulary, ["pensionar"], [], "sv")
    with pytest.raises(ValidationError, match="unknown topic"):
        Choices.checked(vocabulary, ["senior"], ["<b>"], "sv")
    with pytest.raises(ValidationError, match="unknown language"):
        Choices.checked(vocabulary, ["senior"], [], "xx")
    checked = Choices.checked(vocabulary, [" senior", "senior"], [], "sv")
    assert checked == Choices(("senior",), (), "sv")


def test_confirming_activates_once_and_a_replay_changes_nothing(session: Session) -> None:
    subscriber = signed_up(session)
    later = T0 + timedelta(hours=1)
    assert confirm(session, subscriber, by=by("link", later)) is ConfirmResult.CONFIRMED
    assert (subscriber.status, subscriber.confirmed_at) == (SubscriberStatus.ACTIVE, later)
    replay = T0 + timedelta(hours=2)
    assert confirm(session, subscriber, by=by("link", replay)) is ConfirmResult.ALREADY
    assert subscriber.confirmed_at == later
    assert kinds(session, "anna@example.org") == ["subscribed", "confirmed"]


def test_a_suppressed_address_cannot_be_confirmed(session: Session) -> None:
    subscriber = signed_up(session)
    suppress(session, email_hash=address_hash(SECRET, "anna@example.org"), reason="blocked", now=T0)
    assert confirm(session, subscriber, by=by("link")) is ConfirmResult.BLOCKED
    assert subscriber.status is SubscriberStatus.PENDING


def test_someone_who_left_and_signs_up_again_is_active_only_after_confirming(
    session: Session,
) -> None:
    subscriber = active(session)
    assert unsubscribe(session, subscriber, by=by("one-click"))
    outcome = sign_up(
        session, "anna@example.org", Choices(("senior",), (), "sv"), text=TEXT, by=by()
    )
    assert outcome.notice is SignUpNotice.CONFIRM
    # An import must not be able to turn this into an active subscription: the status
    # stays "unsubscribed" until the person confirms.
    assert subscriber.status is SubscriberStatus.UNSUBSCRIBED
    assert confirm(session, subscriber, by=by("link")) is ConfirmResult.CONFIRMED
    assert (subscriber.status, subscriber.audiences) == (SubscriberStatus.ACTIVE, ["senior"])
    assert kinds(session, "anna@example.org") == [
        "subscribed",
        "confirmed",
        "unsubscribed",
        "subscribed",
        "confirmed",
    ]


def test_changed_preferences_record_before_and_after(session: Session) -> None:
    subscriber = active(session)
    changed = change_preferences(
        session, subscriber, Choices(("parents-7-9", "senior"), ("andts",), "en"), by=by("link")
    )
    assert changed
    event = history(session, address_hash(SECRET, "anna@example.org"))[-1]
    assert event.kind is ConsentEventKind.PREFERENCES_CHANGED
    assert (event.channel, event.legal_basis) == ("link", "consent")
    assert event.details == {
        "audiences": {"from": ["parents-7-9"], "to": ["parents-7-9", "senior"]},
        "language": {"from": "sv", "to": "en"},
    }
    assert not change_preferences(session, subscriber, Choices.of(subscriber), by=by("link"))
    assert kinds(session, "anna@example.org").count("preferences_changed") == 1


def test_a_pause_ends_by_itself_and_can_be_ended_early(session: Session) -> None:
    subscriber = active(session)
    until = T0 + timedelta(days=30)
    pause(session, subscriber, until, by=by("link"))
    assert subscriber.status is SubscriberStatus.ACTIVE and subscriber.paused_until == until
    assert is_paused(subscriber, T0 + timedelta(days=29))
    assert not is_paused(subscriber, until)
    assert resume(session, subscriber, by=by("link", T0 + timedelta(days=1)))
    assert subscriber.paused_until is None
    assert not resume(session, subscriber, by=by("link", T0 + timedelta(days=2)))
    assert kinds(session, "anna@example.org")[-2:] == ["paused", "resumed"]
    pause_event = history(session, address_hash(SECRET, "anna@example.org"))[-2]
    assert pause_event.details == {"until": until.isoformat()}


def test_a_pause_must_end_in_the_future_and_needs_an_active_subscription(
    session: Session,
) -> None:
    subscriber = active(session)
    with pytest.raises(ValidationError, match="after now"):
        pause(session, subscriber, T0, by=by("link"))
    pending = signed_up(session, "bo@example.org")
    with pytest.raises(ValidationError, match="only an active"):
        pause(session, pending, T0 + timedelta(days=3), by=by("link"))


def test_unsubscribing_is_idempotent(session: Session) -> None:
    subscriber = active(session)
    pause(session, subscriber, T0 + timedelta(days=3), by=by("link"))
    assert unsubscribe(session, subscriber, by=by("one-click"))
    assert (subscriber.status, subscriber.paused_until) == (SubscriberStatus.UNSUBSCRIBED, None)
    assert not unsubscribe(session, subscriber, by=by("one-click"))
    assert kinds(session, "anna@example.org").count("unsubscribed") == 1
    event = history(session, address_hash(SECRET, "anna@example.org"))[-1]
    assert (event.channel, event.details) == ("one-click", {"previous_status": "active"})


def test_coming_back_from_the_preference_centre_records_the_text(session: Session) -> None:
    subscriber = active(session)
    unsubscribe(session, subscriber, by=by("link"))
    text = current_text("public-task")
    assert resubscribe(session, subscriber, text=text, by=by("link")) is ConfirmResult.CONFIRMED
    assert (subscriber.status, subscriber.legal_basis) == (SubscriberStatus.ACTIVE, "public-task")
    event = history(session, address_hash(SECRET, "anna@example.org"))[-1]
    assert (event.kind, event.text_version, event.text_sha256) == (
        ConsentEventKind.SUBSCRIBED,
        text.version,
        text.sha256,
    )
    assert resubscribe(session, subscriber, text=text, by=by("link")) is ConfirmResult.ALREADY


def test_an_actor_refuses_unknown_channels_and_naive_times() -> None:
    with pytest.raises(ValueError, match="channel"):
        Actor(channel="carrier-pigeon", now=T0, secret_key=SECRET)
    with pytest.raises(ValueError, match="timezone"):
        Actor(channel="form", now=datetime(2027, 1, 1), secret_key=SECRET)
