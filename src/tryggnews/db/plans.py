"""The statements a piece of code runs, and how the database plans to run them.

``capture`` records every statement an engine executes while a block runs (an event
hook, so it sees exactly what the ORM sent, parameters included); ``explain`` asks
the database for its plan of one of them: ``EXPLAIN QUERY PLAN`` on SQLite,
``EXPLAIN`` on PostgreSQL. ``indexes_used`` and ``full_scans`` read a plan back, so
a test can assert that a page's query uses an index, and ``scripts/query_plans.py``
can list every page's queries with their plans (docs/performance.md).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, event

# SQLite: "SEARCH deliveries USING INDEX ix_x (subscriber_id=?)", "... COVERING INDEX ix_x",
# "... USING INTEGER PRIMARY KEY"; PostgreSQL: "Index Scan using ix_x on deliveries",
# "Index Only Scan using ix_x", "Bitmap Index Scan on ix_x".
_SQLITE_INDEX = re.compile(r"USING (?:COVERING )?INDEX (\S+)")
_SQLITE_ROWID = re.compile(r"SEARCH (\S+) USING INTEGER PRIMARY KEY")
_POSTGRES_INDEX = re.compile(r"(?:Index (?:Only )?Scan using|Bitmap Index Scan on) (\S+)")
_POSTGRES_SCAN = re.compile(r"Seq Scan on (\S+)")


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: Any

    def one_line(self) -> str:
        return " ".join(self.sql.split())


@contextlib.contextmanager
def capture(*engines: Engine) -> Iterator[list[Statement]]:
    """Every statement the ``engines`` execute inside the block, in order (an app's main
    engine and its reader, ``db.reads.make_reader``, which may be the same)."""
    seen: list[Statement] = []

    def record(
        _conn: Connection,
        _cursor: Any,
        statement: str,
        parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        seen.append(Statement(statement, parameters))

    distinct = list({id(engine): engine for engine in engines}.values())
    for engine in distinct:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in distinct:
            event.remove(engine, "before_cursor_execute", record)


def explain(connection: Connection, statement: Statement) -> list[str]:
    """The database's plan for ``statement``, one line per step (indented on PostgreSQL)."""
    parameters = statement.parameters
    if isinstance(parameters, list):  # executemany: the first row says enough
        parameters = parameters[0] if parameters else ()
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement.sql, _driver(parameters)
        ).all()
        depth = {0: 0}
        lines = []
        for node, parent, _unused, detail in rows:
            depth[node] = depth.get(parent, 0) + 1
            lines.append("  " * (depth[node] - 1) + str(detail))
        return lines
    rows = connection.exec_driver_sql("EXPLAIN " + statement.sql, _driver(parameters)).all()
    return [str(row[0]) for row in rows]


def _driver(parameters: Any) -> Any:
    if isinstance(parameters, Mapping):
        return dict(parameters)
    if isinstance(parameters, Sequence) and not isinstance(parameters, str):
        return tuple(parameters)
    return parameters


def indexes_used(plan: Sequence[str]) -> set[str]:
    """The indexes a plan reads (``rowid`` for SQLite's integer primary key lookups)."""
    found: set[str] = set()
    for line in plan:
        found.update(_SQLITE_INDEX.findall(line))
        found.update(_POSTGRES_INDEX.findall(line))
        if _SQLITE_ROWID.search(line):
            found.add("rowid")
    return found


def full_scans(plan: Sequence[str]) -> set[str]:
    """The tables a plan reads from start to end (SQLite's ``SCAN``, even through an
    index, is one: it visits every entry; ``SEARCH`` is a bounded lookup)."""
    found: set[str] = set()
    for line in plan:
        words = line.split()
        if len(words) > 1 and words[0] == "SCAN" and words[1] != "CONSTANT":
            found.add(words[1])
        found.update(_POSTGRES_SCAN.findall(line))
    return found
