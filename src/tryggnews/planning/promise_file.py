"""promise.toml: the medborgarlöfte as frozen data, validated in full when loaded.

Four parts (the repository's promise.toml documents each field): ``[promise]`` (title and
period), ``[[signatory]]`` (the signing roles and their organisation, never names),
``[[focus_area]]`` with its ``[[focus_area.commitment]]`` entries, and ``[[activity]]``
(the recurring joint activities, linked to calendar activity keys). ``load_promise``
reports every problem at once, each with file and line, as ``schedule.toml`` does.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tryggnews.content.organisations import SIGNING_ORGANISATIONS
from tryggnews.content.vocabulary import EVERYONE_AREA, FOCUS_AREAS
from tryggnews.errors import ScheduleError
from tryggnews.planning.calendar import BUILTIN_KEYS
from tryggnews.tomlfile.fields import Problems, Table, show, suggestion
from tryggnews.tomlfile.lines import LineLocator
from tryggnews.tomlfile.read import read_toml

# The same shape as every other key (vocabulary, calendar): stored in the database.
_KEY = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
KEY_MAX = 60  # promise_updates.commitment_key
TEXT_MAX = 500
# The focus areas a promise can name: the vocabulary's, without "Gemensamt".
PROMISE_AREAS = tuple(key for key in FOCUS_AREAS if key != EVERYONE_AREA)


@dataclass(frozen=True)
class Signatory:
    role: str
    organisation: str  # polis or kommun


@dataclass(frozen=True)
class Commitment:
    key: str
    text: str
    focus_area: str
    line: int | None = None


@dataclass(frozen=True)
class FocusAreaCommitments:
    key: str
    label: str
    commitments: tuple[Commitment, ...]


@dataclass(frozen=True)
class JointActivity:
    key: str
    title: str
    calendar: tuple[str, ...] = ()  # keys of calendar activities (planning.calendar)


@dataclass(frozen=True)
class Promise:
    """A loaded promise.toml; focus areas and commitments in file order."""

    path: Path
    title: str
    start: date
    end: date
    signatories: tuple[Signatory, ...]
    focus_areas: tuple[FocusAreaCommitments, ...]
    activities: tuple[JointActivity, ...]

    @property
    def commitments(self) -> tuple[Commitment, ...]:
        return tuple(c for area in self.focus_areas for c in area.commitments)

    def commitment(self, key: str) -> Commitment | None:
        return next((c for c in self.commitments if c.key == key), None)

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


def load_promise(path: Path, calendar_keys: Collection[str] = BUILTIN_KEYS) -> Promise:
    """Read and validate ``path``; raise ``ScheduleError`` naming file and line of each problem.

    Checks syntax, unknown keys (typos), types, impossible dates and a period that ends
    before it starts, unknown focus areas and organisations, key shape, duplicate keys
    (focus areas, commitments across areas, activities), empty texts, and calendar keys
    that are not in ``calendar_keys`` (default: the built-in calendar's).
    """
    source, data = read_toml(
        path, error=ScheduleError, missing="pass --promise FILE or set TRYGGNEWS_PROMISE"
    )
    problems = Problems(str(path), LineLocator(source), ScheduleError)
    root = Table(data, (), problems, "the file")
    head = root.table("promise", "[promise]", required=True)
    signatory_tables = root.tables("signatory", "[[signatory]]")
    area_tables = root.tables("focus_area", "[[focus_area]]")
    activity_tables = root.tables("activity", "[[activity]]")
    root.finish()

    title, start, end = _read_head(head)
    signatories = [_read_signatory(table) for table in signatory_tables]
    if not signatory_tables and head is not None:
        root.problem("promise", "the promise has no [[signatory]]: name at least one role")
    areas = _read_areas(area_tables)
    if not area_tables and head is not None:
        root.problem("promise", "the promise has no [[focus_area]] with commitments")
    activities = _read_activities(activity_tables, calendar_keys)
    problems.raise_if_any()
    assert start is not None and end is not None  # reported above otherwise
    return Promise(
        path=path,
        title=title,
        start=start,
        end=end,
        signatories=tuple(signatories),
        focus_areas=tuple(areas),
        activities=tuple(activities),
    )


def _read_head(table: Table | None) -> tuple[str, date | None, date | None]:
    if table is None:
        return "", None, None
    title = table.string("title")
    start = table.date_value("start", required=True)
    end = table.date_value("end", required=True)
    table.finish()
    if start is not None and end is not None and end < start:
        table.problem("end", f"end {end.isoformat()} is before start {start.isoformat()}")
    return title, start, end


def _read_signatory(table: Table) -> Signatory:
    role = table.string("role")
    organisation = table.string("organisation")
    table.finish()
    if organisation and organisation not in SIGNING_ORGANISATIONS:
        table.problem(
            "organisation",
            f"organisation {show(organisation)} is not one that signs: "
            f"choose from {', '.join(SIGNING_ORGANISATIONS)}"
            f"{suggestion(organisation, SIGNING_ORGANISATIONS)}",
        )
    return Signatory(role=role, organisation=organisation)


def _key(table: Table, field: str, seen: dict[str, int | None], kind: str) -> str:
    """A required key of the right shape, unique among ``seen`` (key → line of first use)."""
    key = table.string(field)
    if not key:
        return ""
    if not _KEY.fullmatch(key) or len(key) > KEY_MAX:
        table.problem(
            field,
            f"{kind} key {show(key)} must be lowercase a–z, 0–9 and single hyphens, "
            f"at most {KEY_MAX} characters",
        )
    elif key in seen:
        table.problem(field, f"{kind} key {show(key)} is used twice (also line {seen[key]})")
    else:
        seen[key] = table.problems.locator.line_of(table.at(field))
    return key


def _text(table: Table, field: str) -> str:
    text = table.string(field)
    if len(text) > TEXT_MAX:
        table.problem(field, f"{field} is over {TEXT_MAX} characters ({len(text)})")
    elif any(ord(char) < 32 and char not in "\n\t" for char in text):
        table.problem(field, f"{field} holds a control character")
    return text


def _read_areas(tables: list[Table]) -> list[FocusAreaCommitments]:
    areas: list[FocusAreaCommitments] = []
    area_seen: dict[str, int | None] = {}
    commitment_seen: dict[str, int | None] = {}
    for table in tables:
        key = _key(table, "key", area_seen, "focus area")
        if key and key not in PROMISE_AREAS:
            table.problem(
                "key",
                f"focus area {show(key)} is not one of the promise's: choose from "
                f"{', '.join(PROMISE_AREAS)}{suggestion(key, PROMISE_AREAS)}",
            )
        commitment_tables = table.tables("commitment", "[[focus_area.commitment]]")
        table.finish()
        if not commitment_tables:
            table.problem("key", f"focus area {show(key)} has no [[focus_area.commitment]]")
        commitments = []
        for entry in commitment_tables:
            commitment_key = _key(entry, "key", commitment_seen, "commitment")
            text = _text(entry, "text")
            entry.finish()
            line = entry.problems.locator.line_of(entry.path)
            commitments.append(Commitment(commitment_key, text, key, line))
        areas.append(FocusAreaCommitments(key, FOCUS_AREAS.get(key, key), tuple(commitments)))
    return areas


def _read_activities(tables: list[Table], calendar_keys: Collection[str]) -> list[JointActivity]:
    activities: list[JointActivity] = []
    seen: dict[str, int | None] = {}
    for table in tables:
        key = _key(table, "key", seen, "activity")
        title = _text(table, "title")
        calendar = _calendar_keys(table, calendar_keys)
        table.finish()
        activities.append(JointActivity(key, title, calendar))
    return activities


def _calendar_keys(table: Table, known: Collection[str]) -> tuple[str, ...]:
    if not table.has("calendar"):
        return ()
    value = table.data["calendar"]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        table.problem("calendar", f"calendar must be a list of activity keys, got {show(value)}")
        return ()
    for item in value:
        if item not in known:
            table.problem(
                "calendar",
                f"calendar names {show(item)}, which is not an activity of the calendar"
                f"{suggestion(item, known)} (see `tryggnews calendar YEAR` for the keys)",
            )
    return tuple(dict.fromkeys(value))
