"""Many ledger rows in one statement: their ids, or ids with one value each, as one parameter.

Recording a group of answers and reading a claimed batch touch tens to hundreds of
rows by id. An executemany or an expanding ``IN`` does Python work per row on every
call — SQLAlchemy builds and processes each row's parameters (and a bind name per id
for ``IN``), psycopg feeds each executemany row through its pipeline — and that work
holds the GIL the sending lanes need. Here the whole list is one text parameter,
made by one C-level call (``str.join``, ``json.dumps``), that the database unpacks
itself (``= ANY`` of an array, ``jsonb`` on PostgreSQL; ``json_each`` on SQLite)
and finds each row by its primary key. The statements stay SQLAlchemy Core, built once per
database and cached; only the unpacking differs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Session

# The parameter names the statements below bind the lists to.
IDS = "rowset_ids"
VALUES = "rowset_values"


def on_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def id_in(column: ColumnElement[int], postgres: bool) -> ColumnElement[bool]:
    """``column`` is one of the ids bound by ``ids_param`` (or ``keyed_params``)."""
    if postgres:
        # Untyped, so psycopg sends the text as "unknown" and PostgreSQL parses it as
        # an int[] once, when binding: a value already typed text would be cast again
        # for every row a sequential scan looks at.
        return column == any_(cast(bindparam(IDS), ARRAY(Integer)))
    listed = func.json_each(bindparam(IDS)).table_valued("value")
    return column.in_(select(listed.c.value).scalar_subquery())


def ids_param(ids: Iterable[int], postgres: bool) -> dict[str, str]:
    """The parameters of a statement using ``id_in``: an array literal on PostgreSQL,
    a JSON array on SQLite."""
    listed = ",".join(map(str, ids))
    return {IDS: f"{{{listed}}}" if postgres else f"[{listed}]"}


def keyed_values(
    column: ColumnElement[int], postgres: bool
) -> tuple[ColumnElement[bool], ColumnElement[Any]]:
    """For (id, text value) pairs bound by ``keyed_params``: the condition that
    ``column`` is one of the ids, and the value of that row's id.

    An UPDATE with both in its WHERE and SET sets a different value on each row in
    one statement. The values are a JSON object {"id": value}. PostgreSQL looks each
    row's value up in it (``->>`` of a ``jsonb``, parsed once) and finds the rows by
    ``id_in``; SQLite joins the object's entries (``UPDATE … FROM json_each``,
    SQLite ≥ 3.33), whose text keys compare with the integer key under its numeric
    affinity — a lookup by rowid.
    """
    if postgres:
        values = cast(bindparam(VALUES), JSONB)
        return id_in(column, postgres), values[cast(column, String)].astext
    pairs = func.json_each(bindparam(VALUES)).table_valued("key", "value", name="keyed")
    return column == pairs.c.key, pairs.c.value


def keyed_params(values: dict[int, str | None], postgres: bool) -> dict[str, str]:
    """The parameters of a statement using ``keyed_values``: one value per id (None is NULL)."""
    keyed = {VALUES: json.dumps(values)}
    return {**keyed, **ids_param(values, postgres)} if postgres else keyed
