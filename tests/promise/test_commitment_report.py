"""The promise's follow-up in the database: statuses, notes, history as of a moment, audit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tryggnews.db.models import AuditEvent, PromiseStatus, PromiseUpdate, User
from tryggnews.editors.accounts import create_user
from tryggnews.errors import NotFoundError, ValidationError
from tryggnews.planning.promise import (
    commitment_report,
    load_promise,
    promise_summary,
    record_update,
)

REPO_PROMISE = Path(__file__).resolve().parents[2] / "promise.toml"
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def editor(session: Session, email: str, organisation: str) -> User:
    return create_user(
        session, email=email, organisation=organisation, role="editor", actor="test", now=T0
    )


@pytest.fixture
def promise():  # type: ignore[no-untyped-def]
    return load_promise(REPO_PROMISE)


def test_a_commitment_never_touched_is_planerat_with_no_notes(session: Session, promise) -> None:  # type: ignore[no-untyped-def]
    report = commitment_report(session, promise)
    assert [entry.key for entry in report] == [c.key for c in promise.commitments]
    first = report[0]
    assert (first.focus_area_key, first.key) == ("andts", "andts-hotspots")
    assert first.focus_area_label.startswith("ANDTS")
    assert first.text == promise.commitments[0].text
    assert first.status is PromiseStatus.PLANNED and first.status_word == "planerat"
    assert first.status_changed_at is None and first.notes == ()


def test_statuses_and_notes_are_reported_in_date_order_as_of_a_moment(
    session: Session,
    promise,  # type: ignore[no-untyped-def]
) -> None:
    polis = editor(session, "polis@example.org", "polis")
    kommun = editor(session, "kommun@example.org", "kommun")
    key = "vald-vecka-fri-fran-vald"
    record_update(
        session,
        promise,
        key,
        status=PromiseStatus.ONGOING,
        note="Planeringen har börjat.",
        noted_on=date(2027, 2, 20),
        user=kommun,
        now=T0,
    )
    later = T0 + timedelta(days=30)
    # Dated back to the day it is about: notes are ordered by that date.
    record_update(
        session,
        promise,
        key,
        status=None,
        note="Föreläsning för personal hölls.",
        noted_on=date(2027, 2, 10),
        user=polis,
        now=later,
    )
    record_update(
        session,
        promise,
        key,
        status=PromiseStatus.DONE,
        note="",
        noted_on=date(2027, 3, 31),
        user=polis,
        now=later + timedelta(hours=1),
    )
    session.commit()

    entry = next(e for e in commitment_report(session, promise) if e.key == key)
    assert (entry.status, entry.status_word) == (PromiseStatus.DONE, "genomfört")
    assert entry.status_changed_at == later + timedelta(hours=1)
    assert [(n.noted_on, n.text, n.organisation_key) for n in entry.notes] == [
        (date(2027, 2, 10), "Föreläsning för personal hölls.", "polis"),
        (date(2027, 2, 20), "Planeringen har börjat.", "kommun"),
    ]
    assert entry.notes[0].organisation_name == "Polisen"
    assert entry.latest_note == entry.notes[-1]

    then = next(e for e in commitment_report(session, promise, as_of=T0) if e.key == key)
    assert then.status_word == "pågår" and len(then.notes) == 1
    before = next(
        e for e in commitment_report(session, promise, as_of=T0 - timedelta(1)) if e.key == key
    )
    assert before.status is PromiseStatus.PLANNED

    summary = promise_summary(session, promise, as_of=None, since=T0)
    counts = {c.word: c.count for c in summary.counts}
    assert counts == {
        "planerat": len(promise.commitments) - 1,
        "pågår": 0,
        "genomfört": 1,
        "inställt": 0,
    }
    assert summary.total == len(promise.commitments)
    assert [(c.text, c.word) for c in summary.changes] == [
        ("Tillsammans genomföra En vecka fri från våld.", "genomfört")
    ]
    assert summary.since == T0.date()
    # Nothing changed after the later moment.
    assert (
        promise_summary(session, promise, as_of=None, since=later + timedelta(days=1)).changes == ()
    )

    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == key).order_by(AuditEvent.id)
    ).all()
    assert actions == ["promise.update"] * 3


def test_bad_updates_are_refused_and_nothing_is_written(session: Session, promise) -> None:  # type: ignore[no-untyped-def]
    user = editor(session, "kommun@example.org", "kommun")

    def update(**changes: object) -> None:
        args: dict[str, object] = {
            "status": None,
            "note": "",
            "noted_on": T0.date(),
            "user": user,
            "now": T0,
        }
        args.update(changes)
        record_update(session, promise, str(changes.pop("key", "andts-hotspots")), **args)  # type: ignore[arg-type]

    with pytest.raises(ValidationError, match="Ingenting ändrades"):
        update()
    with pytest.raises(ValidationError, match="Ingenting ändrades"):
        update(status=PromiseStatus.PLANNED)  # already planerat
    with pytest.raises(ValidationError, match="kan inte ligga i framtiden"):
        update(note="x", noted_on=T0.date() + timedelta(days=1))
    with pytest.raises(ValidationError, match="anteckning: innehåller ett NUL-tecken"):
        update(note="a\x00b")
    with pytest.raises(ValidationError, match="högst 2000 tecken"):
        update(note="x" * 2001)
    with pytest.raises(NotFoundError, match="inget åtagande 'finns-inte'"):
        record_update(
            session,
            promise,
            "finns-inte",
            status=None,
            note="x",
            noted_on=T0.date(),
            user=user,
            now=T0,
        )
    assert session.scalar(select(func.count()).select_from(PromiseUpdate)) == 0
