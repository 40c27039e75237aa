"""`tryggnews backup` and `tryggnews restore` on SQLite files, and on PostgreSQL the
pg_dump / pg_restore lines they print, run for real.

A file that is not a backup of ours is refused with exit 2 and its reason, and the
target is left exactly as it was, with no temporary file behind.
"""

from __future__ import annotations

import hashlib
import shlex
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sending_setup import add_subscribers
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tryggnews.cli import cli
from tryggnews.db.engine import make_engine, make_session_factory, normalise_url
from tryggnews.db.migrate import current_revision, head_revision, upgrade
from tryggnews.db.models import Subscriber

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def invoke(database_url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli,
        list(args),
        env={"TRYGGNEWS_DATABASE_URL": database_url, "TRYGGNEWS_SECRET_KEY": TEST_SECRET},
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout, result.stderr


def sqlite_db(path: Path, *, revision: str = "head", people: int = 25) -> Path:
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine, revision)
        if people and revision == "head":
            add_subscribers(make_session_factory(engine), people)
        elif people:  # the models are today's; an old schema gets the columns it had then
            with engine.begin() as conn:
                for n in range(people):
                    conn.execute(
                        text(
                            "INSERT INTO subscribers (email, email_key, language, audiences, "
                            "topics, status, token_salt, source, legal_basis, soft_bounces, "
                            "created_at, updated_at) VALUES (:e, :e, 'sv', '[]', '[]', 'active', "
                            "'00', 'test', 'consent', 0, '2027-01-01', '2027-01-01')"
                        ),
                        {"e": f"old{n}@example.org"},
                    )
    finally:
        engine.dispose()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


