"""An iCalendar file of a year's plan that editors can subscribe to (Outlook, Google).

It holds every activity (all-day events), each planned issue's send (a timed event in
the schedule's time zone) and its section deadline (all-day). UIDs are derived from
stable keys, and DTSTAMP is when schedule.toml was last revised, so regenerating the
file from the same plan yields the same bytes and a subscribed calendar updates events
in place instead of duplicating them.
"""

from __future__ import annotations

from datetime import date, timedelta

from icalendar import Calendar, Event

from tryggnews.planning.calendar import Activity, activities_for_year
from tryggnews.planning.schedule import PlannedIssue, Schedule

PRODID = "-//Trygg i Österåker//tryggnews//SV"
UID_DOMAIN = "trygg-i-osteraker"
SEND_DURATION = timedelta(minutes=30)


def calendar_to_ics(schedule: Schedule, year: int) -> bytes:
    """The year's activities, sends and section deadlines as an iCalendar file."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{schedule.newsletter.name} {year}")
    calendar.add("x-wr-timezone", schedule.newsletter.timezone)
    for activity in activities_for_year(year, schedule.calendar):
        calendar.add_component(_activity_event(activity, schedule))
    for issue in schedule.issues_in(year):
        calendar.add_component(_send_event(issue, schedule))
        calendar.add_component(_deadline_event(issue, schedule))
    # Outlook needs the VTIMEZONE of the timed events; limit it to the years around the plan.
    calendar.add_missing_timezones(first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))
    data: bytes = calendar.to_ical()
    return data


def _all_day(uid: str, summary: str, first: date, last: date, schedule: Schedule) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", schedule.revised_at)
    event.add("summary", summary)
    event.add("dtstart", first)
    event.add("dtend", last + timedelta(days=1))  # DTEND of an all-day event is exclusive
    event.add("transp", "TRANSPARENT")  # a day marker, not a busy meeting
    return event


def _activity_event(activity: Activity, schedule: Schedule) -> Event:
    summary = activity.title + (" (riskhelg)" if activity.risk_weekend else "")
    # Key and year identify an activity across runs, even when an override moves its date.
    uid = f"{activity.start.year}-{activity.key}@{UID_DOMAIN}"
    event = _all_day(uid, summary, activity.start, activity.last_day, schedule)
    if activity.description:
        event.add("description", activity.description)
    event.add("categories", ["Riskhelg" if activity.risk_weekend else "Aktivitet"])
    return event


def _issue_name(issue: PlannedIssue, schedule: Schedule) -> str:
    return f"{schedule.newsletter.name} nr {issue.number} {issue.year}"


def _send_event(issue: PlannedIssue, schedule: Schedule) -> Event:
    event = Event()
    event.add("uid", f"{issue.key}-send@{UID_DOMAIN}")
    event.add("dtstamp", schedule.revised_at)
    event.add("summary", f"Utskick: {_issue_name(issue, schedule)} – {issue.title}")
    event.add("dtstart", issue.send_at)
    event.add("dtend", issue.send_at + SEND_DURATION)
    lines = [f"Tema: {issue.theme}"] if issue.theme else []
    lines.append(f"Sista dag för texter och godkännande: {issue.deadline.isoformat()}")
    event.add("description", "\n".join(lines))
    event.add("categories", ["Utskick"])
    return event


def _deadline_event(issue: PlannedIssue, schedule: Schedule) -> Event:
    event = _all_day(
        f"{issue.key}-deadline@{UID_DOMAIN}",
        f"Deadline texter: {_issue_name(issue, schedule)}",
        issue.deadline,
        issue.deadline,
        schedule,
    )
    event.add(
        "description",
        f"Sista dag för polisens och kommunens texter och godkännande till utskicket "
        f"{issue.send_on.isoformat()}." + (f" Tema: {issue.theme}" if issue.theme else ""),
    )
    event.add("categories", ["Deadline"])
    return event
