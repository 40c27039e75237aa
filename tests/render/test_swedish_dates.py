"""Swedish dates are spelled out without the OS locale: days, ranges and long dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment

from tryggnews.render.dates import (
    format_date,
    format_day,
    format_long,
    format_moment,
    format_range,
    register_date_filters,
)


def test_day_uses_short_swedish_weekday() -> None:
    # 2027-04-28 is the Wednesday before Valborg.
    assert format_day(date(2027, 4, 28)) == "ons 28 april"
    assert format_day(date(2027, 6, 25)) == "fre 25 juni"
    assert format_day(date(2027, 9, 25)) == "lör 25 september"
    assert format_day(date(2027, 11, 28)) == "sön 28 november"


def test_long_date() -> None:
    assert format_long(date(2027, 4, 28)) == "onsdag 28 april 2027"
    assert format_long(date(2026, 4, 30)) == "torsdag 30 april 2026"


def test_ranges_within_a_month_across_months_and_years() -> None:
    assert format_range(date(2027, 11, 22), date(2027, 11, 28)) == "22–28 november"
    assert format_range(date(2027, 4, 30), date(2027, 5, 2)) == "30 april–2 maj"
    assert format_range(date(2027, 12, 31), date(2028, 1, 2)) == "31 december 2027–2 januari 2028"
    assert format_range(date(2027, 3, 1), date(2027, 3, 1)) == "1 mars"


def test_registered_as_jinja_filters() -> None:
    env = Environment(autoescape=True)
    register_date_filters(env)
    rendered = env.from_string("{{ d|sv_day }} / {{ d|sv_long }} / {{ d|sv_range(e) }}").render(
        d=date(2027, 4, 28), e=date(2027, 5, 2)
    )
    assert rendered == "ons 28 april / onsdag 28 april 2027 / 28 april–2 maj"


def test_a_date_without_weekday_and_a_local_moment() -> None:
    assert format_date(date(2027, 8, 15)) == "15 augusti 2027"
    # 07:00 UTC is 08:00 in Stockholm in winter and 09:00 in summer.
    stockholm = ZoneInfo("Europe/Stockholm")
    assert format_moment(datetime(2027, 2, 15, 7, 0, tzinfo=UTC), stockholm) == (
        "15 februari 2027 kl. 08.00"
    )
    assert format_moment(datetime(2027, 6, 1, 7, 5, tzinfo=UTC), stockholm) == (
        "1 juni 2027 kl. 09.05"
    )
