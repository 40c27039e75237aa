"""The ``[calendar]`` part of schedule.toml: per-year overrides, extra events and which
activities are on the public calendar (``publish`` and each event's ``public``)."""

from __future__ import annotations

import re
from datetime import date

from tryggnews.planning.calendar import BUILTIN_KEYS, Activity, CalendarConfig, YearOverrides
from tryggnews.tomlfile.fields import Table, show, suggestion

_YEAR = re.compile(r"\d{4}")
_EVENT_KEY = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def read_calendar(table: Table | None) -> CalendarConfig:
    """``[calendar.YEAR]`` tables and ``[[calendar.event]]`` entries, checked."""
    if table is None:
        return CalendarConfig()
    years: dict[int, YearOverrides] = {}
    for key in table.data:
        if key in ("event", "publish"):
            continue
        if not _YEAR.fullmatch(key):
            table.problem(
                key,
                f'unknown key "{key}" in [calendar]: expected a year ([calendar.2027]) '
                "or [[calendar.event]]",
            )
            continue
        year_table = table.table(key, f"[calendar.{key}]")
        if year_table is not None:
            years[int(key)] = _read_year(int(key), year_table)
    events = tuple(_read_events(table.tables("event", "[[calendar.event]]")))
    return CalendarConfig(years=years, events=events, published=_read_publish(table))


def _read_publish(table: Table) -> frozenset[str] | None:
    """``publish = ["tryggvedagen", ...]``: the built-in activities on the public calendar."""
    if not table.has("publish"):
        return None
    value = table.data["publish"]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        table.problem(
            "publish", f"publish must be a list of built-in activity keys, got {show(value)}"
        )
        return None
    for item in value:
        if item not in BUILTIN_KEYS:
            table.problem(
                "publish",
                f"publish names {show(item)}, which is not a built-in activity"
                f"{suggestion(item, BUILTIN_KEYS)} (an extra event has public = true/false)",
            )
    return frozenset(item for item in value if item in BUILTIN_KEYS)


def _read_year(year: int, table: Table) -> YearOverrides:
    def in_year(key: str) -> date | None:
        day = table.date_value(key)
        if day is not None and day.year != year:
            table.problem(key, f"{key} {day.isoformat()} is not in {year}")
            return None
        return day

    def iso_week(key: str, value: object) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            table.problem(key, f"{key} must be an ISO week number or a date, got {show(value)}")
            return None
        try:
            date.fromisocalendar(year, value, 1)
        except ValueError:
            table.problem(key, f"{key}: {year} has no ISO week {value}")
            return None
        return value

    fri_fran_vald: int | date | None = None
    if table.has("vecka_fri_fran_vald"):
        value = table.data["vecka_fri_fran_vald"]
        is_week = isinstance(value, int) and not isinstance(value, bool)
        fri_fran_vald = (
            iso_week("vecka_fri_fran_vald", value) if is_week else in_year("vecka_fri_fran_vald")
        )
    weeks = {
        key: iso_week(key, table.data[key]) if table.has(key) else None
        for key in ("sportlov", "hostlov")
    }
    overrides = YearOverrides(
        valborg_lecture=in_year("valborg_lecture"),
        skolavslutning=in_year("skolavslutning"),
        tryggvedagen=in_year("tryggvedagen"),
        vecka_fri_fran_vald=fri_fran_vald,
        sportlov_week=weeks["sportlov"],
        hostlov_week=weeks["hostlov"],
    )
    table.finish()
    return overrides


def _read_events(tables: list[Table]) -> list[Activity]:
    events: list[Activity] = []
    seen: set[tuple[str, int]] = set()
    for table in tables:
        key = table.string("key")
        title = table.string("title")
        start = table.date_value("start", required=True)
        end = table.date_value("end")
        risk_weekend = table.boolean("risk_weekend", default=False)
        description = table.string("description", default="")
        public = table.boolean("public", default=True)
        place = table.string("place", default="")
        start_time = table.clock_time("time") if table.has("time") else None
        end_time = table.clock_time("end_time") if table.has("end_time") else None
        table.finish()
        if key and not _EVENT_KEY.fullmatch(key):
            table.problem("key", f"event key {show(key)} must be lower-case words joined by -")
            continue
        if key in BUILTIN_KEYS:
            table.problem("key", f"event key {show(key)} is already a built-in activity")
            continue
        if start is None or not key:
            continue
        if end is not None and end < start:
            table.problem("end", f"end {end.isoformat()} is before start {start.isoformat()}")
            continue
        if end_time is not None and start_time is None:
            table.problem("end_time", "end_time needs a time (when the event starts)")
            continue
        if start_time and end_time and (end or start) == start and end_time <= start_time:
            table.problem(
                "end_time", f"end_time {end_time:%H:%M} is not after time {start_time:%H:%M}"
            )
            continue
        if start_time is not None and end not in (None, start) and end_time is None:
            table.problem("time", "an event over several days with a time needs end_time")
            continue
        if (key, start.year) in seen:
            table.problem("key", f"event key {show(key)} is used twice in {start.year}")
            continue
        seen.add((key, start.year))
        events.append(
            Activity(
                key,
                title,
                start,
                end if end != start else None,
                risk_weekend,
                description,
                public=public,
                place=place,
                start_time=start_time,
                end_time=end_time,
            )
        )
    return events
