"""The public calendar: schedule.toml decides which activities are published (a bad value
is named with file and line), and its iCalendar parses back with icalendar with stable
UIDs, a SEQUENCE that grows when the file is revised, a VTIMEZONE and TZID on timed events."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Component

from tryggnews.errors import ScheduleError
from tryggnews.planning.calendar import DEFAULT_PUBLISHED, activities_for_year, to_view
from tryggnews.planning.public_ics import (
    find_public_activity,
    public_activities,
    public_ics,
    sequence,
)
from tryggnews.planning.schedule import load_schedule

WriteSchedule = Callable[[str], Path]  # the write_schedule fixture
STOCKHOLM = ZoneInfo("Europe/Stockholm")

EVENTS = """
[calendar]
publish = ["tryggvedagen", "halloween"]

[[calendar.event]]
key = "medborgardialog"
title = "Medborgardialog i Åkersberga"
start = 2027-03-16
place = "Biblioteket, Åkersberga centrum"
time = "18:00"
end_time = "20:00"

[[calendar.event]]
key = "internt-mote"
title = "Samverkansmöte"
start = 2027-03-17
public = false
"""


def events_by_uid(data: bytes) -> dict[str, Component]:
    return {str(e["UID"]): e for e in Calendar.from_ical(data).walk("VEVENT")}


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(needle))


def test_by_default_the_joint_activities_are_public_and_risk_weekends_are_not(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    schedule = load_schedule(write_schedule(newsletter_toml))
    keys = {a.key for a in public_activities(schedule, [2027])}
    assert keys == DEFAULT_PUBLISHED
    assert {"tryggvedagen", "valborg-lecture", "brottsofferdagen"} <= keys
    assert not keys & {"halloween", "sportlov", "valborg", "nyarsafton"}


def test_publish_and_public_choose_what_is_shown(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    schedule = load_schedule(write_schedule(newsletter_toml + EVENTS))
    published = [a.event_id for a in public_activities(schedule, [2027])]
    assert published == ["2027-medborgardialog", "2027-tryggvedagen", "2027-halloween"]
    assert find_public_activity(schedule, "2027-internt-mote") is None
    assert find_public_activity(schedule, "2027-brottsofferdagen") is None
    for bad in ("", "2027", "27-tryggvedagen", "abcd-tryggvedagen", "2027-"):
        assert find_public_activity(schedule, bad) is None
    # The email's "Lägg i kalendern" link is only there for a published activity.
    views = {a.key: to_view(a) for a in activities_for_year(2027, schedule.calendar)}
    assert views["tryggvedagen"].event_id == "2027-tryggvedagen"
    assert views["internt-mote"].event_id == ""
    assert views["lucia"].event_id == ""


@pytest.mark.parametrize(
    ("calendar", "needle", "message"),
    [
        (
            '[calendar]\npublish = ["tryggvedgen"]\n',
            "publish",
            'publish names "tryggvedgen", which is not a built-in activity — did you mean '
            '"tryggvedagen"? (an extra event has public = true/false)',
        ),
        (
            '[calendar]\npublish = "tryggvedagen"\n',
            "publish",
            'publish must be a list of built-in activity keys, got "tryggvedagen"',
        ),
        (
            '[[calendar.event]]\nkey = "x"\ntitle = "X"\nstart = 2027-03-16\npublic = "ja"\n',
            "public",
            'public must be true or false, got "ja"',
        ),
        (
            '[[calendar.event]]\nkey = "x"\ntitle = "X"\nstart = 2027-03-16\nend_time = "20:00"\n',
            "end_time",
            "end_time needs a time (when the event starts)",
        ),
        (
            '[[calendar.event]]\nkey = "x"\ntitle = "X"\nstart = 2027-03-16\ntime = "18:00"\n'
            'end_time = "17:00"\n',
            "end_time",
            "end_time 17:00 is not after time 18:00",
        ),
        (
            '[[calendar.event]]\nkey = "x"\ntitle = "X"\nstart = 2027-03-16\nend = 2027-03-18\n'
            'time = "18:00"\n',
            "time =",
            "an event over several days with a time needs end_time",
        ),
    ],
)
def test_a_bad_publication_value_is_named_with_file_and_line(
    write_schedule: WriteSchedule, newsletter_toml: str, calendar: str, needle: str, message: str
) -> None:
    text = newsletter_toml + calendar
    path = write_schedule(text)
    with pytest.raises(ScheduleError) as caught:
        load_schedule(path)
    assert str(caught.value) == f"{path}:{line_of(text, needle)}: {message}"


def test_the_feed_parses_back_with_stable_uids_a_vtimezone_and_tzid(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    path = write_schedule(newsletter_toml + EVENTS)
    schedule = load_schedule(path)
    first = public_ics(schedule, public_activities(schedule, [2027, 2028]), "Trygg")
    again = public_ics(load_schedule(path), public_activities(schedule, [2027, 2028]), "Trygg")
    assert first == again  # the same file gives the same bytes

    calendar = Calendar.from_ical(first)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    events = events_by_uid(first)
    assert set(events) == {
        f"{year}-{key}@trygg-i-osteraker"
        for year in (2027, 2028)
        for key in ("tryggvedagen", "halloween")
    } | {"2027-medborgardialog@trygg-i-osteraker"}

    dialog = events["2027-medborgardialog@trygg-i-osteraker"]
    assert dialog["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert dialog.decoded("DTSTART") == datetime(2027, 3, 16, 18, 0, tzinfo=STOCKHOLM)
    assert dialog.decoded("DTEND") == datetime(2027, 3, 16, 20, 0, tzinfo=STOCKHOLM)
    assert str(dialog["LOCATION"]) == "Biblioteket, Åkersberga centrum"

    day = events["2027-tryggvedagen@trygg-i-osteraker"]
    assert day.decoded("DTSTART") == date(2027, 9, 25)
    assert day.decoded("DTEND") == date(2027, 9, 26)
    assert int(day["SEQUENCE"]) == sequence(schedule) > 0


def test_an_override_keeps_the_uid_and_a_revision_raises_the_sequence(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    path = write_schedule(newsletter_toml)
    before = load_schedule(path)
    os.utime(path, (before.revised_at.timestamp() - 3600,) * 2)
    before = load_schedule(path)
    old = events_by_uid(public_ics(before, public_activities(before, [2027]), "Trygg"))

    path = write_schedule(newsletter_toml + "[calendar.2027]\ntryggvedagen = 2027-09-18\n")
    after = load_schedule(path)
    new = events_by_uid(public_ics(after, public_activities(after, [2027]), "Trygg"))

    uid = "2027-tryggvedagen@trygg-i-osteraker"
    assert set(old) == set(new)
    assert old[uid].decoded("DTSTART") == date(2027, 9, 25)
    assert new[uid].decoded("DTSTART") == date(2027, 9, 18)
    assert int(new[uid]["SEQUENCE"]) > int(old[uid]["SEQUENCE"])
    assert new[uid].decoded("DTSTAMP") > old[uid].decoded("DTSTAMP")


def test_the_shipped_schedule_publishes_the_default(tmp_path: Path) -> None:
    schedule = load_schedule(Path(__file__).resolve().parents[2] / "schedule.toml")
    assert schedule.calendar.published == DEFAULT_PUBLISHED
