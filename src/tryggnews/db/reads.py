"""Plain reads for the hottest public pages: the preference page's person, and the
person's history on the page of stored data.

A view of ``/p/<token>`` reads one row by primary key. Through SQLAlchemy's Connection and
Result that cost more client CPU than the rest of the page's database work, and on
PostgreSQL the main engine's pre-ping and transaction added three round trips
(docs/performance.md). So:

- ``make_reader`` gives the engine such reads run on. PostgreSQL: an engine of its own on
  the same URL, in autocommit (one SELECT needs no transaction), with nothing to reset when
  a connection goes back to the pool and no pre-ping: one round trip a read. Its pool is
  disposed with the main engine's. SQLite: the main engine itself (no round trips).
- ``read_one`` (and ``read_all``, for every row) runs a prebuilt SELECT on a pooled DBAPI
  connection of that engine: the SQL is compiled once per statement and dialect, and each
  value goes through its column's own SQLAlchemy type (enums, UTC datetimes, JSON on
  SQLite), so the values are what the ORM would give. On PostgreSQL the statement is
  prepared once per connection and run with one libpq call (``db.libpq``), not through
  psycopg's cursor. A connection the server dropped (a restart, a failover) fails the
  statement; the reader's pool is then emptied, as every connection in it is as old, and
  the read runs once more on a new connection. The engine's ``before_cursor_execute``
  listeners still see the statement (``db.plans.capture`` lists it with the page's others).

Only plain SELECTs of columns with named bind parameters (``bindparam("id")``) are meant
for it; everything else goes through sessions as usual.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select, create_engine, event
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.engine import Dialect

from tryggnews.db.libpq import is_libpq, run_prepared

# A SELECT of any columns (Select is generic over the tuple of its column types).
AnySelect = Select[*tuple[Any, ...]]


def make_reader(engine: Engine) -> Engine:
    """The engine ``read_one`` and ``read_all`` run on for ``engine``'s database (see the
    module's text)."""
    if engine.dialect.name != "postgresql":
        return engine
    reader = create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
    event.listen(engine, "engine_disposed", lambda _engine: reader.dispose())
    return reader


@dataclass(frozen=True, slots=True)
class _Prepared:
    sql: str
    positional: tuple[str, ...] | None  # the bind names in order, for "?" paramstyles
    names: tuple[str, ...]
    converters: tuple[Callable[[Any], Any] | None, ...]
    dollar: tuple[str, tuple[str, ...]] | None  # PostgreSQL: the SQL with $1…, the names


@functools.lru_cache(maxsize=32)
def _prepare(statement: AnySelect, dialect: Dialect) -> _Prepared:
    compiled = statement.compile(dialect=dialect)
    columns = list(statement.selected_columns)
    dollar = None
    if dialect.name == "postgresql":
        numbering: Any = psycopg_dialect  # untyped: SQLAlchemy's dialect classes
        numbered = statement.compile(dialect=numbering(paramstyle="numeric_dollar"))
        dollar = (str(numbered), tuple(numbered.positiontup or ()))
    return _Prepared(
        dollar=dollar,
        sql=str(compiled),
        positional=tuple(compiled.positiontup or ()) if compiled.positional else None,
        names=tuple(str(column.key) for column in columns),
        converters=tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ),
    )


def read_one(
    reader: Engine, statement: AnySelect, params: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The row ``statement`` selects, by column key, or None when there is none."""
    rows = _read(reader, statement, params, many=False)
    return rows[0] if rows else None


def read_all(
    reader: Engine, statement: AnySelect, params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Every row ``statement`` selects, by column key, in its order."""
    return _read(reader, statement, params, many=True)


def _read(
    reader: Engine, statement: AnySelect, params: Mapping[str, Any], *, many: bool
) -> list[dict[str, Any]]:
    prepared = _prepare(statement, reader.dialect)
    bound: Any = (
        tuple(params[name] for name in prepared.positional)
        if prepared.positional is not None
        else dict(params)
    )
    for attempt in (1, 2):
        connection = reader.raw_connection()
        try:
            listeners = reader.dispatch.before_cursor_execute
            if listeners:  # db.plans.capture: seen like any other statement
                listeners(None, None, prepared.sql, bound, None, False)
            dbapi: Any = connection.dbapi_connection
            rows: Sequence[Any]
            if prepared.dollar is not None and is_libpq(dbapi):
                values = [params[name] for name in prepared.dollar[1]]
                rows = run_prepared(dbapi, prepared.dollar[0], values, many=many)
            else:
                cursor = connection.cursor()
                cursor.execute(prepared.sql, bound)
                if many:
                    rows = cursor.fetchall()
                else:
                    row = cursor.fetchone()
                    rows = [] if row is None else [row]
                cursor.close()
        except reader.dialect.loaded_dbapi.Error as error:
            dropped = reader.dialect.is_disconnect(error, connection.dbapi_connection, None)
            if dropped:
                connection.invalidate(error)
            if attempt == 2 or not dropped:
                raise
            reader.dispose()  # the rest of the pool is as old: a restart dropped them all
            continue
        finally:
            connection.close()  # back to the pool (a dropped one is let go)
        names, converters = prepared.names, prepared.converters
        return [
            {
                name: convert(value) if convert else value
                for name, convert, value in zip(names, converters, row, strict=True)
            }
            for row in rows
        ]
    raise AssertionError("unreachable")
