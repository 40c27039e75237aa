"""The runner's APScheduler jobs follow the database: one date job per upcoming issue with an
explicit id, coalescing and the send grace as misfire grace, moved or removed as issues
change; a broken edit of schedule.toml keeps the last good plan running."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from scheduler_factories import write_plan

from tryggnews.errors import ScheduleError
from tryggnews.planning.schedule import load_schedule
from tryggnews.scheduler.runner import SEND_JOBS, ScheduleSource, sync_send_jobs

STOCKHOLM = ZoneInfo("Europe/Stockholm")
GRACE = timedelta(hours=24)


def test_send_jobs_follow_the_upcoming_issues() -> None:
    scheduler = BackgroundScheduler(timezone=STOCKHOLM, jobstores={"default": MemoryJobStore()})
    scheduler.start(paused=True)
    ran: list[frozenset[str]] = []
    try:
        first = datetime(2027, 2, 15, 7, tzinfo=UTC)
        second = datetime(2027, 4, 7, 6, tzinfo=UTC)
        sync_send_jobs(scheduler, {"2027-1": first, "2027-2": second}, ran.append, grace=GRACE)
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert sorted(jobs) == ["send:2027-1", "send:2027-2"]
        job = jobs["send:2027-1"]
        assert job.trigger.run_date == first
        assert job.next_run_time == first
        assert (job.misfire_grace_time, job.coalesce, job.args) == (86400, True, (SEND_JOBS,))

        # 2027-1 moved an hour, 2027-2 no longer upcoming (sent or unapproved), 2027-3 new.
        third = datetime(2027, 5, 24, 6, tzinfo=UTC)
        moved = first + timedelta(hours=1)
        sync_send_jobs(scheduler, {"2027-1": moved, "2027-3": third}, ran.append, grace=GRACE)
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert sorted(jobs) == ["send:2027-1", "send:2027-3"]
        assert jobs["send:2027-1"].next_run_time == moved
    finally:
        scheduler.shutdown(wait=False)
    assert ran == []  # paused: nothing ran


def test_a_broken_plan_edit_keeps_the_last_good_plan(tmp_path: Path) -> None:
    path = write_plan(tmp_path, [("2027-1", "2027-02-15")])
    source = ScheduleSource(lambda: load_schedule(path))
    good = source.current()
    assert good is not None and good.issue("2027-1") is not None

    path.write_text(path.read_text(encoding="utf-8") + "\n[[issue]]\nkey = 1\n", encoding="utf-8")
    assert source.current() is good

    broken_from_start = ScheduleSource(lambda: load_schedule(path))
    with pytest.raises(ScheduleError):
        broken_from_start.current()
