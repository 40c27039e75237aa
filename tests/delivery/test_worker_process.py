"""Real `tryggnews worker` processes against a real SMTP server that counts what arrives.

Crash: a worker killed with SIGKILL in the middle of a 2,000-recipient send is
started again; in the end every subscriber got at least one message and no more
than one batch went out twice. Concurrency: two workers on the same issue at the
same time deliver every message exactly once between them.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from sending_setup import ISSUE_KEY, address, cli_env, prepare_issue, smtp_env, worker_command
from smtp_servers import ScriptedHandler, smtp_server
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.config import Settings
from tryggnews.db.models import DeliveryStatus, Issue, IssueStatus
from tryggnews.delivery.ledger import ledger_counts

BATCH = 100


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def issue_status(session_factory: sessionmaker[Session]) -> IssueStatus:
    with session_factory() as session:
        status = session.scalar(select(Issue.status).where(Issue.key == ISSUE_KEY))
    assert status is not None
    return status


def start_worker(env: dict[str, str], cwd: Path, log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            worker_command(*args), env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT
        )


def test_killed_worker_is_replaced_without_losing_anyone(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    total = 2000
    prepare_issue(settings, session_factory, total)
    handler = ScriptedHandler()
    with smtp_server(handler) as server:
        env = cli_env(
            settings,
            **smtp_env(
                server.port,
                send_rate="400",
                send_batch_size=str(BATCH),
                send_lease_seconds="2",
                send_connections="2",
            ),
        )
        first = start_worker(env, tmp_path, tmp_path / "first.log", "--poll", "0.2")
        try:
            wait_for(lambda: len(handler.received) >= 600, 30, "the first worker to get going")
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
        at_kill = len(handler.received)
        assert at_kill < total, "the send finished before the crash"

        second = start_worker(env, tmp_path, tmp_path / "second.log", "--poll", "0.2")
        try:
            wait_for(
                lambda: issue_status(session_factory) == IssueStatus.SENT,
                40,
                "the second worker to finish the issue",
            )
        finally:
            second.send_signal(signal.SIGTERM)  # a clean stop
            code = second.wait(timeout=20)
        log = (tmp_path / "second.log").read_text()
        assert code == 0, log

    counts = handler.counts()
    assert set(counts) == {address(n) for n in range(total)}
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates <= BATCH
    with session_factory() as session:
        issue_id = session.scalar(select(Issue.id).where(Issue.key == ISSUE_KEY))
        assert issue_id is not None
        assert ledger_counts(session, issue_id)[DeliveryStatus.SENT] == total


def test_two_workers_on_one_issue_send_each_message_once(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    total = 900
    prepare_issue(settings, session_factory, total)
    handler = ScriptedHandler()
    with smtp_server(handler) as server:
        env = cli_env(
            settings,
            **smtp_env(server.port, send_rate="150", send_batch_size="20", send_connections="1"),
        )
        workers = [
            start_worker(env, tmp_path, tmp_path / f"w{n}.log", "--once", "--poll", "0.1")
            for n in range(2)
        ]
        codes = [worker.wait(timeout=60) for worker in workers]
    logs = [(tmp_path / f"w{n}.log").read_text() for n in range(2)]
    assert codes == [0, 0], logs

    assert handler.counts() == {address(n): 1 for n in range(total)}
    handled = [
        int(re.search(r"(\d+) accepted of \d+ handled", log).group(1))  # type: ignore[union-attr]
        for log in logs
    ]
    assert sum(handled) == total and min(handled) > 0, handled
    assert issue_status(session_factory) == IssueStatus.SENT
