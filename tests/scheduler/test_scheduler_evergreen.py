"""Evergreen fill: with auto_fill, an approved issue left thin at its deadline is completed
with evergreen blocks approved for reuse — never a draft or merely ready block — and
the issue goes out with them; without auto_fill, or before the deadline, nothing changes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler_factories import (
    ADMIN,
    KOMMUN_EDITORS,
    POLIS_EDITOR,
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

from tryggnews.clock import FixedClock
from tryggnews.config import Settings
from tryggnews.content.issues import issue_blocks
from tryggnews.db.models import BlockStatus, Issue, IssueStatus
from tryggnews.scheduler.approval import reusable_evergreen_blocks

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PLAN = [
    ("2027-1", "2027-02-15"),
    ("2027-2", "2027-04-07"),
    ("2027-3", "2027-05-24"),
    ("2027-4", "2027-09-06"),
]
AFTER_DEADLINE = datetime(2027, 2, 6, 0, 30, tzinfo=STOCKHOLM)  # deadline: 5 February
SEND_AT = datetime(2027, 2, 15, 8, 0, tzinfo=STOCKHOLM)
UNAPPROVED = ("Utkast som inte får gå ut", "Klar men inte godkänd", "Ej tidlös")


def seed(
    session_factory: sessionmaker[Session],
    *,
    issue_status: IssueStatus = IssueStatus.APPROVED,
    approved_evergreens: int = 2,
) -> None:
    with session_factory.begin() as session:
        make_subscribers(session, 2)
        own = make_block(session, "Båtsamverkan i skärgården")
        make_issue(session, "2027-1", SEND_AT, status=issue_status, blocks=[own])
        make_block(session, UNAPPROVED[0], status=BlockStatus.DRAFT, evergreen=True)
        make_block(session, UNAPPROVED[1], status=BlockStatus.READY, evergreen=True)
        make_block(session, UNAPPROVED[2], organisation="kommun")  # approved, not evergreen
        for n in range(approved_evergreens):
            make_block(session, f"Tidlöst råd {n + 1}", organisation="kommun", evergreen=True)


def titles(session_factory: sessionmaker[Session]) -> list[str]:
    with session_factory() as session:
        issue = session.scalars(select(Issue).where(Issue.key == "2027-1")).one()
        return [b.title for b in issue_blocks(issue)]


def test_only_blocks_approved_for_reuse_count_as_evergreen(
    session_factory: sessionmaker[Session],
) -> None:
    seed(session_factory)
    with session_factory() as session:
        found = [b.title for b in reusable_evergreen_blocks(session)]
    assert found == ["Tidlöst råd 1", "Tidlöst råd 2"]


def test_a_thin_approved_issue_is_filled_with_approved_evergreen_blocks_only(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    seed(session_factory)
    plan = write_plan(tmp_path, PLAN, auto_fill=True)
    clock = FixedClock(AFTER_DEADLINE)
    actions = one_pass(parts_for(engine, settings, clock, plan))
    assert [a.kind for a in actions][:2] == ["filled", "autofill"]
    assert titles(session_factory) == [
        "Båtsamverkan i skärgården",
        "Tidlöst råd 1",
        "Tidlöst råd 2",
    ]
    told = notices(settings, "autofill:2027-1")
    assert recipients(told) == sorted([POLIS_EDITOR, *KOMMUN_EDITORS, ADMIN])
    assert "- Tidlöst råd 1\n- Tidlöst råd 2" in body(told[0])

    # At its time the issue goes out with them, and with nothing unapproved.
    sent = one_pass(parts_for(engine, settings, FixedClock(SEND_AT), plan))
    assert "sent" in [a.kind for a in sent]
    messages = newsletters(settings, "Trygg i Österåker 2027-1")
    assert len(messages) == 2
    text = body(messages[0])
    assert "Tidlöst råd 2" in text
    assert not any(title in text for title in UNAPPROVED)


def test_without_enough_approved_evergreen_blocks_nothing_else_is_added(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    seed(session_factory, approved_evergreens=1)
    plan = write_plan(tmp_path, PLAN, auto_fill=True)
    for _ in range(2):
        one_pass(parts_for(engine, settings, FixedClock(AFTER_DEADLINE), plan))
    assert titles(session_factory) == ["Båtsamverkan i skärgården", "Tidlöst råd 1"]


def test_no_fill_without_auto_fill_before_the_deadline_or_for_an_unapproved_issue(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    seed(session_factory)
    off = write_plan(tmp_path, PLAN, auto_fill=False)
    one_pass(parts_for(engine, settings, FixedClock(AFTER_DEADLINE), off))
    assert titles(session_factory) == ["Båtsamverkan i skärgården"]

    on = write_plan(tmp_path, PLAN, auto_fill=True)
    before = datetime(2027, 2, 5, 23, 59, tzinfo=STOCKHOLM)
    one_pass(parts_for(engine, settings, FixedClock(before), on))
    assert titles(session_factory) == ["Båtsamverkan i skärgården"]

    with session_factory.begin() as session:
        session.scalars(select(Issue)).one().status = IssueStatus.DRAFT
    one_pass(parts_for(engine, settings, FixedClock(AFTER_DEADLINE), on))
    assert titles(session_factory) == ["Båtsamverkan i skärgården"]
