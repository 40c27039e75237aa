"""The ICS export parses back with icalendar and holds every activity, send and deadline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component

from tryggnews.planning import activities_for_year, calendar_to_ics, load_schedule

REPO_SCHEDULE = Path(__file__).resolve().parents[2] / "schedule.toml"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
WriteSchedule = Callable[[str], Path]  # the write_schedule fixture


def events_by_uid(data: bytes) -> dict[str, Component]:
    calendar = Calendar.from_ical(data)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_round_trip_of_the_shipped_plan() -> None:
    schedule = load_schedule(REPO_SCHEDULE)
    data = calendar_to_ics(schedule, 2027)
    calendar = Calendar.from_ical(data)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    events = events_by_uid(data)
    activities = activities_for_year(2027, schedule.calendar)
    assert len(events) == len(activities) + 2 * len(schedule.issues_in(2027))

    lecture = events["2027-valborg-lecture@trygg-i-osteraker"]
    assert lecture.decoded("DTSTART") == date(2027, 4, 28)
    assert lecture.decoded("DTEND") == date(2027, 4, 29)  # exclusive end of an all-day event
    assert str(lecture["SUMMARY"]) == "Öppen föreläsning – onsdagen innan valborg"

    week = events["2027-vecka-fri-fran-vald@trygg-i-osteraker"]
    assert (week.decoded("DTSTART"), week.decoded("DTEND")) == (
        date(2027, 11, 22),
        date(2027, 11, 29),
    )
    assert str(events["2027-midsommarafton@trygg-i-osteraker"]["SUMMARY"]) == (
        "Midsommarafton (riskhelg)"
    )

    send = events["2027-2-send@trygg-i-osteraker"]
    start = send.decoded("DTSTART")
    assert isinstance(start, datetime)
    assert start == datetime(2027, 4, 7, 8, 0, tzinfo=STOCKHOLM)
    assert start.utcoffset() == timedelta(hours=2)  # summer time
    assert send["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert "Inför valborg" in str(send["SUMMARY"])

    deadline = events["2027-2-deadline@trygg-i-osteraker"]
    assert deadline.decoded("DTSTART") == date(2027, 3, 24)
    assert "2027-04-07" in str(deadline["DESCRIPTION"])


def test_the_same_plan_gives_the_same_bytes() -> None:
    # Stable UIDs and DTSTAMP (the file's revision time): a subscribed calendar updates in place.
    schedule = load_schedule(REPO_SCHEDULE)
    assert calendar_to_ics(schedule, 2027) == calendar_to_ics(load_schedule(REPO_SCHEDULE), 2027)


def test_an_override_moves_an_event_but_keeps_its_uid(
    write_schedule: WriteSchedule, newsletter_toml: str, four_issues_toml: str
) -> None:
    text = newsletter_toml + four_issues_toml
    plain = events_by_uid(calendar_to_ics(load_schedule(write_schedule(text)), 2027))
    moved_text = text + (
        "\n[calendar.2027]\ntryggvedagen = 2027-10-02\n"
        '\n[[calendar.event]]\nkey = "medborgardialog"\ntitle = "Medborgardialog"\n'
        'start = 2027-03-16\nend = 2027-03-17\ndescription = "Kom och berätta."\n'
    )
    moved = events_by_uid(calendar_to_ics(load_schedule(write_schedule(moved_text)), 2027))
    uid = "2027-tryggvedagen@trygg-i-osteraker"
    assert plain[uid].decoded("DTSTART") == date(2027, 9, 25)
    assert moved[uid].decoded("DTSTART") == date(2027, 10, 2)
    extra = moved["2027-medborgardialog@trygg-i-osteraker"]
    assert (extra.decoded("DTSTART"), extra.decoded("DTEND")) == (
        date(2027, 3, 16),
        date(2027, 3, 18),
    )
    assert str(extra["DESCRIPTION"]) == "Kom och berätta."
    assert set(moved) - set(plain) == {"2027-medborgardialog@trygg-i-osteraker"}
