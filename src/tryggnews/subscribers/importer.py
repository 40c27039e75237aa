"""Subscriber lists in: CSV import, checked in full before anything is written.

An import is two steps. ``parse_csv`` reads the file once, streaming, and checks
every row without touching the database; ``apply_import`` then compares the good
rows with the database in chunks and writes — only when no row is invalid, unless
the caller says ``skip_invalid``. So a bad list is reported as a whole and nothing
is half-imported. The format is documented for people in ``subscribers/README.md``
(a test keeps it in step with the shipped ``audiences.toml``).

``apply_import`` never commits: the caller owns the one transaction
(``with session_factory.begin() as session: ...``) and a failure rolls it back.
"""

from __future__ import annotations

import codecs
import csv
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tryggnews.content.vocabulary import DEFAULT_LANGUAGE, Vocabulary, check_keys
from tryggnews.db.models import ConsentEvent, ConsentEventKind, Subscriber, SubscriberStatus
from tryggnews.errors import TryggnewsError, ValidationError
from tryggnews.subscribers.emails import normalise_email

COLUMNS: tuple[str, ...] = ("email", "name", "language", "audiences", "topics")
# Keys inside the audiences/topics cell: "|" is unambiguous in any CSV; "," is what
# people type by hand in Excel. No key contains either.
KEY_SEPARATORS = re.compile(r"[|,]")
# One record (a physical line, or several when a quoted value holds line breaks).
# Real rows are well under 1 KB; the bound keeps a broken or hostile file from
# filling memory (csv's own field limit is 128 KB per field, not per row).
MAX_RECORD_BYTES = 64 * 1024
MAX_NAME_CHARS = 200
MAX_SOURCE_CHARS = 100  # subscribers.source
BASES: tuple[str, ...] = ("public-task", "consent")
CHUNK_SIZE = 500
_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_SAVE_AS_UTF8 = 'save it as UTF-8 (in Excel: "CSV UTF-8 (kommaavgränsad)")'


class ImportConflictError(TryggnewsError):
    """Another process added one of the addresses while the import ran; nothing was written."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one row was refused or skipped: line number, column, the value (shortened)."""

    line: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.column}" if self.column else "")
        value = f" {self.value!r}" if self.value else ""
        return f"{where}{value}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One valid row, normalised."""

    line: int
    email: str
    email_key: str
    name: str | None
    language: str
    audiences: tuple[str, ...]
    topics: tuple[str, ...]


@dataclass
class ImportPlan:
    """What a file holds: the valid rows and every problem, before any database work."""

    path: Path
    delimiter: str
    # The columns the file has; only these are compared with (and written to)
    # existing subscribers, so a file with just "email" changes no preferences.
    columns: tuple[str, ...]
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    invalid_rows: int = 0

    @property
    def is_valid(self) -> bool:
        return self.invalid_rows == 0


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


# --- reading ---------------------------------------------------------------


class _RecordTooLongError(Exception):
    def __init__(self, size: int, head: str) -> None:
        super().__init__(size)
        self.size = size
        self.head = head


