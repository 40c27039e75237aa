"""``db.reads.read_one`` gives what SQLAlchemy's own Core read gives for the same row:
every column through its own type (status enum, UTC datetimes, JSON lists, text), for
any stored values; no row is None; a failing statement raises and returns its
connection to the pool. ``read_all`` gives every row in order; a None parameter is a NULL.
On PostgreSQL each statement is prepared once per connection (``db.libpq``).

A real SQLite file and PostgreSQL.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, bindparam, column, select, text
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.db.models import Subscriber, SubscriberStatus
from tryggnews.db.reads import make_reader, read_all, read_one

TABLE = Subscriber.__table__
WHOLE_ROW = select(TABLE).where(TABLE.c.id == bindparam("id"))
SOME_COLUMNS = select(TABLE.c.status, TABLE.c.paused_until, TABLE.c.topics, TABLE.c.email).where(
    TABLE.c.id == bindparam("id")
)
NUMBERS = itertools.count(1)
# Text as people type it: any letters, marks, punctuation and spaces (no control characters,
# which every input refuses), and the characters SQL and HTML care about.
TEXT = st.text(
    st.characters(categories=("L", "M", "N", "P", "S", "Zs")) | st.sampled_from("'\"%&<>?:\\"),
    max_size=40,
)


def _core(engine: Engine, statement: Any, key: int) -> dict[str, Any] | None:
    with engine.connect() as connection:
        row = connection.execute(statement, {"id": key}).one_or_none()
    return dict(row._mapping) if row is not None else None


def _store(sessions: sessionmaker[Session], **values: Any) -> int:
    number = next(NUMBERS)
    subscriber = Subscriber(
        email=values.pop("email", f"person{number}@example.org"),
        email_key=f"key{number}@example.org",
        token_salt=f"salt{number}",
        **values,
    )
    with sessions.begin() as session:
        session.add(subscriber)
        session.flush()
        return subscriber.id


@pytest.mark.parametrize("status", list(SubscriberStatus))
def test_each_status_and_pause_reads_as_core_does(
    engine: Engine, session_factory: sessionmaker[Session], status: SubscriberStatus
) -> None:
    reader = make_reader(engine)
    now = datetime(2027, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
    for paused in (None, now, now + timedelta(days=200)):
        key = _store(
            session_factory,
            status=status,
            paused_until=paused,
            audiences=["parents-7-9", "senior"],
            topics=[],
            name="O'Neil & Ömer",
            confirmed_at=now,
        )
        for statement in (WHOLE_ROW, SOME_COLUMNS):
            read = read_one(reader, statement, {"id": key})
            assert read == _core(engine, statement, key)
        assert read is not None and read["status"] is status and read["paused_until"] == paused
    assert read_one(reader, WHOLE_ROW, {"id": 10**9}) is None


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    email=TEXT,
    name=st.none() | TEXT,
    audiences=st.lists(TEXT, max_size=4),
    language=st.sampled_from(["sv", "en", "ar", "so"]),
)
def test_any_stored_values_read_as_core_does(
    engine: Engine,
    session_factory: sessionmaker[Session],
    email: str,
    name: str | None,
    audiences: list[str],
    language: str,
) -> None:
    key = _store(session_factory, email=email, name=name, audiences=audiences, language=language)
    read = read_one(make_reader(engine), WHOLE_ROW, {"id": key})
    assert read == _core(engine, WHOLE_ROW, key)
    assert read is not None and read["email"] == email and read["audiences"] == audiences


def test_a_failing_statement_raises_and_gives_its_connection_back(engine: Engine) -> None:
    reader = make_reader(engine)
    missing = (
        select(text("nothing"))
        .select_from(text("no_such_table"))
        .where(TABLE.c.id == bindparam("id"))
    )
    for _ in range(3):
        with pytest.raises(reader.dialect.loaded_dbapi.Error):
            read_one(reader, missing, {"id": 1})
    assert reader.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_every_row_in_order_and_a_null_parameter(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    keys = [_store(session_factory, name=f"Person {n}") for n in range(3)]
    in_order = (
        select(TABLE.c.id, TABLE.c.name)
        .where(TABLE.c.id >= bindparam("first"), TABLE.c.name != bindparam("skip"))
        .order_by(TABLE.c.id)
    )
    reader = make_reader(engine)
    rows = read_all(reader, in_order, {"first": keys[0], "skip": "Person 1"})
    assert rows == [{"id": keys[0], "name": "Person 0"}, {"id": keys[2], "name": "Person 2"}]
    # NULL compares as unknown: no row, and no error for a parameter that is None.
    assert read_all(reader, in_order, {"first": keys[0], "skip": None}) == []
    assert read_one(reader, WHOLE_ROW, {"id": None}) is None


def test_postgresql_prepares_each_statement_once_per_connection(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's; SQLite reads through its cursor")
    reader = make_reader(engine)
    reader.pool.dispose()
    prepared = (
        select(column("name"), column("statement"))
        .select_from(text("pg_prepared_statements"))
        .where(column("name") != bindparam("none"))
    )
    for _ in range(3):
        assert read_one(reader, WHOLE_ROW, {"id": 0}) is None
    # One pooled connection: the read above and the listing, each prepared once on it.
    assert reader.pool.checkedin() == 1  # type: ignore[attr-defined]
    listed = read_all(reader, prepared, {"none": ""})
    statements = sorted(row["statement"] for row in listed)
    assert len(statements) == 2 and all(row["name"].startswith("tryggnews_read_") for row in listed)
    assert any("FROM subscribers" in statement and "$1" in statement for statement in statements)
    # A statement the server connection lost (DEALLOCATE ALL; a pooler between us): again.
    connection = reader.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("DEALLOCATE ALL")
        cursor.close()
    finally:
        connection.close()
    assert read_one(reader, WHOLE_ROW, {"id": 0}) is None
    assert len(read_all(reader, prepared, {"none": ""})) == 2
