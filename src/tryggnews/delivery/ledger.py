"""The delivery ledger: one row per issue × subscriber, the truth about who got what.

Life of a row::

    pending ──claim──► claimed ──accepted──► sent
       ▲                 │  ├──retry──► retry ──(next_attempt_at passes)──► claimed …
       │                 │  ├──bounced / failed (final)
       │                 └──subscriber left since the snapshot──► skipped
       └── snapshot_audience (once per subscriber and issue)

This module owns the ledger's two ends: the snapshot that writes the rows, and the
read side (counts, outstanding variants, completing the issue). Claims and their
leases live in ``claims`` and the transport's answers in ``results``: those are where
workers meet and where the retry policy lives, and each changes for its own reasons.

Every function here works inside the caller's transaction and never commits: the
caller decides how long a transaction is (short ones for claims and results).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    Exists,
    Integer,
    MetaData,
    Table,
    Text,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable, DropTable

from tryggnews.content.variants import VariantPlanner
from tryggnews.content.views import VariantSpec
from tryggnews.content.vocabulary_usage import STORED_AUDIENCES, STORED_LANGUAGE, STORED_TOPICS
from tryggnews.db.models import (
    OUTSTANDING_DELIVERY_STATES,
    Delivery,
    DeliveryStatus,
    Issue,
    IssueStatus,
    Subscriber,
    SubscriberStatus,
)

# The Core table: the snapshot's INSERT … SELECT names its columns.
_table = cast(Table, Delivery.__table__)


def receiving(now: datetime) -> ColumnElement[bool]:
    """SQL condition: the subscriber gets newsletters at ``now``.

    Active, and not paused until a later time. The same test decides the snapshot
    and, again at claim time, whether a snapshotted row is still sent.
    """
    return and_(
        Subscriber.status == SubscriberStatus.ACTIVE,
        or_(Subscriber.paused_until.is_(None), Subscriber.paused_until <= now),
    )


@dataclass(frozen=True)
class Choice:
    """One distinct (audiences, topics, language) held by receiving subscribers.

    Kept as stored, the JSON columns' text, so the database can match it back to every
    subscriber who holds it. The app writes equal lists as equal text; two texts of the
    same set (keys in another order) are two choices that plan to the same variant.
    """

    audiences: str
    topics: str
    language: str  # "" stands for NULL, which reads Swedish as an undeclared language does

    def variant(self, planner: VariantPlanner) -> VariantSpec:
        return planner.variant_for(
            json.loads(self.audiences), json.loads(self.topics), self.language
        )


# The stored choice of a subscriber, as SQL (one owner: content.vocabulary_usage).
_AUDIENCES, _TOPICS, _LANGUAGE = STORED_AUDIENCES, STORED_TOPICS, STORED_LANGUAGE


def audience_choices(
    session: Session, now: datetime, *, missing_from: int | None = None
) -> list[Choice]:
    """Each distinct choice of the subscribers receiving at ``now``, once.

    With ``missing_from``, only of those not yet in that issue's ledger. Ordered by the
    first subscriber (lowest id) holding each, so planning meets them as a stream would.
    """
    query = (
        select(_AUDIENCES, _TOPICS, _LANGUAGE)
        .where(receiving(now))
        .group_by(_AUDIENCES, _TOPICS, _LANGUAGE)
        .order_by(func.min(Subscriber.id))
    )
    if missing_from is not None:
        query = query.where(~_in_ledger(missing_from))
    return [Choice(*row) for row in session.execute(query)]


def snapshot_audience(
    session: Session,
    issue_id: int,
    planner: VariantPlanner,
    *,
    now: datetime,
    choices: Sequence[Choice] | None = None,
) -> int:
    """Add a ``pending`` row, with its variant, for every receiving subscriber not yet in
    the ledger for this issue. Returns how many rows were added; a second run adds none.

    Set-based: each distinct choice is planned once (``planner.variant_for``), and one
    ``INSERT … SELECT`` joins the subscribers to that mapping; nothing is read into
    Python per subscriber. ``choices`` are the ones planning already read
    (``audience_choices``); without them they are read here. Runs in the caller's
    transaction: commit once at the end and senders see the whole audience at once,
    never half of it. ``now`` decides who is paused and stamps the rows; pass the
    sender's clock time.
    """
    added = 0
    given = choices
    while True:
        pending = (
            given if given is not None else audience_choices(session, now, missing_from=issue_id)
        )
        if not pending:
            return added
        mapping = [
            {
                "audiences": c.audiences,
                "topics": c.topics,
                "language": c.language,
                "variant": c.variant(planner).key,
            }
            for c in pending
        ]
        inserted = _insert_mapped(session, issue_id, mapping, now)
        added += inserted
        if given is None and inserted == 0:
            # Everyone still missing changed their choices between the two statements
            # (PostgreSQL reads each statement afresh); stop rather than chase them.
            return added
        # Read once more what is still missing: on PostgreSQL a subscriber may have
        # changed their choices since ``choices`` were read, and would match none.
        given = None


def _in_ledger(issue_id: int) -> Exists:
    # Anyone already in the ledger for this issue is left alone: re-running the
    # snapshot after a crash, or after new sign-ups, only adds the missing people.
    return exists().where(Delivery.issue_id == issue_id, Delivery.subscriber_id == Subscriber.id)


def _mapping_table() -> Table:
    # A temporary table rather than a VALUES list: through its primary key SQLite reads
    # the subscribers once and looks each one's choice up (given a VALUES list it read
    # them once per choice), and no statement's parameters grow with the choices.
    return Table(
        "snapshot_choices",
        MetaData(),
        Column("audiences", Text, primary_key=True),
        Column("topics", Text, primary_key=True),
        Column("language", Text, primary_key=True),
        Column("variant", Text, nullable=False),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )


def _insert_mapped(
    session: Session, issue_id: int, mapping: Sequence[dict[str, str]], now: datetime
) -> int:
    """One ``INSERT … SELECT``: every receiving subscriber not yet in the ledger whose
    stored choice is in ``mapping`` (audiences, topics, language → variant key)."""
    connection = session.connection()
    chosen = _mapping_table()
    # Python's sqlite3 opens its transaction at the first INSERT, so a CREATE before any
    # write commits at once, and a rollback can bring back a table dropped later: the
    # table may therefore already exist, and is emptied before use.
    connection.execute(CreateTable(chosen, if_not_exists=True))
    connection.execute(delete(chosen))
    connection.execute(insert(chosen), list(mapping))
    stamp = _table.c.created_at.type
    rows = (
        select(
            literal(issue_id, Integer),
            Subscriber.id,
            chosen.c.variant,
            literal(DeliveryStatus.PENDING, _table.c.status.type),
            literal(0, Integer),
            literal(now, stamp),
            literal(now, stamp),
        )
        .join_from(
            Subscriber,
            chosen,
            and_(
                chosen.c.audiences == _AUDIENCES,
                chosen.c.topics == _TOPICS,
                chosen.c.language == _LANGUAGE,
            ),
        )
        # The WHERE also keeps SQLite from reading ON CONFLICT as the join's ON.
        .where(receiving(now))
    )
    # Who is already in the ledger (an earlier run, a snapshot racing this one) is
    # skipped by ON CONFLICT DO NOTHING through the unique (issue, subscriber) index, and
    # not counted. Not by NOT EXISTS here: on PostgreSQL that probe walks the index
    # entries this very statement adds (invisible to it, but there), quadratic in the
    # list when the planner picks the (issue, status) index for it.
    statement = _insert_ignoring_duplicates(session).from_select(
        ["issue_id", "subscriber_id", "variant", "status", "attempts", "created_at", "updated_at"],
        rows,
    )
    # Kept explicitly: SQLAlchemy keeps the count of UPDATE and DELETE, not of INSERT.
    added = connection.execute(statement.execution_options(preserve_rowcount=True)).rowcount
    connection.execute(DropTable(chosen))
    return added


def _insert_ignoring_duplicates(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(_table).on_conflict_do_nothing(
            index_elements=["issue_id", "subscriber_id"]
        )
    if dialect == "sqlite":
        return sqlite.insert(_table).on_conflict_do_nothing(
            index_elements=["issue_id", "subscriber_id"]
        )
    return insert(_table)


def ledger_counts(session: Session, issue_id: int) -> dict[DeliveryStatus, int]:
    """How many of the issue's rows are in each state; every state is present."""
    counts = dict.fromkeys(DeliveryStatus, 0)
    rows = session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.issue_id == issue_id)
        .group_by(Delivery.status)
    )
    for status, count in rows:
        counts[DeliveryStatus(status)] = count
    return counts