class _Lines:
    """The file's lines, decoded from UTF-8 in bounded pieces, for ``csv.reader``.

    Counts physical lines and bytes so errors can name both; refuses a record over
    ``MAX_RECORD_BYTES`` by raising ``_RecordTooLongError`` after skipping the rest
    of the line in small reads, so a 10 MB line costs 64 KB of memory, not 10 MB.
    An iterator class, not a generator: a generator that raises is finished, while
    ``csv.reader`` simply asks this object again for the next record.
    """

    def __init__(self, fh: BinaryIO, path: Path) -> None:
        self._fh = fh
        self._path = path
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.offset = 0  # bytes consumed
        self.line = 0  # physical lines consumed
        self.record_bytes = 0  # reset by the caller before each record

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self._fh.readline(MAX_RECORD_BYTES + 1)
        if not raw:
            self._decode(b"", final=True)
            raise StopIteration
        if self.offset == 0:
            if raw.startswith(_UTF16_BOMS):
                raise ValidationError(
                    f'{self._path}: the file is UTF-16 (Excel\'s "Unicode-text"); {_SAVE_AS_UTF8}'
                )
            if raw.startswith(_UTF8_BOM):
                raw = raw[len(_UTF8_BOM) :]
                self.offset = len(_UTF8_BOM)
        self.line += 1
        self.record_bytes += len(raw)
        if self.record_bytes > MAX_RECORD_BYTES:
            self.offset += len(raw)
            size = self.record_bytes
            if not raw.endswith(b"\n"):
                size += self._skip_rest_of_line()
            self._decoder.reset()
            head = raw[:60].decode("utf-8", errors="replace")
            raise _RecordTooLongError(size, head)
        return self._decode(raw)

    def _skip_rest_of_line(self) -> int:
        skipped = 0
        while chunk := self._fh.readline(MAX_RECORD_BYTES):
            skipped += len(chunk)
            if chunk.endswith(b"\n"):
                break
        self.offset += skipped
        return skipped

    def _decode(self, raw: bytes, *, final: bool = False) -> str:
        pending = self._decoder.getstate()[0]
        try:
            text = self._decoder.decode(raw, final)
        except UnicodeDecodeError as exc:
            data = pending + raw
            position = self.offset - len(pending) + exc.start
            raise ValidationError(
                f"{self._path}: line {max(self.line, 1)} is not UTF-8 "
                f"(byte 0x{data[exc.start]:02x} at byte offset {position}); "
                f"the file is probably Windows-1252/Latin-1 — {_SAVE_AS_UTF8}"
            ) from None
        self.offset += len(raw)
        return text


def _shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else f"{value[:limit]}… ({len(value)} characters)"


def _detect_delimiter(header: str) -> str:
    # Excel with Swedish regional settings writes ";", most other tools ",".
    return ";" if header.count(";") > header.count(",") else ","


