"""Two `tryggnews scheduler` processes against PostgreSQL: one holds the lease and sends, the
other waits; after `kill -9` of the first, the second takes over within the lease period
and sends what is due, and nothing is ever sent twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import pytest
from scheduler_factories import make_issue, make_subscribers, outbox, plan_ahead
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.config import Settings
from tryggnews.db.models import Issue, IssueStatus
from tryggnews.scheduler.lease import SCHEDULER_LEASE, current_lease

LEASE_SECONDS = 3
TICK = LEASE_SECONDS / 3  # renew and retry interval (SchedulerRunner.tick)
WAIT = 30.0  # generous upper bound for anything to happen on a slow machine
YEAR = datetime.now(UTC).year


def wait_for(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


class Scheduler:
    """A `python -m tryggnews scheduler` subprocess with its log in a file."""

    def __init__(self, name: str, folder: Path, env: dict[str, str]) -> None:
        self.log_path = folder / f"{name}.log"
        self._log: IO[bytes] = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tryggnews",
                "scheduler",
                "--lease-seconds",
                str(LEASE_SECONDS),
                "--reconcile-seconds",
                "1",
            ],
            cwd=folder,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def holder_suffix(self) -> str:
        return f":{self.process.pid}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Signal the process (if it still runs), wait for it, return its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=WAIT)
        if not self._log.closed:
            self._log.close()
        return code


@pytest.fixture
def schedulers(
    tmp_path: Path, db_url: str, settings: Settings
) -> Iterator[Callable[[str], Scheduler]]:
    plan = plan_ahead(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRYGGNEWS_")}
    env.update(
        TRYGGNEWS_DATABASE_URL=db_url,
        TRYGGNEWS_OUTBOX_DIR=str(settings.outbox_dir),
        TRYGGNEWS_SECRET_KEY=settings.secret_key,
        TRYGGNEWS_TEMPLATES_DIR=str(settings.templates_dir),
        TRYGGNEWS_SCHEDULE=str(plan),
        TRYGGNEWS_AUDIENCES=str(settings.audiences),
    )
    started: list[Scheduler] = []

    def start(name: str) -> Scheduler:
        scheduler = Scheduler(name, tmp_path, env)
        started.append(scheduler)
        return scheduler

    try:
        yield start
    finally:
        for scheduler in started:
            scheduler.stop(signal.SIGKILL)


def add_due_issue(session_factory: sessionmaker[Session], key: str) -> None:
    """An approved issue that was due a minute ago."""
    with session_factory.begin() as session:
        make_issue(session, key, datetime.now(UTC) - timedelta(minutes=1))


def status_of(session_factory: sessionmaker[Session], key: str) -> IssueStatus:
    with session_factory() as session:
        return session.scalars(select(Issue.status).where(Issue.key == key)).one()


def holder(engine: Engine) -> str:
    lease = current_lease(engine, SCHEDULER_LEASE)
    return lease.holder if lease is not None and lease.expires_at > datetime.now(UTC) else ""


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_one_scheduler_sends_the_other_waits_then_takes_over(
    schedulers: Callable[[str], Scheduler],
    engine: Engine,
    session_factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    with session_factory.begin() as session:
        subscribers = make_subscribers(session, 3)

    first = schedulers("first")
    wait_for(lambda: holder(engine).endswith(first.holder_suffix), "the first to take the lease")
    second = schedulers("second")
    wait_for(
        lambda: "waiting: the scheduler lease is held by" in second.log(), "the second to wait"
    )

    one, two = f"{YEAR}-41", f"{YEAR}-42"
    add_due_issue(session_factory, one)
    wait_for(lambda: status_of(session_factory, one) == IssueStatus.SENT, f"{one} sent")
    assert holder(engine).endswith(first.holder_suffix)
    # The pass logs what it did once it is over, a moment after the commit.
    wait_for(lambda: f"sent {one}" in first.log(), f"the first to log sending {one}")
    assert one not in second.log()

    first.stop(signal.SIGKILL)
    killed = time.monotonic()
    add_due_issue(session_factory, two)
    wait_for(lambda: holder(engine).endswith(second.holder_suffix), "the second to take over")
    took = time.monotonic() - killed
    # The lease runs out at most LEASE_SECONDS after the last renewal; the second tries
    # every TICK; two more seconds for process and database latency on a busy machine.
    assert took <= LEASE_SECONDS + TICK + 2.0, f"takeover took {took:.1f} s"
    wait_for(lambda: status_of(session_factory, two) == IssueStatus.SENT, f"{two} sent")
    wait_for(lambda: f"sent {two}" in second.log(), f"the second to log sending {two}")

    assert second.stop() == 0
    assert current_lease(engine, SCHEDULER_LEASE) is None  # released on SIGTERM

    newsletters = [m for m in outbox(settings) if not m["X-Tryggnews-Notice"]]
    copies = Counter((str(m["To"]), str(m["Subject"])) for m in newsletters)
    assert sorted(copies) == sorted(
        (address, f"Trygg i Österåker {key}") for address in subscribers for key in (one, two)
    )
    assert set(copies.values()) == {1}
    # Notices (the quota watchdog's, depending on the hour) went out once each too.
    notices = Counter(
        (str(m["X-Tryggnews-Notice"]), str(m["To"]))
        for m in outbox(settings)
        if m["X-Tryggnews-Notice"]
    )
    assert set(notices.values()) <= {1}
