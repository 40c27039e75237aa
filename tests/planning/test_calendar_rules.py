"""The activity calendar follows DOMAIN.md's rules for 2021–2028, and overrides replace them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tryggnews.content.views import ActivityView
from tryggnews.planning import (
    Activity,
    CalendarConfig,
    YearOverrides,
    activities_between,
    activities_for_year,
    load_schedule,
    to_view,
)
from tryggnews.planning.calendar import last_wednesday_before, saturday_closest_to

REPO_SCHEDULE = Path(__file__).resolve().parents[2] / "schedule.toml"


def by_key(year: int, config: CalendarConfig | None = None) -> dict[str, Activity]:
    activities = activities_for_year(year, config or CalendarConfig())
    return {activity.key: activity for activity in activities}


def span(activity: Activity) -> tuple[date, date | None]:
    return activity.start, activity.end


# Expected dates worked out by hand from the rules (and DOMAIN.md's confirmed values).
LECTURE = {
    2021: date(2021, 4, 28),
    2022: date(2022, 4, 27),
    2023: date(2023, 4, 26),
    2024: date(2024, 4, 24),
    2025: date(2025, 4, 23),  # 30 April is a Wednesday: the week before
    2026: date(2026, 4, 29),
    2027: date(2027, 4, 28),
    2028: date(2028, 4, 26),
}
TRYGGVEDAGEN = {
    2021: date(2021, 9, 25),  # confirmed
    2022: date(2022, 9, 24),
    2023: date(2023, 9, 23),
    2024: date(2024, 9, 28),
    2025: date(2025, 9, 27),
    2026: date(2026, 9, 26),
    2027: date(2027, 9, 25),
    2028: date(2028, 9, 23),
}
VECKA_FRI_FRAN_VALD = {  # ISO week 47, Monday to Sunday; 2021–2025 confirmed
    2021: (date(2021, 11, 22), date(2021, 11, 28)),
    2022: (date(2022, 11, 21), date(2022, 11, 27)),
    2023: (date(2023, 11, 20), date(2023, 11, 26)),
    2024: (date(2024, 11, 18), date(2024, 11, 24)),
    2025: (date(2025, 11, 17), date(2025, 11, 23)),
    2026: (date(2026, 11, 16), date(2026, 11, 22)),
    2027: (date(2027, 11, 22), date(2027, 11, 28)),
    2028: (date(2028, 11, 20), date(2028, 11, 26)),
}
MIDSOMMARAFTON = {
    2021: date(2021, 6, 25),
    2022: date(2022, 6, 24),
    2023: date(2023, 6, 23),
    2024: date(2024, 6, 21),
    2025: date(2025, 6, 20),
    2026: date(2026, 6, 19),
    2027: date(2027, 6, 25),
    2028: date(2028, 6, 23),
}
SPORTLOV = {  # ISO week 9, Monday to Friday
    2021: (date(2021, 3, 1), date(2021, 3, 5)),
    2022: (date(2022, 2, 28), date(2022, 3, 4)),
    2023: (date(2023, 2, 27), date(2023, 3, 3)),
    2024: (date(2024, 2, 26), date(2024, 3, 1)),
    2025: (date(2025, 2, 24), date(2025, 2, 28)),
    2026: (date(2026, 2, 23), date(2026, 2, 27)),
    2027: (date(2027, 3, 1), date(2027, 3, 5)),
    2028: (date(2028, 2, 28), date(2028, 3, 3)),
}
HOSTLOV = {  # ISO week 44, Monday to Friday
    2021: (date(2021, 11, 1), date(2021, 11, 5)),
    2022: (date(2022, 10, 31), date(2022, 11, 4)),
    2023: (date(2023, 10, 30), date(2023, 11, 3)),
    2024: (date(2024, 10, 28), date(2024, 11, 1)),
    2025: (date(2025, 10, 27), date(2025, 10, 31)),
    2026: (date(2026, 10, 26), date(2026, 10, 30)),
    2027: (date(2027, 11, 1), date(2027, 11, 5)),
    2028: (date(2028, 10, 30), date(2028, 11, 3)),
}
SKOLAVSLUTNING_FALLBACK = {  # 12 June, or the Friday before when it is a weekend
    2021: date(2021, 6, 11),
    2022: date(2022, 6, 10),
    2023: date(2023, 6, 12),
    2024: date(2024, 6, 12),
    2025: date(2025, 6, 12),
    2026: date(2026, 6, 12),
    2027: date(2027, 6, 11),
    2028: date(2028, 6, 12),
}
YEARS = range(2021, 2029)


@pytest.mark.parametrize("year", YEARS)
def test_rules_give_the_expected_dates(year: int) -> None:
    # Each rule checked against a table worked out by hand, one year per case.
    activities = by_key(year)
    assert activities["valborg-lecture"].start == LECTURE[year]
    assert activities["valborg-lecture"].start.weekday() == 2
    assert activities["tryggvedagen"].start == TRYGGVEDAGEN[year]
    assert span(activities["vecka-fri-fran-vald"]) == VECKA_FRI_FRAN_VALD[year]
    assert activities["midsommarafton"].start == MIDSOMMARAFTON[year]
    assert span(activities["sportlov"]) == SPORTLOV[year]
    assert span(activities["hostlov"]) == HOSTLOV[year]
    assert activities["skolavslutning"].start == SKOLAVSLUTNING_FALLBACK[year]


@pytest.mark.parametrize("year", YEARS)
def test_fixed_days_and_riskhelger(year: int) -> None:
    # Fixed dates never move; exactly the riskhelger DOMAIN.md names are flagged.
    activities = by_key(year)
    assert activities["brottsofferdagen"].start == date(year, 2, 22)
    assert activities["valborg"].start == date(year, 4, 30)
    assert activities["halloween"].start == date(year, 10, 31)
    assert activities["lucia"].start == date(year, 12, 13)
    assert activities["nyarsafton"].start == date(year, 12, 31)
    risky = {key for key, activity in activities.items() if activity.risk_weekend}
    assert risky == {
        "valborg",
        "skolavslutning",
        "midsommarafton",
        "halloween",
        "lucia",
        "nyarsafton",
    }


@pytest.mark.parametrize("year", YEARS)
def test_anti_langning_runs_the_two_weeks_before_valborg_and_skolavslutning(year: int) -> None:
    activities = by_key(year)
    for campaign, event in (
        ("anti-langning-valborg", "valborg"),
        ("anti-langning-skolavslutning", "skolavslutning"),
    ):
        start, end = span(activities[campaign])
        assert end is not None
        assert (activities[event].start - start).days == 14
        assert (activities[event].start - end).days == 1


def test_domain_examples_for_2026_and_2027() -> None:
    # The computed examples listed in DOMAIN.md.
    y2026, y2027 = by_key(2026), by_key(2027)
    assert y2026["valborg"].start == date(2026, 4, 30)
    assert y2026["valborg-lecture"].start == date(2026, 4, 29)
    assert y2026["tryggvedagen"].start == date(2026, 9, 26)
    assert span(y2026["vecka-fri-fran-vald"]) == (date(2026, 11, 16), date(2026, 11, 22))
    assert y2026["midsommarafton"].start == date(2026, 6, 19)
    assert y2027["valborg-lecture"].start == date(2027, 4, 28)
    assert y2027["tryggvedagen"].start == date(2027, 9, 25)
    assert span(y2027["vecka-fri-fran-vald"]) == (date(2027, 11, 22), date(2027, 11, 28))
    assert y2027["midsommarafton"].start == date(2027, 6, 25)
    assert span(y2027["sportlov"]) == (date(2027, 3, 1), date(2027, 3, 5))


def test_valborg_risk_period_reaches_the_weekend_or_forsta_maj() -> None:
    # A Friday eve runs into the weekend; a Tuesday eve ends with Första maj.
    assert by_key(2027)["valborg"].end == date(2027, 5, 2)  # Friday → Sunday
    assert by_key(2026)["valborg"].end == date(2026, 5, 3)  # Thursday → Sunday
    assert by_key(2024)["valborg"].end == date(2024, 5, 1)  # Tuesday → 1 May


def test_2020_used_week_48_for_the_violence_free_week_via_an_override() -> None:
    config = CalendarConfig(years={2020: YearOverrides(vecka_fri_fran_vald=48)})
    assert span(by_key(2020, config)["vecka-fri-fran-vald"]) == (
        date(2020, 11, 23),
        date(2020, 11, 29),
    )


def test_overrides_replace_the_rules_for_their_year_only() -> None:
    config = CalendarConfig(
        years={
            2023: YearOverrides(
                skolavslutning=date(2023, 6, 13),  # real 2023: Tuesday 13 June
                valborg_lecture=date(2023, 4, 19),
                tryggvedagen=date(2023, 9, 30),
                vecka_fri_fran_vald=date(2023, 11, 15),
                sportlov_week=8,
                hostlov_week=43,
            )
        }
    )
    activities = by_key(2023, config)
    assert activities["skolavslutning"].start == date(2023, 6, 13)
    assert activities["anti-langning-skolavslutning"].start == date(2023, 5, 30)
    assert activities["valborg-lecture"].start == date(2023, 4, 19)
    assert activities["tryggvedagen"].start == date(2023, 9, 30)
    assert span(activities["vecka-fri-fran-vald"]) == (date(2023, 11, 15), date(2023, 11, 21))
    assert span(activities["sportlov"]) == (date(2023, 2, 20), date(2023, 2, 24))
    assert span(activities["hostlov"]) == (date(2023, 10, 23), date(2023, 10, 27))
    assert by_key(2024, config)["skolavslutning"].start == date(2024, 6, 12)


def test_extra_events_join_their_year_in_date_order() -> None:
    dialog = Activity("medborgardialog", "Medborgardialog", date(2027, 3, 16))
    config = CalendarConfig(events=(dialog,))
    activities = activities_for_year(2027, config)
    assert dialog in activities
    assert dialog not in activities_for_year(2028, config)
    starts = [activity.start for activity in activities]
    assert starts == sorted(starts)


def test_keys_are_unique_within_a_year() -> None:
    for year in YEARS:
        keys = [activity.key for activity in activities_for_year(year)]
        assert len(keys) == len(set(keys))


def test_helpers_at_their_edges() -> None:
    assert last_wednesday_before(date(2025, 4, 30)) == date(2025, 4, 23)
    assert last_wednesday_before(date(2026, 4, 30)) == date(2026, 4, 29)
    assert saturday_closest_to(date(2024, 9, 25)) == date(2024, 9, 28)  # Wed: 3 ahead
    assert saturday_closest_to(date(2029, 9, 25)) == date(2029, 9, 22)  # Tue: 3 back


def test_activities_between_spans_years_and_includes_running_ones() -> None:
    schedule = load_schedule(REPO_SCHEDULE)
    found = activities_between(date(2026, 11, 20), date(2027, 3, 2), schedule.calendar)
    keys = [(activity.start.year, activity.key) for activity in found]
    assert keys == [
        (2026, "vecka-fri-fran-vald"),  # 16–22 Nov, still running on the 20th
        (2026, "lucia"),
        (2026, "nyarsafton"),
        (2027, "brottsofferdagen"),
        (2027, "sportlov"),  # starts 1 March, before the end (exclusive) on 2 March
    ]
    # The end is exclusive: an issue sent that day lists the activity instead.
    assert activities_between(date(2027, 2, 1), date(2027, 2, 22), schedule.calendar) == []


def test_to_view_carries_everything_the_renderer_shows() -> None:
    activity = by_key(2027)["vecka-fri-fran-vald"]
    view = to_view(activity)
    assert view == ActivityView(
        start=date(2027, 11, 22),
        title="En vecka fri från våld",
        end=date(2027, 11, 28),
        risk_weekend=False,
        description=activity.description,
        event_id="2027-vecka-fri-fran-vald",  # published: "Lägg i kalendern" links to it
    )
    assert view.description
    assert to_view(by_key(2027)["lucia"]).risk_weekend
