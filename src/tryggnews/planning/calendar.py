"""The yearly activity calendar of Trygg i Österåker, computed from the rules in DOMAIN.md.

Every recurring event is computed here rather than taken from a holiday library: the
`holidays` package moves eves between categories across versions and renames Valborg.
A per-year override (from schedule.toml) wins over a rule where the real date is a local
decision (the lecture, skolavslutning, Tryggvedagen, the national violence-free week, the
school holidays).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta

from tryggnews.content.views import ActivityView

MONDAY, WEDNESDAY, FRIDAY, SATURDAY, SUNDAY = 0, 2, 4, 5, 6


@dataclass(frozen=True)
class Activity:
    """One activity of a year. ``key`` is stable across runs and unique within a year."""

    key: str
    title: str
    start: date
    end: date | None = None  # last day, inclusive; None for a single day
    risk_weekend: bool = False
    description: str = ""
    # Shown on the public calendar (/kalender, /kalender.ics) and linked from emails.
    public: bool = False
    place: str = ""
    start_time: time | None = None  # start time on the first day; None for an all-day activity
    end_time: time | None = None  # on the last day

    @property
    def last_day(self) -> date:
        return self.end or self.start

    @property
    def event_id(self) -> str:
        """Stable across runs and years: the public URL and the ICS UID use it."""
        return f"{self.start.year}-{self.key}"


@dataclass(frozen=True)
class YearOverrides:
    """Local decisions for one year that replace a rule; None keeps the rule."""

    valborg_lecture: date | None = None
    skolavslutning: date | None = None
    tryggvedagen: date | None = None
    # An ISO week number, or the first day of a seven-day week.
    vecka_fri_fran_vald: int | date | None = None
    sportlov_week: int | None = None
    hostlov_week: int | None = None


@dataclass(frozen=True)
class CalendarConfig:
    """The calendar part of schedule.toml: overrides per year and extra dated events."""

    years: Mapping[int, YearOverrides] = field(default_factory=dict)
    events: tuple[Activity, ...] = ()
    # The built-in activities on the public calendar; None keeps DEFAULT_PUBLISHED.
    # (Extra events carry their own ``public`` flag.)
    published: frozenset[str] | None = None

    def overrides_for(self, year: int) -> YearOverrides:
        return self.years.get(year, YearOverrides())


NO_OVERRIDES = CalendarConfig()

# Default ISO weeks: Stockholm county's sportlov and höstlov, and the national week.
SPORTLOV_WEEK = 9
HOSTLOV_WEEK = 44
VECKA_FRI_FRAN_VALD_WEEK = 47
# How long before Valborg and skolavslutning the anti-langning campaigns run.
ANTI_LANGNING_DAYS = 14


def last_wednesday_before(day: date) -> date:
    """The last Wednesday strictly before ``day`` (a week earlier when ``day`` is a Wednesday)."""
    back = (day.weekday() - WEDNESDAY) % 7 or 7
    return day - timedelta(days=back)


def saturday_closest_to(day: date) -> date:
    """The Saturday nearest ``day``; the distance is never a tie (at most three days)."""
    forward = (SATURDAY - day.weekday()) % 7
    return day + timedelta(days=forward if forward <= 3 else forward - 7)


def friday_between(year: int, month: int, first_day: int) -> date:
    """The Friday in the seven days starting at ``first_day`` of ``month``."""
    first = date(year, month, first_day)
    return first + timedelta(days=(FRIDAY - first.weekday()) % 7)


def weekday_or_friday_before(day: date) -> date:
    """``day`` itself on a weekday; the Friday before when it falls on a weekend."""
    if day.weekday() >= SATURDAY:
        return day - timedelta(days=day.weekday() - FRIDAY)
    return day


def iso_week_span(year: int, week: int, days: int) -> tuple[date, date]:
    """The first ``days`` days of ISO ``week`` of ``year``, as (Monday, last day)."""
    monday = date.fromisocalendar(year, week, 1)
    return monday, monday + timedelta(days=days - 1)


def valborg_risk_end(eve: date) -> date:
    # The risk period runs from the eve into the nearest weekend: when the eve is on a
    # Wednesday to Saturday that is the weekend after; earlier in the week the eve and
    # Första maj (a public holiday) are the risk period. The activity stays anchored on
    # 30 April because relative send dates and the ICS refer to it.
    if WEDNESDAY <= eve.weekday() <= SATURDAY:
        return eve + timedelta(days=SUNDAY - eve.weekday())
    return eve + timedelta(days=1)


def _builtin(year: int, o: YearOverrides) -> list[Activity]:
    valborg = date(year, 4, 30)
    lecture = o.valborg_lecture or last_wednesday_before(valborg)
    skolavslutning = o.skolavslutning or weekday_or_friday_before(date(year, 6, 12))
    sportlov = iso_week_span(year, o.sportlov_week or SPORTLOV_WEEK, 5)
    hostlov = iso_week_span(year, o.hostlov_week or HOSTLOV_WEEK, 5)
    if isinstance(o.vecka_fri_fran_vald, date):
        fri_start = o.vecka_fri_fran_vald
        fri_fran_vald = (fri_start, fri_start + timedelta(days=6))
    else:
        fri_fran_vald = iso_week_span(year, o.vecka_fri_fran_vald or VECKA_FRI_FRAN_VALD_WEEK, 7)
    langning = timedelta(days=ANTI_LANGNING_DAYS)
    day = timedelta(days=1)
    return [
        Activity(
            "brottsofferdagen",
            "Internationella brottsofferdagen",
            date(year, 2, 22),
            description="Dagen för stöd till dig som utsatts för brott.",
        ),
        Activity(
            "sportlov",
            "Sportlov",
            *sportlov,
            description="Skolorna har lov; fler unga är ute på dagar och kvällar.",
        ),
        Activity(
            "anti-langning-valborg",
            "Anti-langningskampanj inför valborg",
            valborg - langning,
            valborg - day,
            description="Kampanj mot langning av alkohol till unga inför valborg.",
        ),
        Activity(
            "valborg-lecture",
            "Öppen föreläsning – onsdagen innan valborg",
            lecture,
            description="Öppen föreläsning för föräldrar och andra vuxna inför valborg.",
        ),
        Activity(
            "valborg",
            "Valborgsmässoafton",
            valborg,
            valborg_risk_end(valborg),
            risk_weekend=True,
            description="Riskhelg: kvällen och helgen närmast. Prata med ditt barn om kvällen.",
        ),
        Activity(
            "anti-langning-skolavslutning",
            "Anti-langningskampanj inför skolavslutningen",
            skolavslutning - langning,
            skolavslutning - day,
            description="Kampanj mot langning av alkohol till unga inför skolavslutningen.",
        ),
        Activity(
            "skolavslutning",
            "Skolavslutning",
            skolavslutning,
            risk_weekend=True,
            description="Riskhelg: sommarlovet börjar. Vuxna behövs ute på kvällen.",
        ),
        Activity(
            "midsommarafton",
            "Midsommarafton",
            friday_between(year, 6, 19),
            risk_weekend=True,
            description="Riskhelg: midsommar. Langa aldrig alkohol till unga.",
        ),
        Activity(
            "tryggvedagen",
            "Tryggvedagen",
            o.tryggvedagen or saturday_closest_to(date(year, 9, 25)),
            description="Österåkers egen trygghetsdag, kring Tryggves namnsdag 25 september.",
        ),
        Activity(
            "hostlov",
            "Höstlov",
            *hostlov,
            description="Skolorna har lov; fler unga är ute på dagar och kvällar.",
        ),
        Activity(
            "halloween",
            "Halloween",
            date(year, 10, 31),
            risk_weekend=True,
            description="Riskhelg: Halloween. Bus ska vara roligt för alla.",
        ),
        Activity(
            "vecka-fri-fran-vald",
            "En vecka fri från våld",
            *fri_fran_vald,
            description="Nationell vecka mot våld: våld i nära relation och ungas utsatthet.",
        ),
        Activity(
            "lucia",
            "Lucia",
            date(year, 12, 13),
            risk_weekend=True,
            description="Riskhelg: luciafirande, ofta med fester för unga.",
        ),
        Activity(
            "nyarsafton",
            "Nyårsafton",
            date(year, 12, 31),
            risk_weekend=True,
            description="Riskhelg: nyårsafton. Var försiktig med fyrverkerier.",
        ),
    ]


BUILTIN_KEYS: frozenset[str] = frozenset(a.key for a in _builtin(2000, YearOverrides()))
# The joint activities the two organisations hold or take part in, public unless
# ``[calendar] publish`` in schedule.toml says otherwise. School holidays and risk
# weekends are planning facts for the newsletter, not events to put in a calendar.
DEFAULT_PUBLISHED: frozenset[str] = frozenset(
    {
        "brottsofferdagen",
        "anti-langning-valborg",
        "valborg-lecture",
        "anti-langning-skolavslutning",
        "tryggvedagen",
        "vecka-fri-fran-vald",
    }
)


def _sort_key(activity: Activity) -> tuple[date, date, str]:
    return (activity.start, activity.last_day, activity.key)


def activities_for_year(year: int, overrides: CalendarConfig = NO_OVERRIDES) -> list[Activity]:
    """Every activity of ``year`` by the rules, with ``overrides`` applied, sorted by date.

    Extra events from schedule.toml belong to the year they start in.
    """
    published = DEFAULT_PUBLISHED if overrides.published is None else overrides.published
    activities = [
        replace(a, public=a.key in published) for a in _builtin(year, overrides.overrides_for(year))
    ]
    activities += [event for event in overrides.events if event.start.year == year]
    return sorted(activities, key=_sort_key)


def activities_between(
    start: date, end: date, calendar: CalendarConfig = NO_OVERRIDES
) -> list[Activity]:
    """Activities that take place on some day in ``[start, end)``, across years.

    An activity that began before ``start`` but is still running is included: a reader
    can still join a campaign week that is under way. ``calendar`` is the calendar part
    of schedule.toml (``Schedule.calendar``): overrides per year and extra events.
    """
    return _between(start, end, lambda year: activities_for_year(year, calendar))


def _between(
    start: date, end: date, for_year: Callable[[int], Iterable[Activity]]
) -> list[Activity]:
    # A year's activities never start before 1 January of that year, but a range that
    # begins early in January may overlap one that started the previous December.
    found: list[Activity] = []
    for year in range(start.year - 1, end.year + 1):
        found += [a for a in for_year(year) if a.start < end and a.last_day >= start]
    return sorted(found, key=_sort_key)


def to_view(activity: Activity) -> ActivityView:
    """The renderer's view of an activity (the "Kommande aktiviteter" section)."""
    return ActivityView(
        start=activity.start,
        title=activity.title,
        end=activity.end,
        risk_weekend=activity.risk_weekend,
        description=activity.description,
        event_id=activity.event_id if activity.public else "",
    )
