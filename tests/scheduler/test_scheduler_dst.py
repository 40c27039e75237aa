"""DST: across the last Sundays of March and October a send planned on the change day goes
out exactly once, at its local time; a reminder due that day is sent once at 08:00 local;
the daily jobs fire once a day at their local time, never in the 02:00–03:00 hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from scheduler_factories import make_issue, make_subscribers, one_pass, parts_for, write_plan
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import FixedClock
from tryggnews.config import Settings
from tryggnews.db.models import IssueStatus
from tryggnews.planning.schedule import load_schedule
from tryggnews.scheduler.runner import DAILY_JOBS, DST_HOUR, DailyJob, daily_trigger

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# (change day, its send in UTC at 08:00 local, an issue whose 7-day reminder falls that day)
CHANGES = {
    # 28 March 2027: clocks go 02:00 → 03:00; 08:00 CEST is 06:00 UTC.
    "march": ("2027-03-28", datetime(2027, 3, 28, 6, tzinfo=UTC), "2027-04-14"),
    # 31 October 2027: clocks go 03:00 → 02:00; 08:00 CET is 07:00 UTC.
    "october": ("2027-10-31", datetime(2027, 10, 31, 7, tzinfo=UTC), "2027-11-17"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_send_and_a_reminder_on_the_change_day_happen_once_at_local_time(
    change: str,
    tmp_path: Path,
    engine: Engine,
    settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    day, expected_send, reminded_issue_day = CHANGES[change]
    # Three issues: the quota watchdog speaks up every morning, at 09:00 local.
    year_plan = [("2027-1", day), ("2027-2", reminded_issue_day), ("2027-3", "2027-12-06")]
    plan = write_plan(tmp_path, sorted(year_plan, key=lambda item: item[1]))
    planned = load_schedule(plan).issue("2027-1")
    assert planned is not None
    assert planned.send_at.astimezone(UTC) == expected_send
    with session_factory.begin() as session:
        make_subscribers(session, 2)
        make_issue(session, "2027-1", planned.send_at)
        make_issue(session, "2027-2", None, status=IssueStatus.DRAFT)

    # Every half hour from Saturday to Monday noon (UTC), as a reconcile job would look.
    start = expected_send.replace(hour=0) - timedelta(days=1)
    clock = FixedClock(start)
    parts = parts_for(engine, settings, clock, plan)
    seen: dict[str, list[datetime]] = {}
    while clock.now() < start + timedelta(days=2, hours=12):
        for action in one_pass(parts):
            seen.setdefault(f"{action.kind} {action.subject}", []).append(clock.now())
        clock.advance(timedelta(minutes=30))

    change_day = datetime.fromisoformat(day).replace(tzinfo=STOCKHOLM)
    reminder_at = change_day.replace(hour=8)
    expected = {
        "scheduled 2027-1": [start],
        "sent 2027-1": [expected_send],
        "reminder 2027-2": [reminder_at, reminder_at],  # polis and kommun
        "quota 2027": [change_day.replace(hour=9) + timedelta(days=d) for d in (-1, 0, 1)],
    }
    if change == "october":
        # From October the watchdog also asks for next year's plan, once a (ISO) week:
        # Saturday 30 October, and again Monday 1 November, each at 09:00 local.
        expected["quota 2028"] = [change_day.replace(hour=9) + timedelta(days=d) for d in (-1, 1)]
    assert seen == expected
    assert reminder_at.astimezone(UTC) == expected_send  # 08:00 local, both
    # The day before and the day after the change, 09:00 local is a different UTC hour.
    quota = [at.astimezone(UTC).hour for at in seen["quota 2027"]]
    assert quota[0] != quota[2]


@pytest.mark.parametrize("job", DAILY_JOBS, ids=lambda job: job.id)
@pytest.mark.parametrize("week_start", ["2027-03-25", "2027-10-28"])
def test_daily_jobs_fire_once_a_day_at_local_time_across_dst(
    job: DailyJob, week_start: str
) -> None:
    trigger = daily_trigger(job, STOCKHOLM)
    moment = datetime.fromisoformat(week_start).replace(tzinfo=STOCKHOLM)
    fires: list[datetime] = []
    previous = None
    for _ in range(7):
        fire = trigger.get_next_fire_time(previous, moment)
        assert fire is not None
        fires.append(fire)
        previous, moment = fire, fire + timedelta(seconds=1)
    local = [f.astimezone(STOCKHOLM) for f in fires]
    assert {f.time() for f in local} == {job.at}
    assert len({f.date() for f in local}) == 7
    assert [(b - a).days for a, b in pairwise(local)].count(1) == 6
    assert not DST_HOUR[0] <= job.at < DST_HOUR[1]


def test_a_daily_job_in_the_dst_hour_is_refused() -> None:
    with pytest.raises(ValueError, match="02:00–03:00"):
        daily_trigger(DailyJob("bad", DST_HOUR[0].replace(minute=30), frozenset()), STOCKHOLM)
