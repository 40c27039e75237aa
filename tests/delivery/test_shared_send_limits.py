"""The send rate and hourly cap hold across real `tryggnews worker` processes on one database
(SQLite file and PostgreSQL): two workers together send what one may, not twice as much.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from sending_setup import cli_env, prepare_issue, worker_command
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.config import Settings
from tryggnews.db.models import Delivery, DeliveryStatus


def start_workers(env: dict[str, str], cwd: Path, *args: str) -> list[subprocess.Popen[bytes]]:
    workers = []
    for n in range(2):
        with (cwd / f"w{n}.log").open("wb") as out:
            workers.append(
                subprocess.Popen(
                    worker_command(*args), env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT
                )
            )
    return workers


def sent_count(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        count = session.scalar(select(func.count()).where(Delivery.status == DeliveryStatus.SENT))
    return int(count or 0)


def outbox_files(settings: Settings) -> int:
    return len(list((Path(settings.outbox_dir) / "new").iterdir()))


def test_two_workers_together_stop_at_the_hourly_cap(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    cap = 20
    prepare_issue(settings, session_factory, 60)
    env = cli_env(settings, send_hourly_cap=str(cap), send_batch_size="3")
    workers = start_workers(env, tmp_path, "--poll", "0.2")
    try:
        deadline = time.monotonic() + 60
        while sent_count(session_factory) < cap and time.monotonic() < deadline:
            assert all(w.poll() is None for w in workers), (tmp_path / "w0.log").read_text()
            time.sleep(0.1)
        # Both workers are up and asking (each alone would allow another 20 now).
        time.sleep(3)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)  # a clean stop cuts the wait short
        codes = [worker.wait(timeout=30) for worker in workers]
    logs = [(tmp_path / f"w{n}.log").read_text() for n in range(2)]
    assert codes == [0, 0], logs
    assert all("sending through outbox" in log for log in logs), logs
    assert sent_count(session_factory) == cap
    assert outbox_files(settings) == cap


def test_two_workers_together_keep_the_rate(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    total, rate = 40, 10
    prepare_issue(settings, session_factory, total)
    env = cli_env(settings, send_rate=str(rate))
    workers = start_workers(env, tmp_path, "--once", "--poll", "0.1")
    codes = [worker.wait(timeout=90) for worker in workers]
    logs = [(tmp_path / f"w{n}.log").read_text() for n in range(2)]
    assert codes == [0, 0], logs
    assert sent_count(session_factory) == outbox_files(settings) == total
    with session_factory() as session:
        first, last = session.execute(
            select(func.min(Delivery.updated_at), func.max(Delivery.updated_at))
        ).one()
    # 40 at 10 a second between them: four seconds' worth, the last taken 3 s after the
    # first (answers are recorded within 0.25 s). Each worker keeping 10 a second of its
    # own would have sent them all in about one second.
    assert (last - first).total_seconds() >= 2.5, (first, last)
