"""Subscriber lists in: an import plan written to the database, in chunks.

An import is two steps. ``import_plan.parse_csv`` reads the file once, streaming,
and checks every row without touching the database; ``apply_import`` then compares
the good rows with the database in chunks and writes — only when no row is invalid,
unless the caller says ``skip_invalid``. So a bad list is reported as a whole and
nothing is half-imported.

``apply_import`` never commits: the caller owns the one transaction
(``with session_factory.begin() as session: ...``) and a failure rolls it back.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tryggnews.content.text import require_plain_text
from tryggnews.db.models import ConsentEvent, ConsentEventKind, Subscriber, SubscriberStatus
from tryggnews.errors import TryggnewsError, ValidationError
from tryggnews.subscribers import import_texts as said
from tryggnews.subscribers.import_plan import ImportPlan, ImportRow, RowProblem

MAX_SOURCE_CHARS = 100  # subscribers.source
BASES: tuple[str, ...] = ("public-task", "consent")
CHUNK_SIZE = 500


class ImportConflictError(TryggnewsError):
    """Another process added one of the addresses while the import ran; nothing was written."""


@dataclass
class ImportTotals:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    suppressed: int = 0
    unsubscribed: int = 0  # skipped: they left, an import never brings them back

    def as_dict(self) -> dict[str, int]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "invalid": self.invalid,
            "suppressed": self.suppressed,
            "unsubscribed": self.unsubscribed,
        }


@dataclass
class ImportResult:
    """The outcome: totals, the refused rows, the skipped rows, and whether anything was written.

    ``refused`` means invalid rows stopped the import (nothing written); the totals
    then still say what the valid rows would have done.
    """

    totals: ImportTotals
    problems: list[RowProblem]
    skipped: list[RowProblem]
    dry_run: bool
    refused: bool
    # Kept but flagged: cells that start like a spreadsheet formula (line, column).
    warnings: list[RowProblem] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return not (self.dry_run or self.refused)


def _never_suppressed(email_key: str) -> bool:
    return False


def _chunks(rows: Sequence[ImportRow], size: int) -> Iterator[Sequence[ImportRow]]:
    # itertools.batched arrives only in Python 3.12.
    iterator = iter(rows)
    while chunk := tuple(islice(iterator, size)):
        yield chunk


def apply_import(
    session: Session,
    plan: ImportPlan,
    *,
    basis: str,
    source: str,
    now: datetime,
    skip_invalid: bool = False,
    dry_run: bool = False,
    is_suppressed: Callable[[str], bool] = _never_suppressed,
    email_hash: Callable[[str], str] | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Bring the database in line with ``plan``; flush, never commit (the caller does).

    New addresses become ``active`` subscribers (an import under ``basis``
    "public-task" or "consent" is an administrative act) with ``source``, ``basis``
    as their legal basis and a fresh token salt. Existing ones get the file's name,
    language, audiences and topics where those differ (only for columns the file
    has); a pending one becomes active under ``basis``; a paused or bounced one
    keeps its status. Unsubscribed people and addresses ``is_suppressed(email_key)``
    reports are skipped and listed. When the plan has invalid rows and
    ``skip_invalid`` is false, or when ``dry_run``, nothing is written but the
    totals still say what would happen.
    Existing subscribers are looked up ``chunk_size`` keys at a time.

    With ``email_hash`` (``email_key -> keyed hash``, see ``suppression.address_hash``)
    every written change is also a consent event on the ``import`` channel:
    ``imported`` for each new person and each pending one made active,
    ``preferences_changed`` (old and new values) for the others. The command line
    always passes it; without it only the subscriber rows are written.
    """
    if basis not in BASES:
        raise ValidationError(f"unknown legal basis {basis!r}: choose from {', '.join(BASES)}")
    source = source.strip()
    if not source or len(source) > MAX_SOURCE_CHARS:
        raise ValidationError(f"the import source must be 1–{MAX_SOURCE_CHARS} characters")
    require_plain_text([("the import source", source)])
    refused = plan.invalid_rows > 0 and not skip_invalid
    result = ImportResult(
        totals=ImportTotals(invalid=plan.invalid_rows),
        problems=list(plan.problems),
        skipped=[],
        dry_run=dry_run,
        refused=refused,
        warnings=list(plan.warnings),
    )
    for chunk in _chunks(plan.rows, chunk_size):
        events: list[dict[str, object]] = []
        new = _apply_chunk(session, plan.columns, chunk, result, now, is_suppressed, basis, events)
        if result.written:
            for row in new:
                row.update(source=source, legal_basis=basis, created_at=now, updated_at=now)
            try:
                if new:
                    inserted = session.execute(
                        insert(Subscriber).returning(
                            Subscriber.id, Subscriber.email_key, sort_by_parameter_order=True
                        ),
                        new,
                    )
                    # The scope of consent, as a sign-up records it (the yearly report
                    # reads each person's audiences and language from the ledger).
                    events.extend(
                        {
                            "subscriber_id": row.id,
                            "email_key": row.email_key,
                            "kind": ConsentEventKind.IMPORTED,
                            "details": {"source": source, **_scope(values)},
                        }
                        for row, values in zip(inserted, new, strict=True)
                    )
                session.flush()
            except IntegrityError:
                raise ImportConflictError(
                    "another process added some of these addresses during the import; "
                    "nothing was written — run the import again"
                ) from None
            if email_hash is not None and events:
                _record_events(session, events, email_hash, basis, now)
        if progress is not None:
            progress(len(chunk))
    return result


