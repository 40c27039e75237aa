"""A database the size of a few years of sending, for the public-page benchmark and the
query-plan listing: N subscribers, sent issues made of the sample blocks, and M delivery
rows spread over the newest issues (one row per issue × subscriber, as a send makes).

Issues and blocks go through the content functions (few rows); subscribers, consent
events and deliveries are bulk-inserted with Core ``insert`` in chunks, which is what
makes 500,000 rows take seconds instead of minutes.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, create_engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.content.blocks import BlockInput, create_block
from tryggnews.content.issues import add_block, create_issue
from tryggnews.content.vocabulary import Vocabulary
from tryggnews.db.engine import normalise_url
from tryggnews.db.models import (
    ConsentEvent,
    ConsentEventKind,
    Delivery,
    DeliveryStatus,
    IssueStatus,
    Subscriber,
    SubscriberStatus,
)
from tryggnews.sample.loader import read_sample
from tryggnews.subscribers.suppression import address_hash

FIRST_SENT = datetime(2022, 2, 15, 7, 0, tzinfo=UTC)
CHUNK = 10_000
AUDIENCES: tuple[list[str], ...] = (
    ["parents-7-9"],
    ["senior"],
    [],
    ["parents-4-6", "foretag"],
    ["staff-skola"],
)


@dataclass(frozen=True)
class Seeded:
    subscribers: int
    deliveries: int
    issue_keys: list[str]  # sent and public, newest first
    staff_only_key: str
    reader_id: int  # a subscriber with a delivery row for every issue that has rows
    reader_salt: str


def seed(
    engine: Engine,
    sessions: sessionmaker[Session],
    vocabulary: Vocabulary,
    *,
    secret_key: str,
    subscribers: int,
    deliveries: int,
    issues: int = 20,
) -> Seeded:
    """Fill a migrated, empty database; returns what a load generator needs."""
    sample = read_sample(vocabulary)
    keys: list[str] = []
    issue_ids: list[int] = []
    sent: dict[int, datetime] = {}
    with sessions.begin() as session:
        for n in range(issues):
            year, number = 2022 + n // 4, n % 4 + 1
            sent_at = FIRST_SENT + timedelta(days=91 * n)
            issue = create_issue(
                session,
                key=f"{year}-{number}",
                year=year,
                number=number,
                title=f"{sample.issue.title} ({number}/{year})",
                intro_md=sample.issue.intro_md,
                preheader=sample.issue.preheader,
                planned_send_at=sent_at,
            )
            for spec in sample.blocks:
                block = create_block(
                    session,
                    BlockInput(
                        title=f"{spec.title} ({number}/{year})"[:200],
                        body_md=spec.body_md,
                        organisation=spec.organisation,
                        focus_area=spec.focus_area,
                        audiences=list(spec.audiences),
                        author="benchmark@example.org",
                        status="approved",
                        cta_label=spec.cta_label,
                        cta_url=spec.cta_url,
                    ),
                    vocabulary,
                )
                add_block(session, issue, block)
            issue.status = IssueStatus.SENT
            issue.sent_at = sent_at
            keys.append(issue.key)
            issue_ids.append(issue.id)
            sent[issue.id] = sent_at
        # One staff-only issue: sent, but with no archive page.
        staff = create_issue(
            session,
            key="2021-4",
            year=2021,
            number=4,
            title="Rutiner för personal",
            planned_send_at=FIRST_SENT - timedelta(days=60),
        )
        block = create_block(
            session,
            BlockInput(
                title="Rutiner vid oro för en elev",
                body_md="Intern vägledning.",
                organisation="kommun",
                focus_area="vald",
                audiences=["staff-skola"],
                author="benchmark@example.org",
                status="approved",
            ),
            vocabulary,
        )
        add_block(session, staff, block)
        staff.status = IssueStatus.SENT
        staff.sent_at = FIRST_SENT - timedelta(days=60)
        staff_id = staff.id
        sent[staff_id] = FIRST_SENT - timedelta(days=60)

    salts = [secrets.token_hex(8) for _ in range(subscribers)]
    with engine.begin() as conn:
        for start in range(0, subscribers, CHUNK):
            rows = []
            events = []
            for i in range(start, min(start + CHUNK, subscribers)):
                address = f"prenumerant{i + 1}@example.org"
                # Ids follow insertion order from 1 in the fresh table (as SERIAL and
                # SQLite's rowid give them), so the sequence stays right for later sign-ups.
                rows.append(
                    {
                        "email": address,
                        "email_key": address,
                        "name": None,
                        "language": "sv",
                        "audiences": AUDIENCES[i % len(AUDIENCES)],
                        "topics": [],
                        "status": SubscriberStatus.ACTIVE,
                        "token_salt": salts[i],
                        "source": "form",
                        "legal_basis": "consent",
                        "soft_bounces": 0,
                        "created_at": FIRST_SENT - timedelta(days=100),
                        "updated_at": FIRST_SENT - timedelta(days=100),
                        "confirmed_at": FIRST_SENT - timedelta(days=100),
                    }
                )
                digest = address_hash(secret_key, address)
                for kind in (ConsentEventKind.SUBSCRIBED, ConsentEventKind.CONFIRMED):
                    events.append(
                        {
                            "subscriber_id": i + 1,
                            "email_hash": digest,
                            "kind": kind,
                            "channel": "form",
                            "legal_basis": "consent",
                            "details": {},
                            "created_at": FIRST_SENT - timedelta(days=100),
                        }
                    )
            conn.execute(insert(Subscriber), rows)
            conn.execute(insert(ConsentEvent), events)

        # Newest issues first, every subscriber once per issue, until M rows exist.
        made = 0
        batch: list[dict[str, object]] = []
        copy = _copier(conn)
        for issue_id in [staff_id, *reversed(issue_ids)]:
            sent_at = sent[issue_id]
            for i in range(subscribers):
                if made >= deliveries:
                    break
                batch.append(
                    {
                        "issue_id": issue_id,
                        "subscriber_id": i + 1,
                        "variant": "v1",
                        "status": DeliveryStatus.SENT,
                        "attempts": 1,
                        "created_at": sent_at,
                        "updated_at": sent_at,
                        "sent_at": sent_at,
                    }
                )
                made += 1
                if len(batch) == CHUNK:
                    _put(conn, copy, batch)
                    batch = []
        _put(conn, copy, batch)
    analyse(engine)
    return Seeded(
        subscribers=subscribers,
        deliveries=made,
        issue_keys=list(reversed(keys)),
        staff_only_key="2021-4",
        reader_id=1,
        reader_salt=salts[0],
    )


def _put(
    conn: Connection,
    copy: Callable[[list[dict[str, object]]], None] | None,
    rows: list[dict[str, object]],
) -> None:
    if rows and copy is not None:
        copy(rows)
    elif rows:
        conn.execute(insert(Delivery), rows)


def _copier(conn: Connection) -> Callable[[list[dict[str, object]]], None] | None:
    """On PostgreSQL, rows go in with COPY (psycopg), several times faster than INSERT."""
    if conn.dialect.name != "postgresql":
        return None
    columns = ("issue_id", "subscriber_id", "variant", "status", "attempts")
    times = ("created_at", "updated_at", "sent_at")
    driver = conn.connection.driver_connection
    assert driver is not None

    def copy(rows: list[dict[str, object]]) -> None:
        with driver.cursor().copy(
            f"COPY deliveries ({', '.join(columns + times)}) FROM STDIN"
        ) as target:
            for row in rows:
                status = row["status"]
                assert isinstance(status, DeliveryStatus)
                values = [row[c] for c in columns[:3]] + [status.value, row["attempts"]]
                target.write_row(values + [row[t] for t in times])

    return copy


def analyse(engine: Engine) -> None:
    """Fresh planner statistics, as a production database has them (autovacuum, or
    SQLite's ``PRAGMA optimize``)."""
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def fresh_postgres_schema(url: str) -> tuple[str, str]:
    """A new schema in the given PostgreSQL database, reached via ``search_path``."""
    base = normalise_url(url)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}", schema


def drop_schema(url: str, schema: str) -> None:
    admin = create_engine(normalise_url(url))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
