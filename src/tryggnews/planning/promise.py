"""The medborgarlöfte's follow-up: each commitment's status and notes, read and recorded.

The promise itself is data in promise.toml (``load_promise``, in ``promise_file``); what
editors record about it is append-only history in ``promise_updates``. Everything here
reads that history "as of" a moment, so an issue shows the statuses of its send and the
yearly report those of the year's end.

The interface the follow-up (``tryggnews.followup``) and the workspace use:

``commitment_report(session, promise, *, as_of=None) -> list[CommitmentStatus]``
    One ``CommitmentStatus`` per commitment, in promise.toml order: ``focus_area_key``,
    ``focus_area_label``, ``key``, ``text``, ``status`` (a ``PromiseStatus``; ``PLANNED``
    when never set), ``status_word`` (Swedish: planerat, pågår, genomfört, inställt),
    ``status_changed_at`` (None when never set) and ``notes`` (``CommitmentNote``:
    ``noted_on``, ``text``, ``organisation_key``, ``organisation_name``, ``author``,
    ``recorded_at``) ordered by date, then by when they were written. With ``as_of``
    only what was recorded up to that moment counts.

``record_update(session, promise, commitment_key, *, status, note, noted_on, user, now)``
    records a new status and/or note and writes the audit log.

``promise_summary(session, promise, *, as_of, since)`` builds the newsletter block.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.content import audit
from tryggnews.content.organisations import BLOCK_OWNERS, SIGNING_ORGANISATIONS
from tryggnews.content.promise_view import (
    BLOCK_TITLE,
    DEFAULT_STATUS,
    STATUS_WORDS,
    PromiseChange,
    PromiseSummaryView,
    StatusCount,
)
from tryggnews.content.text import text_problem
from tryggnews.db.models import PromiseStatus, PromiseUpdate, User
from tryggnews.errors import NotFoundError, ValidationError
from tryggnews.planning.promise_file import Promise, load_promise

NOTE_MAX = 2000

__all__ = [
    "CommitmentNote",
    "CommitmentStatus",
    "Promise",
    "commitment_report",
    "load_promise",
    "promise_summary",
    "record_update",
]


@dataclass(frozen=True)
class CommitmentNote:
    noted_on: date
    text: str
    organisation_key: str
    organisation_name: str
    author: str
    recorded_at: datetime


@dataclass(frozen=True)
class CommitmentStatus:
    focus_area_key: str
    focus_area_label: str
    key: str
    text: str
    status: PromiseStatus
    status_word: str
    status_changed_at: datetime | None
    notes: tuple[CommitmentNote, ...]

    @property
    def latest_note(self) -> CommitmentNote | None:
        return self.notes[-1] if self.notes else None


def _updates(session: Session, as_of: datetime | None) -> list[PromiseUpdate]:
    query = select(PromiseUpdate).order_by(PromiseUpdate.created_at, PromiseUpdate.id)
    if as_of is not None:
        query = query.where(PromiseUpdate.created_at <= as_of)
    return list(session.scalars(query))


def commitment_report(
    session: Session, promise: Promise, *, as_of: datetime | None = None
) -> list[CommitmentStatus]:
    """Every commitment of ``promise`` with its status and notes (see the module docstring)."""
    status: dict[str, tuple[PromiseStatus, datetime]] = {}
    notes: dict[str, list[CommitmentNote]] = {}
    for row in _updates(session, as_of):
        if row.status is not None:
            status[row.commitment_key] = (row.status, row.created_at)
        if row.note:
            notes.setdefault(row.commitment_key, []).append(
                CommitmentNote(
                    noted_on=row.noted_on,
                    text=row.note,
                    organisation_key=row.organisation_key,
                    organisation_name=BLOCK_OWNERS.get(row.organisation_key, row.organisation_key),
                    author=row.author,
                    recorded_at=row.created_at,
                )
            )
    report = []
    for area in promise.focus_areas:
        for commitment in area.commitments:
            current, changed_at = status.get(commitment.key, (DEFAULT_STATUS, None))
            report.append(
                CommitmentStatus(
                    focus_area_key=area.key,
                    focus_area_label=area.label,
                    key=commitment.key,
                    text=commitment.text,
                    status=current,
                    status_word=STATUS_WORDS[current],
                    status_changed_at=changed_at,
                    # Sorted is stable: notes of one day stay in the order written.
                    notes=tuple(sorted(notes.get(commitment.key, []), key=lambda n: n.noted_on)),
                )
            )
    return report


def status_counts(report: Iterable[CommitmentStatus]) -> tuple[StatusCount, ...]:
    """Commitments per status, every status listed (zero too), in the statuses' order."""
    statuses = [entry.status for entry in report]
    return tuple(
        StatusCount(status.value, word, statuses.count(status))
        for status, word in STATUS_WORDS.items()
    )


