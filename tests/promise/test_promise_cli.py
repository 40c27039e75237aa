"""`tryggnews promise check|status|block`: one clear line and exit 2 for a broken file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.cli import cli
from tryggnews.config import Settings
from tryggnews.content.issues import create_issue
from tryggnews.db.models import AuditEvent, Issue

REPO_PROMISE = Path(__file__).resolve().parents[2] / "promise.toml"


@pytest.fixture
def run(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # no .env from the repository
    promise = tmp_path / "promise.toml"
    promise.write_text(REPO_PROMISE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("TRYGGNEWS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TRYGGNEWS_PROMISE", str(promise))

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_check_and_status_read_the_promise(run, session_factory: sessionmaker[Session]) -> None:  # type: ignore[no-untyped-def]
    result = run("promise", "check")
    assert result.exit_code == 0
    assert "17 commitments in 5 focus areas, 10 joint activities" in result.output
    result = run("promise", "status")
    assert result.exit_code == 0
    assert "[planerat] andts-hotspots: Fortsatt fokus" in result.output


def test_a_broken_file_is_one_line_with_file_line_and_field_and_exit_2(
    run,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    path = tmp_path / "promise.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('key = "andts-unga"', 'key = "andts-hotspots"'), encoding="utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t == 'key = "andts-unga"')
    first = next(n for n, t in enumerate(text.splitlines(), 1) if t == 'key = "andts-hotspots"')
    for command in (
        ("promise", "check"),
        ("promise", "status"),
        ("promise", "block", "2027-1", "--on"),
    ):
        result = run(*command)
        assert result.exit_code == 2
        assert result.output == (
            f'Error: {path}:{line}: commitment key "andts-hotspots" is used twice '
            f"(also line {first})\n"
        )


def test_the_block_switch_on_the_command_line_is_an_audited_edit(
    run,  # type: ignore[no-untyped-def]
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        create_issue(
            session,
            key="2027-1",
            year=2027,
            number=1,
            title="Nummer 1",
            planned_send_at=datetime(2027, 2, 15, 7, 0, tzinfo=UTC),
        )
    result = run("promise", "block", "2027-1", "--on")
    assert result.exit_code == 0 and "the promise block is on (version 2)" in result.output
    assert run("promise", "block", "2027-1", "--on").output.endswith("(version 2).\n")
    with session_factory() as session:
        assert session.scalars(select(Issue.promise_block)).one() is True
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "issue.promise_block")
        ).one()
        assert event.actor.startswith("cli:") and event.details == {"on": True, "version": 2}
