"""The public calendar: the activities the organisations publish, and their iCalendar.

Which activities are public is decided in schedule.toml (``[calendar] publish`` for the
built-in ones, ``public`` on each ``[[calendar.event]]``; see docs/calendar.md).

The iCalendar is made for subscribing (``/kalender.ics``) and for one event at a time
(``/kalender/<event id>.ics``, the "Lägg i kalendern" link in an email):

- the UID is the event id and the domain (``2027-tryggvedagen@trygg-i-osteraker``), the
  same as in the editors' plan export, so an override that moves a date updates the
  event in place;
- ``DTSTAMP`` and ``LAST-MODIFIED`` are when schedule.toml was last revised, and
  ``SEQUENCE`` is that time in minutes since 2020: it only grows, so a calendar that
  already holds an event takes the newer version. Any revision of the file raises the
  SEQUENCE of every event (harmless: clients then replace an unchanged event with an
  equal one); nothing has to be stored, and the same file yields the same bytes;
- a ``VTIMEZONE`` for the schedule's time zone is always included, and a timed event has
  ``DTSTART;TZID=Europe/Stockholm``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, Timezone

from tryggnews.planning.calendar import Activity, activities_for_year
from tryggnews.planning.ics import PRODID, UID_DOMAIN
from tryggnews.planning.schedule import Schedule

SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def public_activities(schedule: Schedule, years: Iterable[int]) -> list[Activity]:
    """The published activities of ``years``, by date."""
    return [
        activity
        for year in years
        for activity in activities_for_year(year, schedule.calendar)
        if activity.public
    ]


def find_public_activity(schedule: Schedule, event_id: str) -> Activity | None:
    """The published activity with ``event_id`` (``2027-tryggvedagen``); None if there is none."""
    year, _, key = event_id.partition("-")
    if len(year) != 4 or not year.isdigit() or not key:
        return None
    return next(
        (a for a in public_activities(schedule, [int(year)]) if a.key == key),
        None,
    )


def sequence(schedule: Schedule) -> int:
    """Minutes from 2020 to the schedule's last revision: grows with every revision."""
    return max(0, int((schedule.revised_at - SEQUENCE_EPOCH).total_seconds() // 60))


def public_ics(schedule: Schedule, activities: Iterable[Activity], name: str) -> bytes:
    """An iCalendar file of ``activities``, named ``name`` in the reader's calendar."""
    activities = list(activities)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", schedule.newsletter.timezone)
    years = [a.start.year for a in activities] or [schedule.revised_at.year]
    calendar.add_component(
        Timezone.from_tzid(
            schedule.newsletter.timezone,
            first_date=date(min(years) - 1, 1, 1),
            last_date=date(max(years) + 2, 1, 1),
        )
    )
    for activity in activities:
        calendar.add_component(_event(activity, schedule))
    data: bytes = calendar.to_ical()
    return data


def _event(activity: Activity, schedule: Schedule) -> Event:
    event = Event()
    event.add("uid", f"{activity.event_id}@{UID_DOMAIN}")
    event.add("dtstamp", schedule.revised_at)
    event.add("last-modified", schedule.revised_at)
    event.add("sequence", sequence(schedule))
    event.add("summary", activity.title)
    if activity.start_time is None:
        event.add("dtstart", activity.start)
        event.add("dtend", activity.last_day + timedelta(days=1))  # exclusive for all-day
        event.add("transp", "TRANSPARENT")
    else:
        event.add("dtstart", datetime.combine(activity.start, activity.start_time, schedule.tz))
        if activity.end_time is not None:
            last = datetime.combine(activity.last_day, activity.end_time, schedule.tz)
            event.add("dtend", last)
    if activity.place:
        event.add("location", activity.place)
    if activity.description:
        event.add("description", activity.description)
    event.add("categories", ["Trygg i Österåker"])
    return event
