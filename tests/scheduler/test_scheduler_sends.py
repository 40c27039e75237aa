"""Sending on time: an approved issue goes out at its planned time and not before; one not
approved is held and escalated; after downtime it is sent within the grace period and held
beyond it; failing lint holds it; due retry rows are resent."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler_factories import (
    ADMIN,
    KOMMUN_CHIEF,
    KOMMUN_EDITORS,
    POLIS_CHIEF,
    POLIS_EDITOR,
    FlakyTransport,
    body,
    make_block,
    make_issue,
    make_subscribers,
    newsletters,
    notices,
    one_pass,
    parts_for,
    recipients,
    write_plan,
)
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock, FixedClock
from tryggnews.config import Settings
from tryggnews.content.approvals import lock_issue, record_edit
from tryggnews.content.issues import get_issue
from tryggnews.db.models import (
    Delivery,
    DeliveryStatus,
    Issue,
    IssueStatus,
    Notification,
    Subscriber,
    SubscriberStatus,
    Suppression,
)
from tryggnews.scheduler.runner import SchedulerParts
from tryggnews.transports.base import OutgoingMessage, ResultCallback, SendResult, SendStatus
from tryggnews.transports.outbox import MaildirTransport

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SEND_AT = datetime(2027, 2, 15, 8, 0, tzinfo=STOCKHOLM)
SUBJECT = "Trygg i Österåker 2027-1"
FIVE_ISSUES = [
    ("2027-1", "2027-02-15"),
    ("2027-2", "2027-04-07"),
    ("2027-3", "2027-05-24"),
    ("2027-4", "2027-09-06"),
    ("2027-5", "2027-11-08"),
]


def setup(
    tmp_path: Path,
    engine: Engine,
    settings: Settings,
    session_factory: sessionmaker[Session],
    *,
    status: IssueStatus = IssueStatus.APPROVED,
    at: datetime = SEND_AT,
    body_md: str | None = None,
) -> tuple[SchedulerParts, FixedClock]:
    # Five issues, so that holding one leaves the year's quota reachable.
    plan = write_plan(tmp_path, FIVE_ISSUES)
    with session_factory.begin() as session:
        make_subscribers(session, 3)
        blocks = []
        if body_md is not None:
            block = make_block(session, "Båtstölder")
            block.body_md = body_md
            blocks.append(block)
        make_issue(session, "2027-1", SEND_AT, status=status, blocks=blocks)
    clock = FixedClock(at)
    return parts_for(engine, settings, clock, plan), clock


def issue_row(session_factory: sessionmaker[Session]) -> Issue:
    with session_factory() as session:
        return session.scalars(select(Issue).where(Issue.key == "2027-1")).one()


def kinds(actions: list[object]) -> list[str]:
    return [str(a).split(":")[0] for a in actions]


def test_an_approved_issue_is_sent_at_its_time_and_not_before(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    parts, clock = setup(tmp_path, engine, settings, session_factory, at=SEND_AT)
    clock.advance(timedelta(minutes=-1))
    assert kinds(one_pass(parts)) == ["scheduled 2027-1"]
    assert issue_row(session_factory).status == IssueStatus.SCHEDULED
    assert newsletters(settings, SUBJECT) == []

    clock.advance(timedelta(minutes=1))
    assert kinds(one_pass(parts)) == ["sent 2027-1"]
    assert issue_row(session_factory).status == IssueStatus.SENT
    assert recipients(newsletters(settings, SUBJECT)) == [
        f"person{n}@example.org" for n in range(3)
    ]

    clock.advance(timedelta(minutes=5))
    assert one_pass(parts) == []
    assert len(newsletters(settings, SUBJECT)) == 3


def test_an_issue_not_approved_at_its_time_is_held_and_escalated(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    parts, clock = setup(tmp_path, engine, settings, session_factory, status=IssueStatus.DRAFT)
    actions = one_pass(parts)
    assert kinds(actions) == ["held 2027-1", "held-notice 2027-1"]
    issue = issue_row(session_factory)
    assert issue.status == IssueStatus.HELD
    assert issue.hold_reason == (
        "Inte godkänt av Polisen och Österåkers kommun vid utskickstiden "
        "måndag 15 februari 2027 kl. 08:00."
    )
    assert newsletters(settings, SUBJECT) == []
    held = notices(settings, "held:2027-1")
    assert recipients(held) == sorted([POLIS_CHIEF, KOMMUN_CHIEF, ADMIN])
    assert issue.hold_reason in body(held[0])
    assert "tryggnews issue send 2027-1" in body(held[0])

    clock.advance(timedelta(hours=1))
    assert one_pass(parts) == []  # held stays held, and nobody is told twice
    assert len(notices(settings)) == 3


def test_after_downtime_an_issue_due_within_the_grace_period_is_sent(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    assert settings.send_grace_hours == 24
    at = SEND_AT + timedelta(hours=23, minutes=59)
    parts, _ = setup(tmp_path, engine, settings, session_factory, at=at)
    assert kinds(one_pass(parts)) == ["sent 2027-1"]
    assert len(newsletters(settings, SUBJECT)) == 3


def test_after_downtime_an_issue_due_beyond_the_grace_period_is_held_and_reported(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    at = SEND_AT + timedelta(hours=24, minutes=1)
    parts, _ = setup(tmp_path, engine, settings, session_factory, at=at)
    assert kinds(one_pass(parts)) == ["held 2027-1", "held-notice 2027-1"]
    issue = issue_row(session_factory)
    assert issue.status == IssueStatus.HELD
    assert issue.hold_reason is not None
    assert "passerade för 24 timmar sedan medan schemaläggaren inte körde" in issue.hold_reason
    assert newsletters(settings, SUBJECT) == []
    assert recipients(notices(settings, "held:")) == [ADMIN]


def test_a_shorter_grace_setting_holds_sooner(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    settings = dataclasses.replace(settings, send_grace_hours=2)
    parts, _ = setup(tmp_path, engine, settings, session_factory, at=SEND_AT + timedelta(hours=3))
    assert kinds(one_pass(parts))[0] == "held 2027-1"


def test_an_issue_failing_the_pre_send_checks_is_held_and_the_editors_told(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    parts, _ = setup(tmp_path, engine, settings, session_factory, body_md=" ")
    assert kinds(one_pass(parts)) == ["held 2027-1", "held-notice 2027-1"]
    issue = issue_row(session_factory)
    assert issue.status == IssueStatus.HELD
    assert issue.hold_reason is not None
    assert issue.hold_reason.startswith("Klarar inte kontrollerna före utskick:")
    assert "brödtexten är tom" in issue.hold_reason
    assert recipients(notices(settings)) == sorted([POLIS_EDITOR, *KOMMUN_EDITORS, ADMIN])
    with session_factory() as session:
        assert session.scalars(select(Delivery)).all() == []  # nothing snapshotted


def test_due_retry_rows_are_sent_again_when_their_time_comes(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    parts, clock = setup(tmp_path, engine, settings, session_factory)
    flaky = FlakyTransport(settings.outbox_dir, failures=1)
    parts = dataclasses.replace(parts, make_transport=lambda: flaky)

    assert [str(a) for a in one_pass(parts)] == [
        "sent 2027-1: 0 messages accepted, 3 waiting to be retried"
    ]
    assert issue_row(session_factory).status == IssueStatus.SENDING
    with session_factory() as session:
        rows = session.scalars(select(Delivery)).all()
    assert {r.status for r in rows} == {DeliveryStatus.RETRY}
    first_retry = min(r.next_attempt_at for r in rows if r.next_attempt_at is not None)

    clock.advance(first_retry - clock.now() - timedelta(seconds=1))
    assert one_pass(parts) == []  # not due yet
    clock.advance(timedelta(minutes=10))
    assert [str(a) for a in one_pass(parts)] == ["retried 2027-1: 3 messages accepted"]
    assert issue_row(session_factory).status == IssueStatus.SENT
    assert len(newsletters(settings, SUBJECT)) == 3


def test_an_issue_without_a_schedule_file_is_still_sent(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    parts, _ = setup(tmp_path, engine, settings, session_factory)
    parts = dataclasses.replace(parts, load_schedule=lambda: None)
    assert kinds(one_pass(parts)) == ["sent 2027-1"]
    with session_factory() as session:
        assert session.scalars(select(Notification)).all() == []


class EditorSavesDuringSend(FlakyTransport):
    """A Maildir outbox whose connection check is the moment an editor saves a change.

    ``Publisher.send`` checks the transport after the scheduler decided the issue is
    approved and before its send transaction: the edit lands exactly in between.
    """

    def __init__(self, path: Path, session_factory: sessionmaker[Session], clock: Clock) -> None:
        super().__init__(path, failures=0)
        self.session_factory = session_factory
        self.clock = clock

    def check(self) -> None:
        with self.session_factory.begin() as session:
            issue = lock_issue(session, get_issue(session, "2027-1").id)
            issue.version += 1
            change = "blocket ändrades (text)"
            record_edit(session, issue, actor=POLIS_EDITOR, change=change, now=self.clock.now())


def test_an_edit_between_the_check_and_the_send_holds_the_issue_and_sends_nothing(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    parts, clock = setup(tmp_path, engine, settings, session_factory)
    editing = EditorSavesDuringSend(settings.outbox_dir, session_factory, clock)
    parts = dataclasses.replace(parts, make_transport=lambda: editing)
    assert kinds(one_pass(parts)) == ["held 2027-1", "held-notice 2027-1"]
    issue = issue_row(session_factory)
    assert issue.status == IssueStatus.HELD
    assert issue.hold_reason == (
        "Utskick 2027-1 kan inte skickas förrän Polisen och Österåkers kommun har godkänt det."
    )
    assert newsletters(settings, SUBJECT) == []
    with session_factory() as session:
        assert session.scalars(select(Delivery)).all() == []
    held = notices(settings, "held:2027-1")
    assert recipients(held) == sorted([POLIS_CHIEF, KOMMUN_CHIEF, ADMIN])


class RefusingOneAddress:
    """A Maildir outbox whose mail server says "no such user" (5.1.1) for one address."""

    name = "refusing-outbox"

    def __init__(self, path: Path, refused: str) -> None:
        self.inner = MaildirTransport(path)
        self.refused = refused

    def send(
        self, batch: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        refused = [m for m in batch if m.recipient == self.refused]
        results = [
            SendResult(m.delivery_id, SendStatus.BOUNCED, "550 5.1.1 no such user") for m in refused
        ]
        results += self.inner.send([m for m in batch if m.recipient != self.refused])
        return results

    def close(self) -> None:
        self.inner.close()


def test_a_hard_bounce_during_a_scheduled_send_suppresses_the_address(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    # The scheduler sends with the same options as `issue send`: a 5.1.1 answer marks the
    # person bounced and keeps the address out of every later import and send.
    parts, _clock = setup(tmp_path, engine, settings, session_factory)
    refusing = RefusingOneAddress(settings.outbox_dir, "person1@example.org")
    parts = dataclasses.replace(parts, make_transport=lambda: refusing)
    assert kinds(one_pass(parts)) == ["sent 2027-1"]
    with session_factory() as session:
        person = session.scalars(
            select(Subscriber).where(Subscriber.email == "person1@example.org")
        ).one()
        assert person.status == SubscriberStatus.BOUNCED
        assert session.scalars(select(Suppression)).all() != []
    assert recipients(newsletters(settings, SUBJECT)) == [
        "person0@example.org",
        "person2@example.org",
    ]
