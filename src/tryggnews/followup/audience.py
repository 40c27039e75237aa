"""Subscribers over a year, read from the consent ledger (append-only, kept after erasure).

An address (its keyed hash) counts as subscribed at a moment when its latest event
before then that says "in" or "out" says in:

* in: ``confirmed`` (double opt-in done), ``imported``, or ``subscribed`` through a
  link or by an administrator (coming back from the preference page needs no second
  confirmation); a sign-up through the form (``subscribed``, channel ``form``) is not
  in until it is confirmed;
* out: ``unsubscribed``, ``bounced``, ``complained``, ``erased``.

Its audiences and language are those of its latest event that records them (sign-up,
import, a change of preferences: ``{"from": …, "to": …}``); none recorded: "okänd".
Sign-ups per month count the "in" events; unsubscriptions the ``unsubscribed`` events.
A pause is not leaving: a paused subscriber still counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.db.models import ConsentEvent, ConsentEventKind

IN_KINDS = {ConsentEventKind.CONFIRMED, ConsentEventKind.IMPORTED}
IN_CHANNELS_FOR_SUBSCRIBED = {"link", "admin"}
OUT_KINDS = {
    ConsentEventKind.UNSUBSCRIBED,
    ConsentEventKind.BOUNCED,
    ConsentEventKind.COMPLAINED,
    ConsentEventKind.ERASED,
}
UNKNOWN = "okänd"


@dataclass
class Snapshot:
    """Subscribed addresses at one moment, per audience (one person may have several)
    and per language."""

    total: int = 0
    per_audience: Counter[str] = field(default_factory=Counter)
    per_language: Counter[str] = field(default_factory=Counter)


@dataclass
class AudienceYear:
    start: Snapshot
    end: Snapshot
    # "YYYY-MM" -> count, for each month of the year (zeros included).
    signups: dict[str, int]
    unsubscriptions: dict[str, int]


def is_in(kind: ConsentEventKind, channel: str) -> bool | None:
    """True for an "in" event, False for an "out" one, None for neither."""
    if kind in IN_KINDS or (
        kind == ConsentEventKind.SUBSCRIBED and channel in IN_CHANNELS_FOR_SUBSCRIBED
    ):
        return True
    if kind in OUT_KINDS:
        return False
    return None


def _choice(details: Mapping[str, Any], name: str) -> Any:
    value = details.get(name)
    if isinstance(value, dict):
        return value.get("to")
    return value


@dataclass
class _Person:
    subscribed_start: bool = False
    subscribed: bool = False
    audiences_start: tuple[str, ...] = ()
    language_start: str = UNKNOWN
    audiences: tuple[str, ...] = ()
    language: str = UNKNOWN


def audience_year(session: Session, year: int) -> AudienceYear:
    """Subscribers at the start and end of ``year`` and changes per month (UTC months)."""
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    signups = dict.fromkeys(months, 0)
    unsubscriptions = dict.fromkeys(months, 0)
    people: dict[str, _Person] = {}
    query = (
        select(
            ConsentEvent.email_hash,
            ConsentEvent.kind,
            ConsentEvent.channel,
            ConsentEvent.details,
            ConsentEvent.created_at,
        )
        .where(ConsentEvent.created_at < end)
        .order_by(ConsentEvent.created_at, ConsentEvent.id)
    )
    started = False
    for email_hash, kind, channel, details, at in session.execute(query).yield_per(5000):
        if not started and at >= start:
            _freeze(people)
            started = True
        person = people.setdefault(email_hash, _Person())
        details = details or {}
        audiences, language = _choice(details, "audiences"), _choice(details, "language")
        if isinstance(audiences, list):
            person.audiences = tuple(str(a) for a in audiences)
        if isinstance(language, str) and language:
            person.language = language
        verdict = is_in(ConsentEventKind(kind), channel)
        if verdict is not None:
            person.subscribed = verdict
        if at >= start:
            month = f"{at:%Y-%m}"
            if verdict is True:
                signups[month] += 1
            if kind == ConsentEventKind.UNSUBSCRIBED:
                unsubscriptions[month] += 1
    if not started:
        _freeze(people)
    return AudienceYear(
        start=_snapshot(
            (p.audiences_start, p.language_start) for p in people.values() if p.subscribed_start
        ),
        end=_snapshot((p.audiences, p.language) for p in people.values() if p.subscribed),
        signups=signups,
        unsubscriptions=unsubscriptions,
    )


def _freeze(people: dict[str, _Person]) -> None:
    """Remember everyone's state as it stood when the year began."""
    for person in people.values():
        person.subscribed_start = person.subscribed
        person.audiences_start = person.audiences
        person.language_start = person.language


def _snapshot(rows: Any) -> Snapshot:
    snapshot = Snapshot()
    for audiences, language in rows:
        snapshot.total += 1
        for audience in audiences or (UNKNOWN,):
            snapshot.per_audience[audience] += 1
        snapshot.per_language[language] += 1
    return snapshot