def outstanding_variants(session: Session, issue_id: int) -> set[str]:
    """Variant keys of the rows still to send; each needs a message template."""
    return set(
        session.scalars(
            select(Delivery.variant)
            .where(Delivery.issue_id == issue_id, Delivery.status.in_(OUTSTANDING_DELIVERY_STATES))
            .distinct()
        )
    )


def complete_issue(session: Session, issue_id: int, *, now: datetime) -> bool:
    """Mark the issue ``sent`` if its ledger has rows and none is outstanding.

    One conditional UPDATE, so a row added or reclaimed meanwhile keeps the issue
    open, and two workers finishing together both succeed harmlessly. Returns
    whether the issue is sent now.
    """
    rows = select(Delivery.id).where(Delivery.issue_id == issue_id)
    session.execute(
        update(Issue)
        .where(
            Issue.id == issue_id,
            Issue.status != IssueStatus.SENT,
            rows.exists(),
            ~rows.where(Delivery.status.in_(OUTSTANDING_DELIVERY_STATES)).exists(),
        )
        .values(
            status=IssueStatus.SENT,
            sent_at=now,
            # Set at the snapshot already; kept for an issue sent before it was recorded.
            published_at=func.coalesce(Issue.published_at, now),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    status = session.scalar(select(Issue.status).where(Issue.id == issue_id))
    return status == IssueStatus.SENT
