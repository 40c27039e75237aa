"""Finding people in the list: a case-insensitive prefix search, keyset-paginated.

The workspace searches by address (``email_key``, unique) or by name (``name_key``,
with ``id`` to break ties). Each is a range scan of a B-tree index, and the next page
starts after the last row shown (a keyset), never at an offset: page 400 of a
100,000-person list costs what page 1 does. The key columns are ordered by code
point (``db.models.search_keys``), so ``q <= key < successor(q)`` is exactly "starts
with q".
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from tryggnews.db.models import Subscriber, SubscriberStatus
from tryggnews.db.models.search_keys import name_search_key

PAGE_SIZE = 50
MAX_QUERY_CHARS = 200
# The largest code point PostgreSQL text can hold; UTF-16 surrogates are skipped.
_SURROGATES = range(0xD800, 0xE000)


class SearchField(enum.StrEnum):
    ADDRESS = "adress"
    NAME = "namn"


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after this key (and, for names, this id)."""

    key: str
    subscriber_id: int


@dataclass(frozen=True)
class SearchPage:
    rows: list[Subscriber]
    next: Cursor | None


def email_search_key(text: str) -> str:
    """The search form of (the start of) an address: what ``email_key`` holds, case-folded."""
    return text.strip().casefold()


def successor(prefix: str) -> str | None:
    """The smallest string after every string that starts with ``prefix``; None: no bound."""
    while prefix:
        last = ord(prefix[-1]) + 1
        if last in _SURROGATES:
            last = _SURROGATES.stop
        if last <= 0x10FFFF:
            return prefix[:-1] + chr(last)
        prefix = prefix[:-1]
    return None


def search_key(field: SearchField, text: str) -> str:
    text = text[:MAX_QUERY_CHARS]
    if field is SearchField.ADDRESS:
        return email_search_key(text)
    return name_search_key(text) or ""


def search_query(
    field: SearchField, text: str, *, after: Cursor | None = None, limit: int = PAGE_SIZE
) -> Select[Subscriber]:
    """The statement behind one page (also what the tests EXPLAIN)."""
    prefix = search_key(field, text)
    column = Subscriber.email_key if field is SearchField.ADDRESS else Subscriber.name_key
    query = select(Subscriber)
    if field is SearchField.NAME:
        query = query.where(column.is_not(None))
    if prefix:
        query = query.where(column >= prefix)
        upper = successor(prefix)
        if upper is not None:
            query = query.where(column < upper)
    if after is not None:
        if field is SearchField.ADDRESS:
            query = query.where(column > after.key)  # email_key is unique
        else:
            query = query.where(
                or_(
                    column > after.key,
                    and_(column == after.key, Subscriber.id > after.subscriber_id),
                )
            )
    return query.order_by(column, Subscriber.id).limit(limit)


def search(
    session: Session,
    field: SearchField,
    text: str,
    *,
    after: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> SearchPage:
    """One page of people whose address (or name) starts with ``text``, any case."""
    rows = list(session.scalars(search_query(field, text, after=after, limit=limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    if not more:
        return SearchPage(rows, None)
    last = rows[-1]
    key = last.email_key if field is SearchField.ADDRESS else (last.name_key or "")
    return SearchPage(rows, Cursor(key, last.id))


def count_by_status(session: Session) -> Counter[SubscriberStatus]:
    """How many people per status (the counts every editor may see)."""
    query = select(Subscriber.status, func.count()).group_by(Subscriber.status)
    return Counter({status: count for status, count in session.execute(query)})