def subscribers_in(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM subscribers").fetchone()[0])


@pytest.fixture
def live(tmp_path: Path) -> Path:
    return sqlite_db(tmp_path / "live.db")


def test_backup_then_restore_into_a_new_file(live: Path, tmp_path: Path) -> None:
    code, out, err = invoke(f"sqlite:///{live}", "backup", str(tmp_path / "b.db"))
    assert code == 0, err
    assert out.startswith(f"Backup written: {tmp_path / 'b.db'} (")
    assert (tmp_path / "b.db").stat().st_mode & 0o777 == 0o600
    target = tmp_path / "new" / "restored.db"
    code, out, err = invoke(f"sqlite:///{target}", "restore", str(tmp_path / "b.db"))
    assert code == 0, err
    assert f"into {target} at migration" in out
    assert subscribers_in(target) == 25
    assert sorted(p.name for p in target.parent.iterdir()) == ["restored.db"]


def test_backup_does_not_overwrite_unless_told(live: Path, tmp_path: Path) -> None:
    existing = tmp_path / "b.db"
    existing.write_text("an older backup")
    code, _, err = invoke(f"sqlite:///{live}", "backup", str(existing))
    assert code == 2 and "exists: choose a new name, or give --overwrite" in err
    assert existing.read_text() == "an older backup"
    code, _, err = invoke(f"sqlite:///{live}", "backup", "--overwrite", str(existing))
    assert code == 0, err
    assert subscribers_in(existing) == 25


def test_an_older_backup_is_migrated_to_head_on_the_copy(tmp_path: Path) -> None:
    old = sqlite_db(tmp_path / "old.db", revision="0006")
    target = tmp_path / "restored.db"
    code, out, err = invoke(f"sqlite:///{target}", "restore", str(old))
    assert code == 0, err
    assert "The backup was at migration 0006; the copy was migrated." in out
    engine = make_engine(f"sqlite:///{target}")
    try:
        assert current_revision(engine) == head_revision(engine)
    finally:
        engine.dispose()
    assert subscribers_in(target) == 25
    assert current_revision_of(old) == "0006"  # the backup itself is read only


def current_revision_of(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return str(db.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def not_ours(tmp_path: Path) -> Path:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    return path


def no_core_tables(tmp_path: Path) -> Path:
    path = tmp_path / "half.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        db.execute("INSERT INTO alembic_version VALUES ('0012')")
    return path


def from_the_future(tmp_path: Path) -> Path:
    path = sqlite_db(tmp_path / "future.db", people=0)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = '0099'")
    return path


def damaged_at(tmp_path: Path, where: slice) -> Path:
    path = sqlite_db(tmp_path / "damaged.db", people=2000)
    with sqlite3.connect(path) as db:  # one file, no WAL, so the bytes below are the data
        db.execute("PRAGMA journal_mode=DELETE")
    data = bytearray(path.read_bytes())
    data[where] = b"\xa5" * (where.stop - where.start)
    path.write_bytes(bytes(data))
    return path


def damaged_schema(tmp_path: Path) -> Path:
    return damaged_at(tmp_path, slice(8192, 16384))  # pages 3 and 4: the schema's b-tree


def damaged_rows(tmp_path: Path) -> Path:
    size = (sqlite_db(tmp_path / "probe.db", people=2000)).stat().st_size
    return damaged_at(tmp_path, slice(size - 8 * 4096, size - 6 * 4096))  # subscribers' pages


def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("hej\n")
    return path


def pg_dump_file(tmp_path: Path) -> Path:
    path = tmp_path / "tryggnews.dump"
    path.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (text_file, "is not a SQLite database (no SQLite header): not a backup"),
        (pg_dump_file, "is a PostgreSQL dump (pg_dump): restore it with pg_restore"),
        (not_ours, "has no alembic_version table: it is not a database made by tryggnews"),
        (no_core_tables, "lacks the tables issues, subscribers, consent_events, deliveries"),
        (from_the_future, "is at migration 0099, which this version of tryggnews does not know"),
        (damaged_schema, "is damaged: SQLite cannot read it (database disk image is malformed)"),
        (damaged_rows, "damaged.db is damaged"),
        (lambda tmp: tmp / "missing.db", "no such file"),
    ],
)
@pytest.mark.parametrize("target_state", ["absent", "empty file"])
def test_restore_of_something_that_is_not_a_backup_leaves_the_target_untouched(
    tmp_path: Path, make, reason: str, target_state: str
) -> None:
    source = make(tmp_path)
    folder = tmp_path / "target"
    folder.mkdir()
    target = folder / "tryggnews.db"
    if target_state == "empty file":
        target.touch()
    before = digest(target)
    code, out, err = invoke(f"sqlite:///{target}", "restore", str(source))
    assert code == 2, out + err
    assert err.startswith("Error: ") and reason in err and len(err.splitlines()) == 1, err
    assert "Traceback" not in out + err
    assert digest(target) == before
    assert [p.name for p in folder.iterdir()] == ([] if target_state == "absent" else [target.name])


def test_restore_refuses_a_database_that_is_not_empty(live: Path, tmp_path: Path) -> None:
    backup = tmp_path / "b.db"
    assert invoke(f"sqlite:///{live}", "backup", str(backup))[0] == 0
    other = sqlite_db(tmp_path / "in-use.db", people=3)
    before = digest(other)
    code, _, err = invoke(f"sqlite:///{other}", "restore", str(backup))
    assert code == 2
    assert "is not empty" in err and "restore only goes into an empty database" in err
    assert digest(other) == before and subscribers_in(other) == 3


# --- PostgreSQL -------------------------------------------------------------------------


def test_postgres_commands_leave_the_password_out(tmp_path: Path) -> None:
    url = "postgresql://tryggnews:hemligt-lösen@db.example.org:5433/tryggnews"
    code, out, err = invoke(url, "backup", str(tmp_path / "t.dump"))
    assert code == 2 and out == ""
    assert "hemligt" not in err
    assert (
        f"  pg_dump --format=custom --no-owner --file {tmp_path / 't.dump'} "
        "postgresql://tryggnews@db.example.org:5433/tryggnews"
    ) in err.splitlines()
    assert "PGPASSWORD or ~/.pgpass" in err
    code, _, err = invoke(url, "restore", str(tmp_path / "t.dump"))
    assert code == 2 and "hemligt" not in err
    assert "  tryggnews db upgrade" in err.splitlines()


@pytest.fixture
def empty_postgres_database(db_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database beside the test's one, with the same options."""
    if not db_url.startswith("postgresql"):
        pytest.skip("pg_dump and pg_restore are PostgreSQL's")
    name = f"tn_restore_{uuid.uuid4().hex[:10]}"
    base = make_url(normalise_url(db_url))
    admin = create_engine(base.set(query={}), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def printed_command(err: str, program: str) -> list[str]:
    line = next(line for line in err.splitlines() if line.strip().startswith(program))
    return shlex.split(line)


def test_the_printed_pg_dump_and_pg_restore_lines_work(
    db_url: str, empty_postgres_database: str, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        add_subscribers(make_session_factory(engine), 40)
    finally:
        engine.dispose()
    dump = tmp_path / "tryggnews.dump"
    code, _, err = invoke(db_url, "backup", str(dump))
    assert code == 2
    done = subprocess.run(printed_command(err, "pg_dump"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert dump.read_bytes().startswith(b"PGDMP")

    code, _, err = invoke(empty_postgres_database, "restore", str(dump))
    assert code == 2
    done = subprocess.run(printed_command(err, "pg_restore"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert invoke(empty_postgres_database, "db", "upgrade")[0] == 0
    restored = make_engine(empty_postgres_database)
    try:
        assert current_revision(restored) == head_revision(restored)
        with restored.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Subscriber)) == 40
    finally:
        restored.dispose()
