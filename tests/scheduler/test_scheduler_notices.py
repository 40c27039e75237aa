"""Reminders and escalations land in the Maildir outbox, in Swedish, with a link to the
issue, addressed to the right people, and only once across passes and restarts."""

from __future__ import annotations

import dataclasses
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
    make_issue,
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
from tryggnews.db.models import IssueStatus, Notification
from tryggnews.scheduler.runner import SchedulerParts

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# 2027-2 goes out on Wednesday 14 April; its deadline is 4 April, reminders 28 March and
# 2 April. Four more issues keep the quota watchdog quiet.
PLAN = [
    ("2027-1", "2027-02-15"),
    ("2027-2", "2027-04-14"),
    ("2027-3", "2027-05-24"),
    ("2027-4", "2027-09-06"),
    ("2027-5", "2027-11-08"),
]
LINK = "http://127.0.0.1:8000/redaktion/utskick/2027-2"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)


def plan_parts(
    tmp_path: Path,
    engine: Engine,
    settings: Settings,
    session_factory: sessionmaker[Session],
    at: datetime,
    *,
    issue: IssueStatus | None = IssueStatus.DRAFT,
) -> tuple[SchedulerParts, FixedClock]:
    path = write_plan(tmp_path, PLAN)
    with session_factory.begin() as session:
        make_issue(session, "2027-1", local(2027, 2, 15, 8, 0), status=IssueStatus.SENT)
        if issue is not None:
            make_issue(session, "2027-2", local(2027, 4, 14, 8, 0), status=issue)
    clock = FixedClock(at)
    return parts_for(engine, settings, clock, path), clock


def test_reminders_go_to_each_organisations_editors_once(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    parts, clock = plan_parts(
        tmp_path, engine, settings, session_factory, local(2027, 3, 28, 7, 59)
    )
    assert one_pass(parts) == []

    clock.advance(timedelta(minutes=1))
    assert [str(a) for a in one_pass(parts)] == [
        f"reminder 2027-2: to {POLIS_EDITOR}",
        f"reminder 2027-2: to {', '.join(KOMMUN_EDITORS)}",
    ]
    assert recipients(notices(settings, "reminder:2027-2:polis:2027-03-28")) == [POLIS_EDITOR]
    assert recipients(notices(settings, "reminder:2027-2:kommun:2027-03-28")) == sorted(
        KOMMUN_EDITORS
    )
    message = notices(settings, "reminder:2027-2:polis")[0]
    assert str(message["Subject"]) == (
        "Påminnelse: Trygg i Österåker 2027-2 – bidrag och godkännande senast söndag 4 april 2027"
    )
    assert str(message["From"]) == "Trygg i Österåker <nyhetsbrev@trygg.example.se>"
    assert str(message["Reply-To"]) == "trygghet@kommun.example.se"
    assert message["Auto-Submitted"] == "auto-generated"
    text = body(message)
    assert "Polisen har inte godkänt sin del ännu" in text
    assert "Utskick: onsdag 14 april 2027 kl. 08:00" in text
    assert LINK in text

    # A restart: new parts, a new transport; nothing is sent again that day or the next.
    clock.advance(timedelta(hours=30))
    restarted = parts_for(engine, settings, clock, tmp_path / "schedule.toml")
    assert one_pass(restarted) == []
    assert len(notices(settings)) == 3

    clock.advance(timedelta(days=4))  # 2 April, the second reminder
    assert [a.kind for a in one_pass(restarted)] == ["reminder", "reminder"]
    assert len(notices(settings, "reminder:2027-2:polis:2027-04-02")) == 1


def test_after_downtime_only_the_latest_reminder_is_sent(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    parts, _ = plan_parts(tmp_path, engine, settings, session_factory, local(2027, 4, 2, 9, 0))
    one_pass(parts)
    keys = sorted(str(m["X-Tryggnews-Notice"]) for m in notices(settings))
    assert keys == [
        "reminder:2027-2:kommun:2027-04-02",
        "reminder:2027-2:kommun:2027-04-02",
        "reminder:2027-2:polis:2027-04-02",
    ]


def test_an_approved_issue_gets_no_reminders_or_escalation(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    parts, clock = plan_parts(
        tmp_path,
        engine,
        settings,
        session_factory,
        local(2027, 3, 28, 9, 0),
        issue=IssueStatus.APPROVED,
    )
    assert [a.kind for a in one_pass(parts)] == ["scheduled"]
    clock.advance(timedelta(days=9))  # past the deadline
    assert one_pass(parts) == []
    assert notices(settings) == []


def test_a_passed_deadline_is_escalated_to_both_organisations_once(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    parts, clock = plan_parts(
        tmp_path, engine, settings, session_factory, local(2027, 4, 4, 23, 59)
    )
    one_pass(parts)
    assert notices(settings, "escalation:") == []

    clock.advance(timedelta(minutes=1))  # midnight: 4 April has passed
    assert [str(a) for a in one_pass(parts)] == [
        f"escalation 2027-2: to {POLIS_CHIEF}, {KOMMUN_CHIEF}"
    ]
    escalations = notices(settings, "escalation:2027-2")
    assert recipients(escalations) == sorted([POLIS_CHIEF, KOMMUN_CHIEF])
    message = escalations[0]
    assert str(message["Subject"]) == (
        "Sista dag har passerat: Trygg i Österåker 2027-2 är inte godkänt"
    )
    text = body(message)
    assert "inte godkänt av Polisen och Österåkers kommun" in text
    assert LINK in text

    clock.advance(timedelta(days=2))
    restarted = parts_for(engine, settings, clock, tmp_path / "schedule.toml")
    assert one_pass(restarted) == []
    assert len(notices(settings, "escalation:")) == 2


def test_a_plan_entry_without_an_issue_is_reported_by_its_deadline(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    parts, _ = plan_parts(
        tmp_path, engine, settings, session_factory, local(2027, 4, 5, 8, 0), issue=None
    )
    one_pass(parts)
    escalations = notices(settings, "escalation:2027-2")
    assert recipients(escalations) == sorted([POLIS_CHIEF, KOMMUN_CHIEF, ADMIN])
    text = body(escalations[0])
    assert "Utskicket har inte ens skapats i tryggnews." in text
    assert "tryggnews issue create --from-plan 2027-2" in text


def test_a_notice_the_transport_refuses_is_tried_again_next_pass(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    parts, _ = plan_parts(tmp_path, engine, settings, session_factory, local(2027, 3, 28, 8, 0))
    flaky = FlakyTransport(settings.outbox_dir, failures=2)
    parts = dataclasses.replace(parts, make_transport=lambda: flaky)
    actions = one_pass(parts)
    assert [a.kind for a in actions] == ["error", "error"]
    assert "tried again later" in actions[0].detail
    with session_factory() as session:
        assert session.scalars(select(Notification)).all() == []
    assert [a.kind for a in one_pass(parts)] == ["reminder", "reminder"]
    assert len(notices(settings)) == 3
