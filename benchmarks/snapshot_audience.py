"""Planning + audience snapshot of one send: set-based against one subscriber at a time.

    python benchmarks/snapshot_audience.py [--subscribers 50000] [--rounds 3]
                                           [--spread realistic|wide]
                                           [--database-url postgresql://…]

Creates N subscribers (SQLite file, or a fresh schema in the PostgreSQL database given,
dropped afterwards) and one issue of the sample blocks, then times, in the same run:

(a) baseline: planning by streaming every receiving subscriber through
    ``VariantPlanner.variant_for``, and the snapshot by keyset pages of 1,000 decoded
    and planned in Python and written by executemany: the way before the set-based
    snapshot, kept here as it was;
(b) tryggnews: ``Publisher.plan_variants`` (each distinct stored choice once) and
    ``snapshot_audience`` (``INSERT … SELECT`` joining the subscribers to that mapping).

Both run in a transaction that is rolled back afterwards, interleaved, ``--rounds``
times; each figure is the median. The two ledgers are compared row by row once (every
subscriber, the same variant), outside the timing. ``--spread realistic`` gives choices
as people make them (most pick one or two audiences, no topics, Swedish; some lists in
another order, as the importer writes them); ``wide`` gives every subscriber a random
choice, nearly one distinct choice each: the set-based snapshot's worst case.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, exists, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from tryggnews import wiring
from tryggnews.config import Settings, load_settings
from tryggnews.content.issues import add_block, create_issue, get_issue
from tryggnews.content.variants import VariantPlanner
from tryggnews.content.vocabulary import Vocabulary, load_vocabulary
from tryggnews.db.engine import make_engine, make_session_factory
from tryggnews.db.migrate import upgrade
from tryggnews.db.models import Delivery, DeliveryStatus, Subscriber, SubscriberStatus
from tryggnews.delivery.ledger import receiving, snapshot_audience
from tryggnews.publishing import Publisher
from tryggnews.sample.loader import load_sample_blocks

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2027, 3, 10, 8, 0, tzinfo=UTC)
ISSUE = "2027-1"

# --- the data ------------------------------------------------------------------------


def realistic_choice(rng: random.Random, vocabulary: Vocabulary) -> dict[str, Any]:
    audiences = list(vocabulary.audiences)
    count = rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
    # Parents and seniors are most of the list; the staff audiences few.
    weights = [8 if a.startswith("parents") else 4 if a == "senior" else 1 for a in audiences]
    picked: list[str] = []
    while len(picked) < count:
        key = rng.choices(audiences, weights=weights)[0]
        if key not in picked:
            picked.append(key)
    if rng.random() < 0.8:  # the form writes vocabulary order; the importer any order
        picked.sort(key=audiences.index)
    topics: list[str] = []
    if rng.random() < 0.3:
        topics = rng.sample(list(vocabulary.topics), rng.randint(1, 3))
    language = rng.choices(("sv", "en", "ar", "so"), weights=(88, 6, 3, 3))[0]
    return {"audiences": picked, "topics": topics, "language": language}


def wide_choice(rng: random.Random, vocabulary: Vocabulary) -> dict[str, Any]:
    return {
        "audiences": rng.sample(list(vocabulary.audiences), rng.randint(1, 5)),
        "topics": rng.sample(list(vocabulary.topics), rng.randint(0, 4)),
        "language": rng.choice(list(vocabulary.languages)),
    }


def make_database(
    settings: Settings, vocabulary: Vocabulary, subscribers: int, spread: str
) -> None:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        issue = create_issue(
            session,
            key=ISSUE,
            year=2027,
            number=1,
            title="Trygg i Österåker nummer 1",
            subject="Trygg i Österåker: påsklov, båtar och grannsamverkan",
            preheader="Påsklov, båtar och grannsamverkan.",
            intro_md="Hej! Här kommer vårens nyhetsbrev från kommunen och polisen.",
        )
        for block in load_sample_blocks(session, author="benchmark", vocabulary=vocabulary):
            add_block(session, issue, block)
    rng = random.Random(17)
    choose = realistic_choice if spread == "realistic" else wide_choice
    chunk = 5000
    for start in range(0, subscribers, chunk):
        rows = []
        for n in range(start, min(subscribers, start + chunk)):
            status = rng.choices(
                (SubscriberStatus.ACTIVE, SubscriberStatus.PENDING, SubscriberStatus.UNSUBSCRIBED),
                weights=(94, 3, 3),
            )[0]
            paused = NOW + timedelta(days=20) if rng.random() < 0.01 else None
            rows.append(
                {
                    "email": f"person{n:07d}@example.org",
                    "email_key": f"person{n:07d}@example.org",
                    "name": f"Person {n}",
                    **choose(rng, vocabulary),
                    "status": status,
                    "paused_until": paused,
                    "token_salt": secrets.token_hex(8),
                    "source": "benchmark",
                    "legal_basis": "public-task",
                    "soft_bounces": 0,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
        with sessions.begin() as session:
            session.execute(insert(Subscriber), rows)
    engine.dispose()


# --- the baseline: planning and snapshot one subscriber at a time -----------------------


def baseline_plan(publisher: Publisher, session: Session, issue_id: int) -> VariantPlanner:
    planner = publisher.planner(publisher.blocks_of(get_issue(session, str(issue_id))))
    rows = session.execute(
        select(Subscriber.audiences, Subscriber.topics, Subscriber.language)
        .where(receiving(NOW))
        .execution_options(yield_per=2000)
    )
    for audiences, topics, language in rows:
        planner.variant_for(audiences, topics, language)
    return planner


def baseline_snapshot(session: Session, issue_id: int, planner: VariantPlanner) -> int:
    table = Delivery.__table__
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(table).on_conflict_do_nothing(
        index_elements=["issue_id", "subscriber_id"]
    )
    already = exists().where(Delivery.issue_id == issue_id, Delivery.subscriber_id == Subscriber.id)
    page = (
        select(Subscriber.id, Subscriber.audiences, Subscriber.topics, Subscriber.language)
        .where(receiving(NOW), ~already, Subscriber.id > bindparam("last_id"))
        .order_by(Subscriber.id)
        .limit(1000)
    )
    added, last_id = 0, 0
    while rows := session.execute(page, {"last_id": last_id}).all():
        last_id = rows[-1].id
        values = [
            {
                "issue_id": issue_id,
                "subscriber_id": row.id,
                "variant": planner.variant_for(row.audiences, row.topics, row.language).key,
                "status": DeliveryStatus.PENDING,
                "attempts": 0,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for row in rows
        ]
        session.connection().execute(statement, values)
        added += len(values)
    return added


def baseline(publisher: Publisher, session: Session, issue_id: int) -> int:
    return baseline_snapshot(session, issue_id, baseline_plan(publisher, session, issue_id))


def set_based(publisher: Publisher, session: Session, issue_id: int) -> int:
    issue = get_issue(session, str(issue_id))
    planner, choices = publisher.plan_variants(session, publisher.blocks_of(issue), NOW)
    return snapshot_audience(session, issue_id, planner, now=NOW, choices=choices)


Method = Callable[[Publisher, Session, int], int]


def timed(
    sessions: sessionmaker[Session], publisher: Publisher, method: Method
) -> tuple[float, int, dict[int | None, str]]:
    """Seconds for planning + snapshot, rows added, and the ledger it wrote (rolled back)."""
    with sessions() as session:
        issue_id = get_issue(session, ISSUE).id
        session.rollback()
        began = time.perf_counter()
        added = method(publisher, session, issue_id)
        seconds = time.perf_counter() - began
        ledger = dict(
            session.execute(
                select(Delivery.subscriber_id, Delivery.variant).where(
                    Delivery.issue_id == issue_id
                )
            ).all()
        )
        session.rollback()
    return seconds, added, ledger


@contextmanager
def database(url: str | None, folder: str) -> Iterator[str]:
    """A SQLite file, or a fresh schema in the PostgreSQL database, dropped afterwards."""
    if url is None:
        yield f"sqlite:///{folder}/bench.db"
        return
    from public_data import drop_schema, fresh_postgres_schema

    schema_url, schema = fresh_postgres_schema(url)
    try:
        yield schema_url
    finally:
        drop_schema(url, schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=50_000, help="subscribers (50000)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument("--spread", choices=("realistic", "wide"), default="realistic")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a SQLite file)")
    args = parser.parse_args()

    times: dict[str, list[float]] = {"baseline": [], "tryggnews": []}
    methods: dict[str, Method] = {"baseline": baseline, "tryggnews": set_based}
    with (
        tempfile.TemporaryDirectory(prefix="tryggnews-bench-") as folder,
        database(args.database_url, folder) as url,
    ):
        settings = load_settings(
            environ={},
            dotenv_path=None,
            database_url=url,
            secret_key="benchmark-secret-key-0123456789-abcdefghij",
            sender_address="nyhetsbrev@trygg.example.se",
            templates_dir=str(REPO / "templates"),
            schedule=str(REPO / "schedule.toml"),
            audiences=str(REPO / "audiences.toml"),
            outbox_dir=f"{folder}/outbox",
        )
        vocabulary = load_vocabulary(REPO / "audiences.toml")
        make_database(settings, vocabulary, args.subscribers, args.spread)
        publisher = wiring.publisher(settings, vocabulary)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        ledgers: dict[str, dict[int | None, str]] = {}
        order = list(methods)
        for n in range(args.rounds):
            for name in order[n % 2 :] + order[: n % 2]:
                seconds, added, ledger = timed(sessions, publisher, methods[name])
                if added != len(ledger):
                    sys.exit(f"{name} reported {added} rows and wrote {len(ledger)}")
                times[name].append(seconds)
                ledgers.setdefault(name, ledger)
        with sessions() as session:
            distinct = len(publisher.plan_variants(session, [], NOW)[1])
        engine.dispose()
    if ledgers["baseline"] != ledgers["tryggnews"]:
        sys.exit("the two ledgers differ: not a valid run")
    before, after = (statistics.median(times[name]) for name in ("baseline", "tryggnews"))
    dialect = "postgresql" if args.database_url else "sqlite"
    print(
        f"{dialect}: {args.subscribers} subscribers ({len(ledgers['tryggnews'])} receiving, "
        f"{distinct} distinct choices, spread {args.spread}), {args.rounds} interleaved "
        "rounds (median); ledgers identical"
    )
    for name in ("baseline", "tryggnews"):
        runs = ", ".join(f"{s:.2f}" for s in times[name])
        print(f"{name:10} planning + snapshot {statistics.median(times[name]):6.2f} s  ({runs})")
    print(
        f"database={dialect} spread={args.spread} subscribers={args.subscribers} "
        f"distinct={distinct} before_s={before:.3f} after_s={after:.3f} "
        f"speedup={before / after:.1f}"
    )


if __name__ == "__main__":
    main()
