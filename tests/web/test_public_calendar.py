"""The public calendar: /kalender lists the year's published activities with Swedish dates,
/kalender.ics and /kalender/<id>.ics parse back with icalendar, an unknown or unpublished
id gets the Swedish 404 page, an unknown ?ar= is ignored and a broken schedule.toml gives
a Swedish 503, never a 500."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from icalendar import Calendar
from public_site import Site, h1, open_site, site_fixture, text_of  # noqa: F401
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.config import Settings

REPO_SCHEDULE = Path(__file__).resolve().parents[2] / "schedule.toml"
DIALOG = """
[[calendar.event]]
key = "medborgardialog"
title = "Medborgardialog i Åkersberga"
start = 2027-03-16
place = "Biblioteket, Åkersberga centrum"
time = "18:00"
end_time = "20:00"
"""


def test_the_page_lists_the_years_published_activities_in_swedish(site: Site) -> None:
    page = site.get("/kalender")
    assert page.status_code == 200
    assert h1(page) == "Aktiviteter 2027"
    text = text_of(page)
    assert "Internationella brottsofferdagen måndag 22 februari 2027 (har varit)" in text
    assert "Öppen föreläsning – onsdagen innan valborg onsdag 28 april 2027" in text
    assert "Tryggvedagen lördag 25 september 2027" in text
    assert "En vecka fri från våld 22–28 november 2027" in text
    for hidden in ("Halloween", "Sportlov", "Nyårsafton", "Lucia"):
        assert hidden not in text
    html = page.get_data(as_text=True)
    assert 'href="/kalender/2027-tryggvedagen.ics"' in html
    assert 'href="/kalender.ics"' in html
    # Public, without tokens or personal data.
    assert "/p/" not in html and "/u/" not in html


def test_the_year_can_be_chosen_near_today_and_anything_else_is_ignored(site: Site) -> None:
    assert h1(site.get("/kalender?ar=2028")) == "Aktiviteter 2028"
    for ignored in ("1999", "2027x", "", "-1", "９"):
        response = site.get(f"/kalender?ar={ignored}")
        assert response.status_code == 200 and h1(response) == "Aktiviteter 2027"
    assert h1(site.get("/kalender?sort=x&ar=2026")) == "Aktiviteter 2026"


def test_the_feed_and_one_event_parse_back(site: Site) -> None:
    feed = site.get("/kalender.ics")
    assert feed.status_code == 200
    assert feed.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(feed.data)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    uids = {str(event["UID"]) for event in calendar.walk("VEVENT")}
    assert "2027-tryggvedagen@trygg-i-osteraker" in uids
    assert "2028-tryggvedagen@trygg-i-osteraker" in uids  # next year too, for subscribers
    assert not any("halloween" in uid for uid in uids)
    assert site.get("/kalender.ics").data == feed.data  # stable between requests

    one = site.get("/kalender/2027-valborg-lecture.ics")
    assert one.status_code == 200
    [event] = Calendar.from_ical(one.data).walk("VEVENT")
    assert str(event["UID"]) == "2027-valborg-lecture@trygg-i-osteraker"
    assert 'filename="2027-valborg-lecture.ics"' in one.headers["Content-Disposition"]


def test_an_unknown_or_unpublished_event_gets_the_swedish_404(site: Site) -> None:
    for path in (
        "/kalender/2027-finns-inte.ics",
        "/kalender/2027-halloween.ics",  # a risk weekend, not published
        "/kalender/tryggvedagen.ics",
        "/kalender/99999-tryggvedagen.ics",
        "/kalender/2027-tryggvedagen.ical",
        "/kalender/%00.ics",
    ):
        response = site.get(path)
        assert response.status_code == 404, path
        assert h1(response) == "Sidan finns inte"


def test_a_timed_event_shows_time_and_place(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    schedule = tmp_path / "schedule.toml"
    schedule.write_text(REPO_SCHEDULE.read_text(encoding="utf-8") + DIALOG, encoding="utf-8")
    changed = dataclasses.replace(settings, schedule=schedule)
    with open_site(changed, session_factory) as site:
        text = text_of(site.get("/kalender"))
        assert "Medborgardialog i Åkersberga tisdag 16 mars 2027 kl. 18.00–20.00" in text
        assert "Plats: Biblioteket, Åkersberga centrum" in text
        one = site.get("/kalender/2027-medborgardialog.ics")
        [event] = Calendar.from_ical(one.data).walk("VEVENT")
        assert event["DTSTART"].params["TZID"] == "Europe/Stockholm"
        assert re.search(rb"DTSTART;TZID=Europe/Stockholm:20270316T180000", one.data)


def test_a_broken_schedule_gives_a_swedish_503_not_a_500(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    schedule = tmp_path / "schedule.toml"
    schedule.write_text('[newsletter]\nname = "x"\n[calendar]\npublish = 3\n', encoding="utf-8")
    changed = dataclasses.replace(settings, schedule=schedule)
    with open_site(changed, session_factory) as site:
        for path in ("/kalender", "/kalender.ics", "/kalender/2027-tryggvedagen.ics"):
            response = site.get(path)
            assert response.status_code == 503, path
            assert h1(response) == "Något gick fel"
        schedule.write_text(REPO_SCHEDULE.read_text(encoding="utf-8"), encoding="utf-8")
        assert site.get("/kalender").status_code == 200  # re-read once fixed