def _record_events(
    session: Session,
    events: list[dict[str, object]],
    email_hash: Callable[[str], str],
    basis: str,
    now: datetime,
) -> None:
    # One Core executemany per chunk: consent.record_event flushes once per event,
    # which would make a 50,000-row import crawl. The rows are the same.
    rows = [
        {
            "subscriber_id": event["subscriber_id"],
            "email_hash": email_hash(str(event["email_key"])),
            "kind": event["kind"],
            "channel": "import",
            "legal_basis": basis,
            "details": event["details"],
            "created_at": now,
        }
        for event in events
    ]
    session.execute(insert(ConsentEvent), rows)


def _apply_chunk(
    session: Session,
    columns: tuple[str, ...],
    chunk: Sequence[ImportRow],
    result: ImportResult,
    now: datetime,
    is_suppressed: Callable[[str], bool],
    basis: str,
    events: list[dict[str, object]],
) -> list[dict[str, object]]:
    """Classify one chunk, update existing rows in the session; return the new rows.

    Appends the consent events of the updates to ``events``.
    """
    totals = result.totals
    wanted: list[ImportRow] = []
    for row in chunk:
        if is_suppressed(row.email_key):
            totals.suppressed += 1
            result.skipped.append(RowProblem.of(row.line, "email", row.email, said.suppressed()))
        else:
            wanted.append(row)
    if not wanted:
        return []
    existing = {
        subscriber.email_key: subscriber
        for subscriber in session.scalars(
            select(Subscriber).where(Subscriber.email_key.in_([row.email_key for row in wanted]))
        )
    }
    new: list[dict[str, object]] = []
    for row in wanted:
        subscriber = existing.get(row.email_key)
        if subscriber is None:
            totals.new += 1
            new.append(_new_subscriber(row))
            continue
        if subscriber.status is SubscriberStatus.UNSUBSCRIBED:
            totals.unsubscribed += 1
            text = said.unsubscribed_earlier()
            result.skipped.append(RowProblem.of(row.line, "email", row.email, text))
            continue
        changes = _changes(subscriber, row, columns)
        if not changes:
            totals.unchanged += 1
            continue
        totals.updated += 1
        if result.written:
            activated = changes.get("status") is SubscriberStatus.ACTIVE
            # The scope of consent (audiences, topics, language, status) is recorded;
            # a name is not: the ledger outlives an erasure and must not keep it.
            details: dict[str, object] = {
                key: {"from": _plain(getattr(subscriber, key)), "to": _plain(value)}
                for key, value in changes.items()
                if key != "name"
            }
            if "name" in changes:
                details["name"] = "changed"
            for attribute, value in changes.items():
                setattr(subscriber, attribute, value)
            if activated:
                subscriber.legal_basis = basis
            subscriber.updated_at = now
            events.append(
                {
                    "subscriber_id": subscriber.id,
                    "email_key": subscriber.email_key,
                    "kind": (
                        ConsentEventKind.IMPORTED
                        if activated
                        else ConsentEventKind.PREFERENCES_CHANGED
                    ),
                    "details": details,
                }
            )
    return new


def _scope(row: Mapping[str, object]) -> dict[str, object]:
    """A new person's audiences, topics and language, from their row."""
    return {key: row[key] for key in ("audiences", "topics", "language") if key in row}


def _plain(value: object) -> object:
    """A value as JSON holds it (statuses as their string)."""
    return value.value if isinstance(value, SubscriberStatus) else value


def _changes(subscriber: Subscriber, row: ImportRow, columns: tuple[str, ...]) -> dict[str, object]:
    wanted: dict[str, object] = {}
    if "name" in columns:
        wanted["name"] = row.name
    if "language" in columns:
        wanted["language"] = row.language
    if "audiences" in columns:
        wanted["audiences"] = list(row.audiences)
    if "topics" in columns:
        wanted["topics"] = list(row.topics)
    changes = {key: value for key, value in wanted.items() if getattr(subscriber, key) != value}
    if subscriber.status is SubscriberStatus.PENDING:
        changes["status"] = SubscriberStatus.ACTIVE
    return changes


def _new_subscriber(row: ImportRow) -> dict[str, object]:
    return {
        "email": row.email,
        "email_key": row.email_key,
        "name": row.name,
        "language": row.language,
        "audiences": list(row.audiences),
        "topics": list(row.topics),
        "status": SubscriberStatus.ACTIVE,
        # Every person's links are signed with their own salt; rotating it revokes them.
        "token_salt": secrets.token_urlsafe(16),
    }
