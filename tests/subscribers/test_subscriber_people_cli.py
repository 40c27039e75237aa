"""`tryggnews subscribers history|export-person|erase|purge`, and the import's consent
events and suppression: an erased address is never imported again.

Drives the real command line (CliRunner) against a migrated SQLite file and PostgreSQL.
"""

from __future__ import annotations

import functools
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from subscriber_cli import Invoke, run_cli

from tryggnews.db.models import ConsentEvent, ConsentEventKind, Subscriber, SubscriberStatus
from tryggnews.subscribers.consent import history
from tryggnews.subscribers.suppression import address_hash

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE = REPO_ROOT / "subscribers" / "sample.csv"
SECRET = "people-cli-test-secret-0123456789abcdef"
HEADER = "email;name;language;audiences;topics\n"


@pytest.fixture
def invoke(engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run `tryggnews ...` on the test database, from a folder without a .env file."""
    monkeypatch.chdir(tmp_path)
    return functools.partial(run_cli, database_url=db_url, secret=SECRET)


def stored(session_factory: sessionmaker[Session]) -> dict[str, Subscriber]:
    with session_factory() as session:
        return {s.email_key: s for s in session.scalars(select(Subscriber))}


def events_of(session_factory: sessionmaker[Session], email_key: str) -> list[ConsentEvent]:
    with session_factory() as session:
        return history(session, address_hash(SECRET, email_key))


def test_an_import_stores_its_basis_and_an_imported_event_per_person(
    invoke: Invoke, session_factory: sessionmaker[Session]
) -> None:
    result = invoke("subscribers", "import", "--basis", "consent", "--source", "mässa", str(SAMPLE))
    assert result.exit_code == 0
    people = stored(session_factory)
    assert {s.legal_basis for s in people.values()} == {"consent"}
    [event] = events_of(session_factory, "bo.demo@example.org")
    assert (event.kind, event.channel, event.legal_basis) == (
        ConsentEventKind.IMPORTED,
        "import",
        "consent",
    )
    assert event.subscriber_id == people["bo.demo@example.org"].id
    bo = people["bo.demo@example.org"]
    assert event.details == {
        "source": "mässa",
        "audiences": bo.audiences,
        "topics": bo.topics,
        "language": bo.language,
    }
    with session_factory() as session:
        assert len(session.scalars(select(ConsentEvent)).all()) == 40
    # A second run changes nothing, so it records nothing either.
    invoke("subscribers", "import", str(SAMPLE))
    with session_factory() as session:
        assert len(session.scalars(select(ConsentEvent)).all()) == 40


def test_changes_by_an_import_are_events_without_names(
    invoke: Invoke, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    first = tmp_path / "first.csv"
    first.write_text(HEADER + "anna@example.org;Anna;sv;senior;\n", encoding="utf-8")
    invoke("subscribers", "import", str(first))
    second = tmp_path / "second.csv"
    second.write_text(HEADER + "anna@example.org;Anna Ek;sv;senior|forening;\n", encoding="utf-8")
    assert invoke("subscribers", "import", str(second)).exit_code == 0
    event = events_of(session_factory, "anna@example.org")[-1]
    assert event.kind is ConsentEventKind.PREFERENCES_CHANGED
    assert event.details == {
        "audiences": {"from": ["senior"], "to": ["senior", "forening"]},
        "name": "changed",
    }
    assert "Anna Ek" not in json.dumps(event.details)


def test_an_erased_address_is_never_imported_again(
    invoke: Invoke, session_factory: sessionmaker[Session]
) -> None:
    invoke("subscribers", "import", str(SAMPLE))
    erased = invoke("subscribers", "erase", "--yes", "Bo.Demo@example.org")
    assert erased.exit_code == 0
    assert "Erased Bo.Demo@example.org; the address is on the suppression list." in erased.stdout
    assert "bo.demo@example.org" not in stored(session_factory)
    again = invoke("subscribers", "import", str(SAMPLE))
    assert again.exit_code == 0
    assert "│ suppressed   │     1 │" in again.stdout
    assert "'Bo.Demo@example.org': on the suppression list" in again.stdout
    assert "bo.demo@example.org" not in stored(session_factory)
    assert len(stored(session_factory)) == 39


def test_erase_asks_first_and_changes_nothing_on_no(
    invoke: Invoke, session_factory: sessionmaker[Session]
) -> None:
    invoke("subscribers", "import", str(SAMPLE))
    result = invoke("subscribers", "erase", "anna.lindqvist@example.org", input="n\n")
    assert result.exit_code == 1  # click's Abort
    assert "This cannot be undone" in result.output
    assert "anna.lindqvist@example.org" in stored(session_factory)


def test_erasing_an_unknown_address_suppresses_it(
    invoke: Invoke, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    result = invoke("subscribers", "erase", "--yes", "nobody@example.org")
    assert "Nothing was stored for nobody@example.org" in result.stdout
    path = tmp_path / "list.csv"
    path.write_text(HEADER + "nobody@example.org;;sv;;\n", encoding="utf-8")
    assert "│ suppressed   │     1 │" in invoke("subscribers", "import", str(path)).stdout


def test_history_lists_events_also_after_erasure(invoke: Invoke) -> None:
    invoke("subscribers", "import", "--basis", "public-task", str(SAMPLE))
    invoke("subscribers", "erase", "--yes", "karl.berg@example.org")
    result = invoke("subscribers", "history", "Karl.Berg@Example.org")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Consent history of Karl.Berg@example.org: 2 event(s); no subscriber is stored for it."
    )
    assert " imported " in lines[1] and " import " in lines[1] and "public-task" in lines[1]
    assert " erased " in lines[2] and " cli " in lines[2]


def test_history_of_a_bad_address_exits_2(invoke: Invoke) -> None:
    result = invoke("subscribers", "history", "a@@b")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")


def test_export_person_writes_json_to_stdout_or_a_private_file(
    invoke: Invoke, tmp_path: Path
) -> None:
    invoke("subscribers", "import", str(SAMPLE))
    result = invoke("subscribers", "export-person", "lena.sjoberg@example.org")
    data = json.loads(result.stdout)
    assert data["subscriber"]["name"] == "Lena Sjöberg"
    assert data["subscriber"]["legal_basis"] == "public-task"
    assert [event["kind"] for event in data["consent_events"]] == ["imported"]
    out = tmp_path / "lena.json"
    written = invoke("subscribers", "export-person", "--out", str(out), "lena.sjoberg@example.org")
    assert written.exit_code == 0 and written.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["subscriber"]["email"] == (
        "lena.sjoberg@example.org"
    )
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_purge_deletes_old_unconfirmed_sign_ups(
    invoke: Invoke, session_factory: sessionmaker[Session]
) -> None:
    old = datetime.now(UTC) - timedelta(days=31)
    with session_factory.begin() as session:
        for email, status in (
            ("old@example.org", SubscriberStatus.PENDING),
            ("kept@example.org", SubscriberStatus.ACTIVE),
        ):
            session.add(
                Subscriber(
                    email=email,
                    email_key=email,
                    status=status,
                    token_salt="s",
                    created_at=old,
                    updated_at=old,
                )
            )
    assert "Deleted 0 sign-up(s) not confirmed within 40 day(s)." in (
        invoke("subscribers", "purge", "--days", "40").stdout
    )
    result = invoke("subscribers", "purge")
    assert "Deleted 1 sign-up(s) not confirmed within 30 day(s)." in result.stdout
    assert set(stored(session_factory)) == {"kept@example.org"}
