"""The scheduler's retention job: it runs from its daily trigger (04:30 local), not on
every reconcile pass, with the periods from the settings, and reports its counts."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from retention_data import EXPECTED, build
from scheduler_factories import one_pass, parts_for
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import FixedClock
from tryggnews.config import Settings
from tryggnews.db.models import AuditEvent, Delivery
from tryggnews.scheduler.jobs import ALL_JOBS
from tryggnews.scheduler.runner import DAILY_JOBS, daily_trigger, run_pass

NOW = datetime(2028, 6, 1, 2, 30, tzinfo=UTC)  # 04:30 in Stockholm (summer time)


def count(sf: sessionmaker[Session], table: type) -> int:
    with sf() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_retention_runs_daily_at_half_past_four_not_on_every_pass(
    engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        build(session, NOW)
    parts = parts_for(engine, settings, FixedClock(NOW))

    reconcile = one_pass(parts)  # what the reconcile job runs every few minutes
    assert not [a for a in reconcile if a.kind == "retention"]
    assert "retention" not in ALL_JOBS
    assert count(session_factory, Delivery) == 9
    assert count(session_factory, AuditEvent) == 2

    job = next(j for j in DAILY_JOBS if j.id == "retention")
    trigger = daily_trigger(job, ZoneInfo("Europe/Stockholm"))
    assert str(trigger) == "cron[hour='4', minute='30']"
    actions, _ = run_pass(parts, parts.load_schedule(), job.jobs)

    # the reconcile pass already purged the unconfirmed sign-up (job "purge")
    expected = {**EXPECTED, "unconfirmed": 0}
    detail = ", ".join(f"{kind} {n}" for kind, n in expected.items() if n)
    assert [str(a) for a in actions] == [f"retention gallring: deleted {detail}"]
    assert count(session_factory, Delivery) == 6
    with session_factory() as session:
        entry = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "retention.run")
        ).one()
    assert entry.actor == "system" and entry.details["deleted"] == expected


def test_the_job_takes_its_periods_from_the_settings(
    engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        build(session, NOW)
    settings = dataclasses.replace(settings, keep_audit_days=0, keep_deliveries_days=0)
    parts = parts_for(engine, settings, FixedClock(NOW))
    actions, _ = run_pass(parts, None, frozenset({"retention"}))
    assert len(actions) == 1 and "deliveries" not in actions[0].detail
    assert "audit" not in actions[0].detail and "consent 3" in actions[0].detail
    assert count(session_factory, Delivery) == 9