def promise_summary(
    session: Session, promise: Promise, *, as_of: datetime | None, since: datetime | None
) -> PromiseSummaryView:
    """The "Så går det med löftet" block: counts per status as of ``as_of``, and the
    commitments whose status was set after ``since`` (the previous issue's send)."""
    report = commitment_report(session, promise, as_of=as_of)
    changes = tuple(
        PromiseChange(entry.focus_area_label, entry.text, entry.status_word)
        for entry in report
        if entry.status_changed_at is not None
        and (since is None or entry.status_changed_at > since)
    )
    return PromiseSummaryView(
        title=BLOCK_TITLE,
        total=len(report),
        counts=status_counts(report),
        changes=changes,
        since=since.date() if since is not None else None,
    )


def record_update(
    session: Session,
    promise: Promise,
    commitment_key: str,
    *,
    status: PromiseStatus | None,
    note: str,
    noted_on: date,
    user: User,
    now: datetime,
) -> PromiseUpdate:
    """Record a new status and/or a dated note for a commitment, audit-logged.

    Refuses (``ValidationError``, Swedish) an unknown commitment, a note that is too long
    or holds control characters, a date in the future, and a change that changes nothing.
    Only editors of the two signing organisations record follow-up.
    """
    commitment = promise.commitment(commitment_key)
    if commitment is None:
        raise NotFoundError(f"Det finns inget åtagande {commitment_key!r} i {promise.path}.")
    if user.organisation_key not in SIGNING_ORGANISATIONS or not user.active:
        raise ValidationError("Bara redaktörer hos Polisen eller kommunen följer upp löftet.")
    note = note.strip().replace("\r\n", "\n")
    problems = [p for p in [text_problem("anteckning", note, multiline=True)] if p]
    if len(note) > NOTE_MAX:
        problems.append(f"anteckning: högst {NOTE_MAX} tecken (nu {len(note)})")
    if noted_on > now.date():
        problems.append("datum: anteckningens datum kan inte ligga i framtiden")
    current = current_status(session, commitment_key)
    if status == current:
        status = None
    if status is None and not note:
        problems.append("Ingenting ändrades: välj en ny status eller skriv en anteckning.")
    if problems:
        raise ValidationError("; ".join(problems))
    row = PromiseUpdate(
        commitment_key=commitment_key,
        status=status,
        note=note or None,
        noted_on=noted_on,
        organisation_key=user.organisation_key,
        author=user.email,
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=user.email,
        action="promise.update",
        object_type="commitment",
        object_id=commitment_key,
        details={
            "status": status.value if status is not None else None,
            "previous": current.value,
            "note": note or None,
            "noted_on": noted_on.isoformat(),
        },
        at=now,
    )
    return row


def current_status(session: Session, commitment_key: str) -> PromiseStatus:
    found = session.scalar(
        select(PromiseUpdate.status)
        .where(PromiseUpdate.commitment_key == commitment_key, PromiseUpdate.status.is_not(None))
        .order_by(PromiseUpdate.created_at.desc(), PromiseUpdate.id.desc())
        .limit(1)
    )
    return found or DEFAULT_STATUS
