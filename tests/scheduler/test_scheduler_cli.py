"""`tryggnews scheduler --once` sends what is due and reports it, does nothing while another
scheduler holds the lease, and refuses a missing or invalid plan or an unmigrated database
with exit code 2; `plan status` shows each issue's approval state from the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner, Result
from scheduler_factories import make_issue, make_subscribers, newsletters, plan_ahead
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.cli import cli
from tryggnews.config import Settings
from tryggnews.db.models import Issue, IssueStatus
from tryggnews.scheduler.lease import SCHEDULER_LEASE, acquire_lease, current_lease

Run = Callable[..., Result]
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def run(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Run:
    """Invoke the CLI from an empty folder against the test database and outbox."""
    monkeypatch.chdir(tmp_path)
    plan = plan_ahead(tmp_path)

    def invoke(*args: str, **env: str) -> Result:
        environment = {
            "TRYGGNEWS_DATABASE_URL": db_url,
            "TRYGGNEWS_OUTBOX_DIR": str(settings.outbox_dir),
            "TRYGGNEWS_SECRET_KEY": settings.secret_key,
            "TRYGGNEWS_TEMPLATES_DIR": str(settings.templates_dir),
            "TRYGGNEWS_SCHEDULE": str(plan),
            "TRYGGNEWS_AUDIENCES": str(settings.audiences),
            **env,
        }
        result = CliRunner().invoke(cli, list(args), env=environment)
        print(result.output)  # shown when a test fails
        return result

    return invoke


def test_once_sends_a_due_issue_and_reports_it(
    run: Run, engine: Engine, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    with session_factory.begin() as session:
        make_subscribers(session, 3)
        make_issue(session, "2098-1", datetime.now(UTC) - timedelta(hours=2))
        make_issue(session, "2098-2", datetime.now(UTC) + timedelta(days=3))
    result = run("scheduler", "--once")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "sent 2098-1: 3 messages accepted" in lines
    assert any(line.startswith("scheduled 2098-2: ") for line in lines)
    assert len(newsletters(settings, "Trygg i Österåker 2098-1")) == 3
    assert current_lease(engine, SCHEDULER_LEASE) is None  # released when done

    again = run("scheduler", "--once")
    assert again.exit_code == 0
    assert again.stdout == "Nothing was due.\n"
    assert len(newsletters(settings, "Trygg i Österåker 2098-1")) == 3


def test_once_does_nothing_while_another_scheduler_holds_the_lease(
    run: Run, engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        make_subscribers(session, 1)
        make_issue(session, "2098-1", datetime.now(UTC) - timedelta(minutes=5))
    assert acquire_lease(
        engine, SCHEDULER_LEASE, "other-host:42", now=datetime.now(UTC), ttl=timedelta(minutes=5)
    )
    result = run("scheduler", "--once")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "Another scheduler holds the lease (other-host:42 until " in result.stderr
    with session_factory() as session:
        assert session.scalars(select(Issue.status)).one() == IssueStatus.APPROVED


def test_once_refuses_a_missing_or_invalid_plan_and_an_unmigrated_database(
    run: Run, tmp_path: Path, engine: Engine
) -> None:
    missing = run("scheduler", "--once", "--schedule", str(tmp_path / "nope.toml"))
    assert missing.exit_code == 2
    assert missing.stderr == f"Error: {tmp_path / 'nope.toml'}: file not found\n"

    broken = tmp_path / "broken.toml"
    broken.write_text("[newsletter]\nname = 1\n", encoding="utf-8")
    invalid = run("scheduler", "--once", "--schedule", str(broken))
    assert invalid.exit_code == 2
    assert f"{broken}:2: name must be a non-empty text" in invalid.stderr
    assert "Traceback" not in invalid.output
    assert current_lease(engine, SCHEDULER_LEASE) is None

    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = run("scheduler", "--once", TRYGGNEWS_DATABASE_URL=fresh)
    assert result.exit_code == 2
    assert "run `tryggnews db upgrade`" in result.stderr
    assert "Traceback" not in result.output


def test_plan_status_shows_approval_states(
    run: Run, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    def at(month: int, day: int) -> datetime:
        return datetime(2027, month, day, 8, tzinfo=STOCKHOLM)

    with session_factory.begin() as session:
        make_issue(session, "2027-1", at(2, 15), status=IssueStatus.SENT)
        make_issue(session, "2027-2", at(4, 7), status=IssueStatus.SCHEDULED)
        held = make_issue(session, "2027-3", at(5, 24), status=IssueStatus.HELD)
        held.hold_reason = "Inte godkänt av Polisen vid utskickstiden."
        make_issue(session, "2027-4", at(9, 6), status=IssueStatus.DRAFT)
    schedule = str(settings.schedule)  # the repository's plan
    result = run(
        "plan", "status", "--year", "2027", "--today", "2027-06-01", "--schedule", schedule
    )
    assert result.exit_code == 0
    states = [line.split("  ")[3] for line in result.stdout.splitlines()[:-1] if line[0] != " "]
    assert states == ["sent", "scheduled", "held, at risk", "draft", "not created"]
    assert "        held: Inte godkänt av Polisen vid utskickstiden." in result.stdout


def test_the_scheduler_command_and_its_options_have_help(run: Run) -> None:
    command = cli.commands["scheduler"]
    assert command.help
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, param.name
    result = run("scheduler", "--help")
    assert result.exit_code == 0
    assert "--lease-seconds" in result.stdout and "--once" in result.stdout


def test_a_broken_audiences_file_stops_the_scheduler_at_start_and_sends_nothing(
    run: Run, tmp_path: Path, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    with session_factory.begin() as session:
        make_subscribers(session, 3)
        make_issue(session, "2098-1", datetime.now(UTC) - timedelta(hours=2))
    broken = tmp_path / "audiences.toml"
    text = settings.audiences.read_text(encoding="utf-8").replace("[topics]", "[topic]")
    broken.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row == "[topic]")
    result = run("scheduler", "--once", TRYGGNEWS_AUDIENCES=str(broken))
    assert result.exit_code == 2
    assert f'{broken}:{line}: unknown key "topic"' in result.output
    assert newsletters(settings, "Trygg i Österåker 2098-1") == []
