"""``db.reads.read_one`` gives what SQLAlchemy's own Core read gives for the same row:
every column through its own type (status enum, UTC datetimes, JSON lists, text), for
any stored values; no row is None; a failing statement raises and returns its
connection to the pool.

A real SQLite file and PostgreSQL.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, bindparam, select, text
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.db.models import Subscriber, SubscriberStatus
from tryggnews.db.reads import make_reader, read_one

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
