"""Swedish dates for the newsletter, independent of the operating system's locale.

``strftime`` with a Swedish locale would depend on which locales the host has
installed (a slim container often has none), so the names are spelled out here.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from jinja2 import Environment

WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
WEEKDAYS_SHORT = ("mån", "tis", "ons", "tors", "fre", "lör", "sön")
MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
# Swedish typography writes ranges with an en dash and no spaces: "22–28 november".
RANGE_DASH = "\u2013"


def format_day(d: date) -> str:
    """A day with short weekday: ``"ons 28 april"``."""
    return f"{WEEKDAYS_SHORT[d.weekday()]} {d.day} {MONTHS[d.month - 1]}"


def format_long(d: date) -> str:
    """A full date: ``"onsdag 28 april 2027"``."""
    return f"{WEEKDAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year}"


def format_date(d: date) -> str:
    """A date without weekday: ``"28 april 2027"``."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def format_moment(moment: datetime, tz: tzinfo) -> str:
    """An instant as local time in ``tz``: ``"15 februari 2027 kl. 08.00"``."""
    local = moment.astimezone(tz)
    return f"{format_date(local.date())} kl. {local:%H.%M}"


def format_range(start: date, end: date | None) -> str:
    """A span of days: ``"22–28 november"``, ``"30 april–2 maj"``.

    A span over New Year names both years, since the month alone would be
    ambiguous; a one-day (or missing) end gives just the day.
    """
    if end is None or end <= start:
        return f"{start.day} {MONTHS[start.month - 1]}"
    if start.year != end.year:
        return (
            f"{start.day} {MONTHS[start.month - 1]} {start.year}{RANGE_DASH}"
            f"{end.day} {MONTHS[end.month - 1]} {end.year}"
        )
    if start.month != end.month:
        return f"{start.day} {MONTHS[start.month - 1]}{RANGE_DASH}{end.day} {MONTHS[end.month - 1]}"
    return f"{start.day}{RANGE_DASH}{end.day} {MONTHS[end.month - 1]}"


def register_date_filters(env: Environment) -> None:
    """Register the formatters as ``|sv_day``, ``|sv_long`` and ``|sv_range(end)``."""
    env.filters["sv_day"] = format_day
    env.filters["sv_long"] = format_long
    env.filters["sv_range"] = format_range
