"""`tryggnews subscribers import|export|list`: reports, totals, and exit code 2 with nothing
written on bad input.

Drives the real command line (CliRunner) against a migrated SQLite file and PostgreSQL.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import click
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from subscriber_cli import Invoke, run_cli

from tryggnews.cli import cli
from tryggnews.db.models import Subscriber, SubscriberStatus

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE = REPO_ROOT / "subscribers" / "sample.csv"
HEADER = "email;name;language;audiences;topics\n"
TEST_SECRET = "cli-test-secret-key-long-enough-0123456789"


@pytest.fixture
def invoke(engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run `tryggnews ...` on the test database, from a folder without a .env file."""
    monkeypatch.chdir(tmp_path)
    return functools.partial(run_cli, database_url=db_url, secret=TEST_SECRET)


def count(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(Subscriber)) or 0


def bad_list(tmp_path: Path) -> Path:
    path = tmp_path / "lista.csv"
    text = HEADER + "anna@example.org;Anna;sv;;\na@@b;X;sv;;\nbo@example.org;Bo;sv;pensionar;\n"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_prints_totals_and_a_second_run_changes_nothing(
    invoke: Invoke, session_factory: sessionmaker[Session]
) -> None:
    first = invoke("subscribers", "import", str(SAMPLE))
    assert first.exit_code == 0
    assert "Import of sample.csv" in first.stdout
    assert "│ new          │    40 │" in first.stdout
    assert "Import done." in first.stdout
    assert count(session_factory) == 40
    second = invoke("subscribers", "import", str(SAMPLE))
    assert second.exit_code == 0
    assert "│ unchanged    │    40 │" in second.stdout
    assert "│ new          │     0 │" in second.stdout


def test_invalid_rows_are_listed_exit_2_and_nothing_is_written(
    invoke: Invoke, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    result = invoke("subscribers", "import", str(bad_list(tmp_path)))
    assert result.exit_code == 2
    assert "line 3, email 'a@@b': " in result.stdout
    assert "line 4, audiences 'pensionar': unknown audience 'pensionar'" in result.stdout
    assert "│ invalid      │     2 │" in result.stdout
    assert "Nothing was imported: 2 row(s) are invalid" in result.stderr
    assert "--skip-invalid" in result.stderr
    assert count(session_factory) == 0


def test_skip_invalid_imports_the_valid_rows(
    invoke: Invoke, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    result = invoke("subscribers", "import", "--skip-invalid", str(bad_list(tmp_path)))
    assert result.exit_code == 0
    assert "│ new          │     1 │" in result.stdout
    with session_factory() as session:
        [anna] = session.scalars(select(Subscriber)).all()
    assert (anna.email, anna.source, anna.status) == (
        "anna@example.org",
        "import:lista.csv",
        SubscriberStatus.ACTIVE,
    )


def test_dry_run_writes_nothing(invoke: Invoke, session_factory: sessionmaker[Session]) -> None:
    result = invoke("subscribers", "import", "--dry-run", "--source", "skolorna", str(SAMPLE))
    assert result.exit_code == 0
    assert "│ new          │    40 │" in result.stdout
    assert "Dry run: nothing was written." in result.stdout
    assert count(session_factory) == 0


def test_source_and_basis_options(invoke: Invoke, session_factory: sessionmaker[Session]) -> None:
    result = invoke(
        "subscribers", "import", "--basis", "consent", "--source", "föreningsmöte", str(SAMPLE)
    )
    assert result.exit_code == 0
    with session_factory() as session:
        assert set(session.scalars(select(Subscriber.source))) == {"föreningsmöte"}
    wrong = invoke("subscribers", "import", "--basis", "whim", str(SAMPLE))
    assert wrong.exit_code == 2


def test_a_file_that_is_not_utf8_is_one_line_and_exit_2(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "ansi.csv"
    path.write_bytes((HEADER + "bo@example.org;Bo Åkesson;sv;;\n").encode("cp1252"))
    result = invoke("subscribers", "import", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}: line 2 is not UTF-8")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_a_missing_file_exits_2(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("subscribers", "import", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_an_unmigrated_database_says_what_to_run(invoke: Invoke, tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    result = invoke("subscribers", "list", database_url=empty)
    assert result.exit_code == 2
    assert "tryggnews init" in result.stderr


def test_export_csv_to_stdout_and_json_to_a_file(invoke: Invoke, tmp_path: Path) -> None:
    invoke("subscribers", "import", str(SAMPLE))
    as_csv = invoke("subscribers", "export")
    assert as_csv.exit_code == 0
    lines = as_csv.stdout.splitlines()
    assert lines[0] == "email;name;language;audiences;topics"
    assert len(lines) == 41
    assert "amira.haddad@example.org;Amira Haddad;ar;parents-4-6|parents-7-9;" in lines
    assert "Exported 40 subscriber(s)." in as_csv.stderr

    out = tmp_path / "lista.json"
    as_json = invoke("subscribers", "export", "--format", "json", "--out", str(out))
    assert as_json.exit_code == 0
    assert f"Exported 40 subscriber(s) to {out}." in as_json.stderr
    records = json.loads(out.read_text(encoding="utf-8"))
    assert len(records) == 40
    assert {r["status"] for r in records} == {"active"}
    assert out.stat().st_mode & 0o077 == 0  # personal data: readable by the owner only
    assert not list(tmp_path.glob(".*.partial"))


def test_an_exported_csv_file_imports_again_unchanged(invoke: Invoke, tmp_path: Path) -> None:
    invoke("subscribers", "import", str(SAMPLE))
    out = tmp_path / "export.csv"
    invoke("subscribers", "export", "--out", str(out))
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # so Excel reads å, ä, ö
    again = invoke("subscribers", "import", str(out))
    assert again.exit_code == 0
    assert "│ unchanged    │    40 │" in again.stdout


def test_export_status_filter(
    invoke: Invoke, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    invoke("subscribers", "import", str(SAMPLE))
    with session_factory.begin() as session:
        anna = session.scalars(
            select(Subscriber).where(Subscriber.email_key == "anna.lindqvist@example.org")
        ).one()
        anna.status = SubscriberStatus.UNSUBSCRIBED
    result = invoke("subscribers", "export", "--format", "json", "--status", "unsubscribed")
    assert [r["email"] for r in json.loads(result.stdout)] == ["anna.lindqvist@example.org"]


def test_list_counts_per_status_and_audience(invoke: Invoke) -> None:
    invoke("subscribers", "import", str(SAMPLE))
    result = invoke("subscribers", "list")
    assert result.exit_code == 0
    assert "Subscribers: 40" in result.stdout
    assert "│ active       │    40 │" in result.stdout
    assert "│ unsubscribed │     0 │" in result.stdout
    assert "│ batagare          │ Båtägare                 │     4 │" in result.stdout
    assert "│ (none)            │ only blocks for everyone │     1 │" in result.stdout
    pending = invoke("subscribers", "list", "--status", "pending")
    assert "Subscribers: 0" in pending.stdout


def test_every_command_and_option_has_help(invoke: Invoke) -> None:
    group = cli.commands["subscribers"]
    assert isinstance(group, click.Group)
    assert group.help
    assert set(group.commands) == {
        "import",
        "export",
        "list",
        "history",
        "export-person",
        "erase",
        "purge",
        "vocabulary",
    }
    for name, command in group.commands.items():
        assert command.help, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"subscribers {name} {param.opts[0]}"
        result = invoke("subscribers", name, "--help")
        assert result.exit_code == 0
        assert f"Usage: cli subscribers {name}" in result.stdout
