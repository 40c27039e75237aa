"""The public activity calendar: ``/kalender`` (a page), ``/kalender.ics`` (a feed to
subscribe to) and ``/kalender/<event id>.ics`` (one activity, the "Lägg i kalendern"
link in an email). Which activities are public is decided in schedule.toml; see
docs/calendar.md. No token, no form, no personal data.

schedule.toml is read again only when the file changes. A broken file is the
editors' to fix (``tryggnews plan check`` names the line): readers get a Swedish
"try again later" page, and the log says why.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from tryggnews.errors import ScheduleError
from tryggnews.i18n import SOURCE_LANGUAGE, format_plain_date
from tryggnews.i18n import format_long as format_long_in
from tryggnews.i18n import format_range as format_range_in
from tryggnews.planning.calendar import Activity
from tryggnews.planning.public_ics import find_public_activity, public_activities, public_ics
from tryggnews.planning.schedule import Schedule, load_schedule
from tryggnews.render.dates import format_date, format_long, format_range
from tryggnews.web.context import web_context
from tryggnews.web.i18n import current_language

ICS_TYPE = "text/calendar; charset=utf-8"
# The page shows one year; ?ar= may pick the one before or after (anything else is ignored).
YEARS_AROUND = 1


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/kalender", view_func=calendar_page, methods=["GET"])
    bp.add_url_rule("/kalender.ics", view_func=calendar_feed, methods=["GET"])
    bp.add_url_rule("/kalender/<event_id>.ics", view_func=event_file, methods=["GET"])


@lru_cache(maxsize=4)
def _load(path: Path, _mtime_ns: int) -> Schedule:
    return load_schedule(path)


def _schedule() -> Schedule:
    path = web_context().settings.schedule
    try:
        return _load(path, path.stat().st_mtime_ns)
    except (OSError, ScheduleError) as exc:
        current_app.logger.error("the public calendar cannot read %s: %s", path, exc)
        abort(503)


def _this_year(schedule: Schedule) -> int:
    return web_context().clock.now().astimezone(schedule.tz).year


def _when_in(activity: Activity, lang: str) -> str:
    """``_when`` in another language than Swedish, with Babel: en ``"Wednesday, 28 April
    2027 18:00–20:00"``."""
    if activity.end is None:
        text = format_long_in(activity.start, lang)
    else:
        text = format_range_in(activity.start, activity.end, lang)
        if activity.end.year == activity.start.year:
            text += f" {activity.end.year}"
    if activity.start_time is not None:
        text += f" {activity.start_time:%H:%M}"
        if activity.end_time is not None:
            text += f"–{activity.end_time:%H:%M}"
    return text


def _when(activity: Activity, lang: str = SOURCE_LANGUAGE) -> str:
    """``"onsdag 28 april 2027 kl. 18.00–20.00"``, ``"22–28 november 2027"``."""
    if lang != SOURCE_LANGUAGE:
        return _when_in(activity, lang)
    if activity.end is None:
        text = format_long(activity.start)
    elif activity.end.year != activity.start.year:
        text = format_range(activity.start, activity.end)
    else:
        text = f"{format_range(activity.start, activity.end)} {activity.end.year}"
    if activity.start_time is not None:
        text += f" kl. {activity.start_time:%H.%M}"
        if activity.end_time is not None:
            text += f"–{activity.end_time:%H.%M}"
    return text


def calendar_page() -> str:
    schedule = _schedule()
    this_year = _this_year(schedule)
    year = this_year
    chosen = request.args.get("ar", "")
    if chosen.isdigit() and abs(int(chosen) - this_year) <= YEARS_AROUND:
        year = int(chosen)
    activities = public_activities(schedule, [year])
    today = web_context().clock.now().astimezone(schedule.tz).date()
    lang = current_language()
    revised = schedule.revised_at.astimezone(schedule.tz).date()
    return render_template(
        "public/calendar.html",
        year=year,
        other_years=[y for y in range(this_year - 1, this_year + 2) if y != year],
        activities=[(activity, _when(activity, lang)) for activity in activities],
        today=today,
        feed_url=url_for("public.calendar_feed"),
        updated=(
            format_date(revised) if lang == SOURCE_LANGUAGE else format_plain_date(revised, lang)
        ),
    )


def calendar_feed() -> Response:
    schedule = _schedule()
    year = _this_year(schedule)
    body = public_ics(
        schedule,
        public_activities(schedule, [year, year + 1]),
        f"{schedule.newsletter.name} – aktiviteter",
    )
    return _ics(body, "kalender.ics")


def event_file(event_id: str) -> Response:
    schedule = _schedule()
    activity = find_public_activity(schedule, event_id)
    if activity is None:
        abort(404)
    body = public_ics(schedule, [activity], f"{schedule.newsletter.name} – {activity.title}")
    return _ics(body, f"{activity.event_id}.ics")


def _ics(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = ICS_TYPE
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