def _read_header(lines: _Lines, path: Path) -> tuple[str, tuple[str, ...]]:
    text = ""
    try:
        for text in lines:
            if text.strip():
                break
            lines.record_bytes = 0
        else:
            text = ""
    except _RecordTooLongError:
        raise ValidationError(f"{path}: line {lines.line} (the header) is over 64 KB") from None
    if not text.strip():
        raise ValidationError(
            f"{path}: the file is empty; the first line must be the header, e.g. "
            f"{';'.join(COLUMNS)}"
        )
    delimiter = _detect_delimiter(text)
    try:
        cells = next(csv.reader([text], delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise ValidationError(f"{path}: line {lines.line} (the header) is not CSV: {exc}") from None
    names = tuple(cell.strip().lower() for cell in cells)
    problems: list[str] = []
    for position, name in enumerate(names, 1):
        if not name:
            problems.append(f"column {position} has no name")
        elif name not in COLUMNS:
            problems.append(f"unknown column {name!r}")
        elif names.index(name) != position - 1:
            problems.append(f"column {name!r} appears twice")
    if "email" not in names:
        problems.append("the column 'email' is missing")
    if problems:
        hint = " (tab-separated files are not supported)" if "\t" in text else ""
        raise ValidationError(
            f"{path}: line {lines.line} (the header): {'; '.join(problems)}{hint}. "
            f"Allowed columns: {', '.join(COLUMNS)}"
        )
    return delimiter, names


def parse_csv(path: Path, vocabulary: Vocabulary) -> ImportPlan:
    """Read and check a subscriber CSV without touching the database.

    Whole-file problems (unreadable, not UTF-8, bad header) raise ``ValidationError``
    naming the file and line. Row problems are collected in the plan, each with its
    line number, column, value and reason; the first row of a duplicated address
    stays valid and each later one is a problem.
    """
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read the file ({exc.strerror})") from None
    with fh:
        lines = _Lines(fh, path)
        delimiter, columns = _read_header(lines, path)
        plan = ImportPlan(path=path, delimiter=delimiter, columns=columns)
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        seen: dict[str, int] = {}
        while True:
            lines.record_bytes = 0
            line = lines.line + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except _RecordTooLongError as exc:
                reason = f"the line is over 64 KB ({exc.size} bytes); a real row is far shorter"
                _refuse(plan, [RowProblem(line, "", f"{exc.head}…", reason)])
                continue
            except csv.Error as exc:
                _refuse(plan, [RowProblem(line, "", "", f"not valid CSV: {exc}")])
                continue
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, and the ";;;;" rows Excel leaves at the end
            row, problems = _check_row(line, cells, columns, seen, vocabulary)
            if row is None:
                _refuse(plan, problems)
            else:
                plan.rows.append(row)
    return plan


def _refuse(plan: ImportPlan, problems: list[RowProblem]) -> None:
    plan.invalid_rows += 1
    plan.problems.extend(problems)


def _check_row(
    line: int,
    cells: list[str],
    columns: tuple[str, ...],
    seen: dict[str, int],
    vocabulary: Vocabulary,
) -> tuple[ImportRow | None, list[RowProblem]]:
    if len(cells) < len(columns) or any(cell.strip() for cell in cells[len(columns) :]):
        reason = (
            f"the row has {len(cells)} fields but the header has {len(columns)}; "
            "a value that contains the delimiter must be in double quotes"
        )
        return None, [RowProblem(line, "", "", reason)]
    values = dict(zip(columns, cells, strict=False))
    problems: list[RowProblem] = []

    raw_email = values["email"]
    email = email_key = ""
    try:
        email, email_key = normalise_email(raw_email)
    except ValidationError as exc:
        problems.append(RowProblem(line, "email", _shorten(raw_email.strip()), str(exc)))
    else:
        first = seen.setdefault(email_key, line)
        if first != line:
            reason = f"the same address as line {first} (addresses compare case-insensitively)"
            problems.append(RowProblem(line, "email", _shorten(raw_email.strip()), reason))

    name = values.get("name", "").strip()
    if len(name) > MAX_NAME_CHARS:
        reason = f"longer than {MAX_NAME_CHARS} characters ({len(name)})"
        problems.append(RowProblem(line, "name", _shorten(name), reason))
    elif any(unicodedata.category(char) == "Cc" for char in name):
        # Names go into the To: header; a line break there could forge headers.
        reason = "contains a line break or another control character"
        problems.append(RowProblem(line, "name", _shorten(name), reason))

    language = values.get("language", "").strip().lower() or DEFAULT_LANGUAGE
    if language not in vocabulary.languages:
        reason = f"unknown language: choose from {', '.join(vocabulary.languages)}"
        problems.append(RowProblem(line, "language", _shorten(language), reason))

    keys: dict[str, tuple[str, ...]] = {}
    for column, allowed in (("audiences", vocabulary.audiences), ("topics", vocabulary.topics)):
        cell = values.get(column, "")
        try:
            keys[column] = tuple(
                check_keys(column[:-1], KEY_SEPARATORS.split(cell.lower()), allowed)
            )
        except ValidationError as exc:
            problems.append(RowProblem(line, column, _shorten(cell.strip()), str(exc)))

    if problems:
        return None, problems
    row = ImportRow(
        line=line,
        email=email,
        email_key=email_key,
        name=name or None,
        language=language,
        audiences=keys["audiences"],
        topics=keys["topics"],
    )
    return row, []


# --- writing ---------------------------------------------------------------


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
    refused = plan.invalid_rows > 0 and not skip_invalid
    result = ImportResult(
        totals=ImportTotals(invalid=plan.invalid_rows),
        problems=list(plan.problems),
        skipped=[],
        dry_run=dry_run,
        refused=refused,
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
                    events.extend(
                        {
                            "subscriber_id": row.id,
                            "email_key": row.email_key,
                            "kind": ConsentEventKind.IMPORTED,
                            "details": {"source": source},
                        }
                        for row in inserted
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
            reason = "on the suppression list (erased earlier): never added again"
            result.skipped.append(RowProblem(row.line, "email", row.email, reason))
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
            reason = "unsubscribed earlier: an import never subscribes them again"
            result.skipped.append(RowProblem(row.line, "email", row.email, reason))
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
