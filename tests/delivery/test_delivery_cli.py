"""Sending from the command line: a misconfigured mail server refuses the send before anything
is snapshotted, naming the setting; the redirect override is announced in red at the start
and the end and every message goes to that one address; `issue pause` / `issue resume`
move the send between states; `issue status` shows who holds claims; `worker --once`
delivers an issue that is sending and exits.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sending_setup import ISSUE_KEY, cli_env, prepare_issue, smtp_env
from smtp_servers import ScriptedHandler, smtp_server
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.cli import cli
from tryggnews.clock import SystemClock
from tryggnews.config import Settings
from tryggnews.db.models import Delivery, DeliveryStatus, Issue, IssueStatus
from tryggnews.delivery.claims import claim_batch
from tryggnews.delivery.ledger import ledger_counts


@pytest.fixture
def run(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.chdir(tmp_path)  # no .env from the repository

    def invoke(*args: str, **env: str) -> Result:
        for name, value in cli_env(settings, **env).items():
            if name.startswith("TRYGGNEWS_"):
                monkeypatch.setenv(name, value)
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def issue_row(session_factory: sessionmaker[Session]) -> Issue:
    with session_factory() as session:
        return session.execute(select(Issue).where(Issue.key == ISSUE_KEY)).scalar_one()


def test_unreachable_server_refuses_before_snapshot(
    run: object, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    prepare_issue(settings, session_factory, 3, start=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    result = run(  # type: ignore[operator]
        "issue", "send", ISSUE_KEY, "--without-approval", **smtp_env(closed_port)
    )
    assert result.exit_code == 2
    assert "TRYGGNEWS_SMTP_HOST and TRYGGNEWS_SMTP_PORT" in result.output
    assert "Traceback" not in result.output
    assert issue_row(session_factory).status == IssueStatus.DRAFT
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0


def test_redirect_is_loud_and_sends_everything_to_one_address(
    run: object, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    prepare_issue(settings, session_factory, 5, start=False)
    handler = ScriptedHandler()
    with smtp_server(handler) as server:
        result = run(  # type: ignore[operator]
            "issue",
            "send",
            ISSUE_KEY,
            "--without-approval",
            **smtp_env(server.port, redirect_all_to="utvecklare@example.se"),
        )
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if "WARNING" in line]
    assert len(warnings) == 2 and all("utvecklare@example.se" in w for w in warnings)
    assert result.output.splitlines()[0].startswith("WARNING")
    assert handler.counts() == {"utvecklare@example.se": 5}
    assert issue_row(session_factory).status == IssueStatus.SENT


def test_pause_resume_and_status_with_claim_holders(
    run: object, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    prepare_issue(settings, session_factory, 4)
    with session_factory.begin() as session:
        issue = session.execute(select(Issue).where(Issue.key == ISSUE_KEY)).scalar_one()
        claim_batch(session, issue.id, worker_id="host-a:123", limit=3, now=SystemClock().now())

    status = run("issue", "status", ISSUE_KEY)  # type: ignore[operator]
    assert status.exit_code == 0, status.output
    assert "claimed by host-a:123: 3 rows, lease until" in status.output

    paused = run("issue", "pause", ISSUE_KEY)  # type: ignore[operator]
    assert paused.exit_code == 0 and "paused" in paused.output
    assert issue_row(session_factory).status == IssueStatus.PAUSED
    refused = run("issue", "send", ISSUE_KEY)  # type: ignore[operator]
    assert refused.exit_code == 2 and f"issue resume {ISSUE_KEY}" in refused.output

    resumed = run("issue", "resume", ISSUE_KEY)  # type: ignore[operator]
    assert resumed.exit_code == 0 and "sending again" in resumed.output
    assert issue_row(session_factory).status == IssueStatus.SENDING
    again = run("issue", "resume", ISSUE_KEY)  # type: ignore[operator]
    assert again.exit_code == 0  # resuming a send that runs is harmless


def test_worker_once_delivers_the_sending_issue(
    run: object, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    prepare_issue(settings, session_factory, 7)
    result = run("worker", "--once", "--poll", "0.1")  # type: ignore[operator]
    assert result.exit_code == 0, result.output
    assert "7 accepted of 7 handled" in result.output
    issue = issue_row(session_factory)
    assert issue.status == IssueStatus.SENT
    with session_factory() as session:
        assert ledger_counts(session, issue.id)[DeliveryStatus.SENT] == 7
    assert len(list((settings.outbox_dir / "new").iterdir())) == 7
