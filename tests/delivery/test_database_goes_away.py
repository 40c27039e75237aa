"""A send whose PostgreSQL connections are killed reconnects or stops with one line; nobody is lost.

A real `tryggnews issue send` process sends to a real SMTP server on loopback
while the test terminates that process's database backends (``pg_terminate_backend``,
found by a per-test ``application_name``; the cluster itself stays up for the other
tests). The sender must either reconnect and finish, or exit with code 2 and one
``Error:`` line, never a traceback; a re-run then completes, everybody has a message
and the issue is sent.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sending_setup import ISSUE_KEY, address, cli_env, prepare_issue, smtp_env
from smtp_servers import ScriptedHandler, smtp_server
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker
from test_worker_process import issue_status, wait_for

from tryggnews.config import Settings
from tryggnews.db.models import DeliveryStatus, Issue, IssueStatus
from tryggnews.delivery.ledger import ledger_counts

TOTAL = 1500


def send_command() -> list[str]:
    return [sys.executable, "-m", "tryggnews", "issue", "send", ISSUE_KEY, "--without-approval"]


def terminate_backends(engine: Engine, application: str) -> int:
    """Kill every backend of ``application``; how many there were."""
    with engine.connect() as conn:
        killed = conn.scalars(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name AND pid <> pg_backend_pid()"
            ),
            {"name": application},
        ).all()
    return sum(1 for k in killed if k)


def test_killed_database_connections_lose_nobody(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's; SQLite has no server connection")
    prepare_issue(settings, session_factory, TOTAL)
    application = f"tn-send-{uuid.uuid4().hex[:8]}"
    url = f"{settings.database_url}&application_name={application}"
    handler = ScriptedHandler()
    with smtp_server(handler) as server:
        env = cli_env(
            settings,
            database_url=url,
            **smtp_env(
                server.port,
                send_rate="500",
                send_batch_size="200",
                send_lease_seconds="2",
                send_connections="2",
            ),
        )
        log = tmp_path / "send.log"
        with log.open("wb") as out:
            first = subprocess.Popen(
                send_command(), env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            for at in (300, 700, 1100):
                wait_for(
                    lambda at=at: len(handler.received) >= at or first.poll() is not None,
                    40,
                    "the send to go on",
                )
                if first.poll() is not None:
                    break
                killed = 0
                # A short storm: connections opened again at once are killed as well.
                deadline = time.monotonic() + 0.3
                while time.monotonic() < deadline:
                    killed += terminate_backends(engine, application)
                    time.sleep(0.02)
                assert killed, "no backend of the sender was found to terminate"
            code = first.wait(timeout=60)
        finally:
            if first.poll() is None:
                first.kill()
        output = log.read_text()
        assert "Traceback" not in output, output
        assert code in (0, 2), output
        if code == 2:
            errors = [line for line in output.splitlines() if line.startswith("Error:")]
            assert len(errors) == 1 and "database" in errors[0], output
        # Re-run as an operator would; rows the first run still held (a claim whose
        # commit went unanswered) come back once its lease has run out.
        deadline = time.monotonic() + 30
        while issue_status(session_factory) != IssueStatus.SENT:
            assert time.monotonic() < deadline, "the re-runs did not finish the issue"
            again = subprocess.run(
                send_command(), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
            )
            assert again.returncode == 0, again.stdout + again.stderr
            time.sleep(0.5)

    counts = handler.counts()
    assert set(counts) == {address(n) for n in range(TOTAL)}
    with session_factory() as session:
        issue_id = session.scalar(select(Issue.id).where(Issue.key == ISSUE_KEY))
        assert issue_id is not None
        assert ledger_counts(session, issue_id)[DeliveryStatus.SENT] == TOTAL
