"""One statement, one round trip: a prebuilt SELECT run through libpq's own blocking call.

psycopg's cursor runs a query as a generator of non-blocking steps (send, flush, poll,
consume, get the result), each a return to Python and, while it waits, a release of the
interpreter's lock. For the one-row reads of the public pages (``db.reads``) that costs
five times the wall time of the round trip itself (~95 µs against ~20 µs on loopback, of
which ~50 µs against ~9 µs of CPU), and under a threaded server each release of the lock
is a wait to get it back. So a read on PostgreSQL prepares its statement once per
connection (``PQprepare``) and runs it with ``PQexecPrepared``: one call, the lock released
once. The values are loaded by psycopg's own ``Transformer`` for that connection, with the
loaders its cursor would use, so a row is what ``cursor.fetchone`` would give.

Parameters go as text and the server infers their types from the statement, as for any
prepared statement. A failed statement raises psycopg's own exception for the result
(``psycopg.errors``), so the caller handles a dropped connection as before. A statement the
server connection does not know (behind a pooler that does not keep prepared statements
per client, or after ``DEALLOCATE ALL``) is prepared again and run once more.
"""

from __future__ import annotations

import itertools
import secrets
import weakref
from collections.abc import Sequence
from typing import Any, cast

import psycopg
from psycopg import errors, pq
from psycopg.adapt import PyFormat, Transformer

# Statement names unique to this process, so processes sharing server connections through
# a pooler (PgBouncer) never meet each other's.
_PREFIX = f"tryggnews_read_{secrets.token_hex(4)}_"
_numbers = itertools.count(1)
_NO_SUCH_STATEMENT = b"26000"  # invalid_sql_statement_name


class _Kept:
    """What one connection keeps: its loader, and the statements prepared on it."""

    __slots__ = ("prepared", "transformer")

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.transformer = Transformer(connection)
        self.prepared: dict[str, bytes] = {}


_KEPT: weakref.WeakKeyDictionary[psycopg.Connection[Any], _Kept] = weakref.WeakKeyDictionary()


def is_libpq(connection: object) -> bool:
    return isinstance(connection, psycopg.Connection)


def run_prepared(
    connection: psycopg.Connection[Any], sql: str, params: Sequence[Any], *, many: bool
) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (``$1``-style parameters) with ``params``, on ``connection``."""
    kept = _KEPT.get(connection)
    if kept is None:
        kept = _KEPT[connection] = _Kept(connection)
    transformer = kept.transformer
    # A None is a NULL: libpq takes it, the stub's type does not say so.
    values = cast(Sequence[bytes], transformer.dump_sequence(params, [PyFormat.TEXT] * len(params)))
    for attempt in (1, 2):
        name = kept.prepared.get(sql) or _prepare(connection, sql, kept)
        result = connection.pgconn.exec_prepared(name, values)
        if attempt == 1 and result.error_field(pq.DiagnosticField.SQLSTATE) == _NO_SUCH_STATEMENT:
            # Not on this server connection (a pooler in between, a DEALLOCATE ALL): again.
            del kept.prepared[sql]
            continue
        _check(result, connection)
        transformer.set_pgresult(result)
        count = result.ntuples if many else min(result.ntuples, 1)
        return transformer.load_rows(0, count, tuple) if count else []
    raise AssertionError("unreachable")


def _prepare(connection: psycopg.Connection[Any], sql: str, kept: _Kept) -> bytes:
    name = f"{_PREFIX}{next(_numbers)}".encode()
    _check(connection.pgconn.prepare(name, sql.encode()), connection)
    kept.prepared[sql] = name
    return name


def _check(result: pq.abc.PGresult, connection: psycopg.Connection[Any]) -> None:
    if result.status not in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
        raise errors.error_from_result(result, encoding=connection.info.encoding)
