"""`tryggnews retention [--dry-run]`: counts per kind, nothing deleted in a dry run."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

from click.testing import CliRunner
from retention_data import build, row_counts
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.cli import cli
from tryggnews.db.models import AuditEvent

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
# Built as of the test's start; by the time the command runs, the rows exactly at
# their time are past it too, so both rows of each pair go.
COUNTS = {"deliveries": 6, "bounce_mail": 2, "unconfirmed": 2, "consent": 5, "audit": 2}


def invoke(db_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli,
        ["retention", *args],
        env={"TRYGGNEWS_DATABASE_URL": db_url, "TRYGGNEWS_SECRET_KEY": TEST_SECRET},
        catch_exceptions=False,
    )
    return result.exit_code, result.output


def test_retention_cli_dry_run_then_for_real(
    db_url: str, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        build(session, datetime.now(UTC))
    with session_factory() as session:
        before = row_counts(session)

    code, output = invoke(db_url, "--dry-run")
    assert code == 0, output
    lines = output.splitlines()
    assert lines[0].startswith(
        "deliveries: would delete 6 — delivery rows (rolled up into per-issue counts) "
        "older than 400 days (before "
    )
    for kind, n in COUNTS.items():
        assert any(line.startswith(f"{kind}: would delete {n} — ") for line in lines), output
    assert lines[-1] == "Dry run: nothing was deleted (17 rows would be)."
    with session_factory() as session:
        assert row_counts(session) == before

    code, output = invoke(db_url)
    assert code == 0, output
    assert "audit: deleted 2 — audit log entries older than 1095 days" in output
    assert output.splitlines()[-1] == (
        "Deleted 17 rows in all; the audit log has an entry with the counts."
    )
    with session_factory() as session:
        entry = session.scalars(select(AuditEvent)).one()  # the two old ones went
    assert entry.action == "retention.run" and entry.actor == f"cli:{getpass.getuser()}"
    assert entry.details["deleted"] == COUNTS
