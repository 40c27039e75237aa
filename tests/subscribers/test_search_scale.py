"""The workspace's search stays fast as the list grows: at 100,000 subscribers a page
answers in the same order of time as at 1,000, and the query plan is an index range scan
(EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL) for address and name, first page
and later pages alike.

The rows are bulk-inserted with Core (the column default fills ``name_key``, as it does
for the importer's Core insert).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.db.models import Subscriber, SubscriberStatus
from tryggnews.subscribers.search import Cursor, SearchField, search, search_query, successor

BATCH = 5000
NAMES = ("Åsa", "Björn", "Anna", "Örjan", "Per", "Lena", "Ali", "Märta")


def fill(session_factory: sessionmaker[Session], start: int, stop: int) -> None:
    salt = secrets.token_urlsafe(16)
    with session_factory.begin() as session:
        for first in range(start, stop, BATCH):
            session.execute(
                insert(Subscriber),
                [
                    {
                        "email": f"person{n:06d}@example.org",
                        "email_key": f"person{n:06d}@example.org",
                        "name": f"{NAMES[n % len(NAMES)]} Svensson {n:06d}",
                        "status": SubscriberStatus.ACTIVE,
                        "token_salt": salt,
                        "audiences": [],
                        "topics": [],
                    }
                    for n in range(first, min(first + BATCH, stop))
                ],
            )


def best_of(runs: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


QUERIES = [
    (SearchField.ADDRESS, "PERSON0004", None),
    (SearchField.ADDRESS, "person", Cursor("person000500@example.org", 0)),
    (SearchField.NAME, "örjan sv", None),
    (SearchField.NAME, "åsa", Cursor("åsa svensson 000400", 400)),
]


def plan_of(engine: Engine, field: SearchField, query: str, after: Cursor | None) -> str:
    statement = search_query(field, query, after=after).compile(
        engine, compile_kwargs={"literal_binds": True}
    )
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE subscribers"))
        rows = connection.execute(text(explain + str(statement))).all()
    return "\n".join(" ".join(str(cell) for cell in row) for row in rows)


def uses_index(engine: Engine, plan: str, field: SearchField) -> bool:
    """A range search of the field's index, never a scan of the table."""
    if engine.dialect.name == "sqlite":
        # SQLite names the unique constraint's index itself.
        index = (
            "sqlite_autoindex_subscribers"
            if field is SearchField.ADDRESS
            else "ix_subscribers_name_key"
        )
        # The index also gives the order: no temporary B-tree to sort.
        return f"SEARCH subscribers USING INDEX {index}" in plan and "TEMP B-TREE" not in plan
    index = (
        "uq_subscribers_email_key" if field is SearchField.ADDRESS else "ix_subscribers_name_key"
    )
    return (
        f"Index Scan using {index}" in plan or f"Bitmap Index Scan on {index}" in plan
    ) and "Seq Scan" not in plan


def test_prefix_bounds() -> None:
    assert successor("abc") == "abd"
    assert successor("a\U0010ffff") == "b"
    assert successor("\ud7ff") == "\ue000"  # surrogates cannot be stored
    assert successor("") is None


def test_search_at_100000_is_as_fast_as_at_1000_and_uses_an_index(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    timings: dict[int, float] = {}
    for size in (1_000, 100_000):
        fill(session_factory, 1_000 if timings else 0, size)
        with session_factory() as session:
            page = search(session, SearchField.NAME, "ÖRJAN")
            assert len(page.rows) == 50 and page.next is not None
            assert all(row.name and row.name.startswith("Örjan") for row in page.rows)
            following = search(session, SearchField.NAME, "örjan", after=page.next)
            assert following.rows[0].name_key and following.rows[0].name_key > page.next.key

            def all_queries(session: Session = session) -> None:
                for field, query, after in QUERIES:
                    search(session, field, query, after=after)

            timings[size] = best_of(5, all_queries)
        for field, query, after in QUERIES:
            plan = plan_of(engine, field, query, after)
            assert uses_index(engine, plan, field), plan
    print(
        f"{engine.dialect.name}: 1,000 {timings[1_000] * 1000:.1f} ms, "
        f"100,000 {timings[100_000] * 1000:.1f} ms (4 searches, best of 5)"
    )
    # The same order of time: a scan of 100 times the rows would take ~100 times as long.
    assert timings[100_000] < 10 * timings[1_000] + 0.02
