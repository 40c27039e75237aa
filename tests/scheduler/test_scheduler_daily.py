"""The daily checks: from 09:00, once a day, the quota watchdog tells the administrators when
the year's sent and still possible issues cannot reach the minimum — a plan of three
issues, or four with one held — and stays quiet when the plan is enough; from October it
asks weekly for next year's plan; a pass purges sign-ups never confirmed."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler_factories import ADMIN, body, make_issue, notices, one_pass, parts_for, write_plan
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import FixedClock
from tryggnews.config import Settings
from tryggnews.db.models import IssueStatus, Subscriber

STOCKHOLM = ZoneInfo("Europe/Stockholm")
THREE = [("2027-1", "2027-02-15"), ("2027-2", "2027-05-24"), ("2027-3", "2027-09-06")]
FOUR = [*THREE, ("2027-4", "2027-11-08")]


def morning(day: int, hour: int, minute: int = 0) -> FixedClock:
    return FixedClock(datetime(2027, 1, day, hour, minute, tzinfo=STOCKHOLM))


def test_a_plan_of_three_issues_alerts_the_administrators_once_a_day(
    tmp_path: Path, engine: Engine, settings: Settings
) -> None:
    plan = write_plan(tmp_path, THREE)
    clock = morning(10, 8, 59)
    parts = parts_for(engine, settings, clock, plan)
    assert one_pass(parts) == []  # before 09:00

    clock.advance(timedelta(minutes=1))
    assert [str(a) for a in one_pass(parts)] == [f"quota 2027: to {ADMIN}"]
    alert = notices(settings, "quota:2027:2027-01-10")
    assert [str(m["To"]) for m in alert] == [ADMIN]
    assert str(alert[0]["Subject"]) == "Trygg i Österåker 2027: planen når inte minst 4 utskick"
    text = body(alert[0])
    assert "För 2027 har 0 skickats och 3 till kan fortfarande gå ut – totalt 3" in text
    assert "tryggnews plan check --year 2027" in text

    clock.advance(timedelta(hours=5))
    assert one_pass(parts) == []  # once a day
    clock.advance(timedelta(hours=19))  # 11 January, 09:00
    assert [a.kind for a in one_pass(parts)] == ["quota"]
    assert len(notices(settings, "quota:")) == 2


def test_a_plan_of_four_issues_is_enough(
    tmp_path: Path, engine: Engine, settings: Settings
) -> None:
    parts = parts_for(engine, settings, morning(10, 9), write_plan(tmp_path, FOUR))
    assert one_pass(parts) == []
    assert notices(settings) == []


def test_a_held_issue_no_longer_counts(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        make_issue(
            session,
            "2027-4",
            datetime(2027, 11, 8, 8, tzinfo=STOCKHOLM),
            status=IssueStatus.HELD,
        )
    parts = parts_for(engine, settings, morning(10, 9), write_plan(tmp_path, FOUR))
    assert [a.kind for a in one_pass(parts)] == ["quota"]
    assert "- 2027-4 mån 8 november: stoppat" in body(notices(settings, "quota:")[0])


def test_an_issue_sent_outside_the_plan_counts(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        make_issue(
            session, "2027-9", datetime(2027, 1, 5, 8, tzinfo=STOCKHOLM), status=IssueStatus.SENT
        )
    parts = parts_for(engine, settings, morning(10, 9), write_plan(tmp_path, THREE))
    assert one_pass(parts) == []


def test_a_pass_purges_sign_ups_never_confirmed(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    clock = morning(10, 8)
    with session_factory.begin() as session:
        for age, address in ((31, "old@example.org"), (29, "new@example.org")):
            session.add(
                Subscriber(
                    email=address,
                    email_key=address,
                    token_salt="salt",
                    updated_at=clock.now() - timedelta(days=age),
                )
            )
    parts = parts_for(engine, settings, clock, write_plan(tmp_path, FOUR))
    assert [str(a) for a in one_pass(parts)] == ["purged sign-ups: 1 never confirmed"]
    with session_factory() as session:
        assert session.scalars(select(Subscriber.email)).all() == ["new@example.org"]


def test_from_october_next_years_plan_is_asked_for_once_a_week(
    tmp_path: Path, engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        for key, day in THREE:  # this year is on track: three sent, one still to come
            send_at = datetime.fromisoformat(day).replace(hour=8, tzinfo=STOCKHOLM)
            make_issue(session, key, send_at, status=IssueStatus.SENT)
    clock = FixedClock(datetime(2027, 9, 30, 9, 0, tzinfo=STOCKHOLM))
    parts = parts_for(engine, settings, clock, write_plan(tmp_path, FOUR))
    assert one_pass(parts) == []  # September: not yet

    clock.advance(timedelta(days=1))  # Friday 1 October
    assert [str(a) for a in one_pass(parts)] == [f"quota 2028: to {ADMIN}"]
    [alert] = notices(settings, "quota-plan:2028:")
    assert str(alert["Subject"]) == "Trygg i Österåker 2028: planen har 0 av minst 4 utskick"
    assert "tryggnews plan check --year 2028" in body(alert)

    clock.advance(timedelta(days=2))  # Sunday: the same week
    assert one_pass(parts) == []
    clock.advance(timedelta(days=1))  # Monday: a new week, still no plan
    assert [a.kind for a in one_pass(parts)] == ["quota"]
    assert len(notices(settings, "quota-plan:2028:")) == 2

    planned = [*FOUR, *((f"2028-{n}", f"2028-0{n + 1}-14") for n in range(1, 5))]
    clock.advance(timedelta(days=7))
    parts = parts_for(engine, settings, clock, write_plan(tmp_path, planned))
    assert one_pass(parts) == []  # next year is planned: quiet
