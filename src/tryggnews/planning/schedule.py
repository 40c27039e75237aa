"""schedule.toml: the editorial plan as frozen data, validated in full when loaded.

The file has three parts (the repository's schedule.toml documents each field):
``[newsletter]`` (name, time zone, yearly minimum, default send time, sender, editors
and escalation contacts per organisation), ``[[issue]]`` entries (key, theme, title, a
send date absolute or relative to a calendar activity, deadline and reminder offsets)
and ``[calendar]`` (per-year overrides and extra events). ``load_schedule`` reports
every problem at once, each with file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tryggnews.content.organisations import SIGNING_ORGANISATIONS
from tryggnews.errors import ScheduleError
from tryggnews.planning.calendar import (
    Activity,
    CalendarConfig,
    activities_for_year,
)
from tryggnews.planning.schedule_calendar import read_calendar
from tryggnews.tomlfile.fields import Problems, Table, show, suggestion
from tryggnews.tomlfile.lines import LineLocator
from tryggnews.tomlfile.read import read_toml

_ISSUE_KEY = re.compile(r"(\d{4})-([1-9]\d*)")


@dataclass(frozen=True)
class Contacts:
    """Email addresses per organisation that signs off issues."""

    polis: tuple[str, ...]
    kommun: tuple[str, ...]

    def for_organisation(self, key: str) -> tuple[str, ...]:
        if key not in SIGNING_ORGANISATIONS:
            raise KeyError(key)
        return self.polis if key == "polis" else self.kommun

    @property
    def everyone(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.polis + self.kommun))


@dataclass(frozen=True)
class NewsletterSettings:
    """``[newsletter]``: the plan's fixed parameters."""

    name: str
    timezone: str
    min_issues_per_year: int
    default_send_time: time
    # From address of reminders and escalations to editors; the newsletter's own From
    # stays the TRYGGNEWS_SENDER_ADDRESS setting.
    sender_address: str
    reply_to: str | None
    administrators: tuple[str, ...]
    editors: Contacts
    escalation: Contacts
    deadline_days_before: int
    reminder_days_before_deadline: tuple[int, ...]
    # Complete an approved issue left thin at its deadline with reusable evergreen blocks.
    auto_fill: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class RelativeDate:
    """A send date written relative to a calendar activity's first day."""

    event: str
    days_before: int  # negative when written as days_after

    def describe(self) -> str:
        if self.days_before >= 0:
            return f"{self.days_before} days before {self.event}"
        return f"{-self.days_before} days after {self.event}"


@dataclass(frozen=True)
class PlannedIssue:
    """One ``[[issue]]`` entry with its dates resolved."""

    key: str
    year: int
    number: int
    title: str
    theme: str
    send_on: date
    send_rule: date | RelativeDate  # as written in the file
    send_at: datetime  # aware, in the schedule's time zone
    deadline_days_before: int
    reminder_days_before_deadline: tuple[int, ...]
    line: int | None = None  # of the [[issue]] header, for messages

    @property
    def deadline(self) -> date:
        """Last day for the organisations to deliver and approve their sections."""
        return self.send_on - timedelta(days=self.deadline_days_before)

    @property
    def reminder_dates(self) -> tuple[date, ...]:
        return tuple(
            self.deadline - timedelta(days=days) for days in self.reminder_days_before_deadline
        )


@dataclass(frozen=True)
class Schedule:
    """A loaded schedule.toml. ``issues`` are sorted by send time."""

    path: Path
    newsletter: NewsletterSettings
    issues: tuple[PlannedIssue, ...]
    calendar: CalendarConfig
    # When the plan was last revised (the file's modification time): the ICS DTSTAMP.
    revised_at: datetime

    @property
    def tz(self) -> ZoneInfo:
        return self.newsletter.tz

    def issues_in(self, year: int) -> tuple[PlannedIssue, ...]:
        return tuple(issue for issue in self.issues if issue.year == year)

    def issue(self, key: str) -> PlannedIssue | None:
        return next((issue for issue in self.issues if issue.key == key), None)

    def where(self, issue: PlannedIssue) -> str:
        """``schedule.toml:23``: where an issue is defined, to start a message with."""
        return f"{self.path}:{issue.line}" if issue.line is not None else str(self.path)


def load_schedule(path: Path) -> Schedule:
    """Read and validate ``path``; raise ``ScheduleError`` naming file and line of each problem.

    Checks syntax, unknown keys (typos), types, impossible dates, time zone, addresses,
    relative dates whose activity does not exist, send times in the DST hour (02:00–03:00),
    issue keys (``YEAR-N``, unique, sent within YEAR).
    """
    name = str(path)
    source, data = read_toml(
        path, error=ScheduleError, missing="pass --schedule FILE or set TRYGGNEWS_SCHEDULE"
    )
    try:
        revised_at = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0)
    except OSError as exc:
        raise ScheduleError(f"{name}: cannot be read ({exc.strerror})") from None

    problems = Problems(name, LineLocator(source), ScheduleError)
    root = Table(data, (), problems, "the file")
    newsletter_table = root.table("newsletter", "[newsletter]", required=True)
    calendar_table = root.table("calendar", "[calendar]")
    issue_tables = root.tables("issue", "[[issue]]")
    root.finish()

    newsletter = _read_newsletter(newsletter_table)
    calendar = read_calendar(calendar_table)
    issues = _read_issues(issue_tables, newsletter, calendar)
    problems.raise_if_any()
    return Schedule(
        path=path,
        newsletter=newsletter,
        issues=tuple(sorted(issues, key=lambda issue: (issue.send_at, issue.key))),
        calendar=calendar,
        revised_at=revised_at,
    )


def _read_newsletter(table: Table | None) -> NewsletterSettings:
    if table is None:  # already reported; a placeholder lets the issues be checked too
        table = Table(
            {}, ("newsletter",), Problems("", LineLocator(""), ScheduleError), "[newsletter]"
        )
    timezone = table.string("timezone", default="Europe/Stockholm")
    try:
        ZoneInfo(timezone)
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        table.problem("timezone", f"timezone {show(timezone)} is not a known time zone")
        timezone = "Europe/Stockholm"
    settings = NewsletterSettings(
        name=table.string("name"),
        timezone=timezone,
        min_issues_per_year=table.integer("min_issues_per_year", minimum=1),
        default_send_time=table.clock_time("default_send_time", time(8, 0)) or time(8, 0),
        sender_address=table.email("sender_address") or "",
        reply_to=table.email("reply_to", required=False),
        administrators=table.emails("administrators"),
        editors=_read_contacts(table.table("editors", "[newsletter.editors]", required=True)),
        escalation=_read_contacts(
            table.table("escalation", "[newsletter.escalation]", required=True)
        ),
        deadline_days_before=table.integer("deadline_days_before", default=10),
        reminder_days_before_deadline=table.day_offsets("reminder_days_before_deadline", (7, 2)),
        auto_fill=table.boolean("auto_fill", False),
    )
    table.finish()
    return settings


def _read_contacts(table: Table | None) -> Contacts:
    if table is None:
        return Contacts((), ())
    contacts = Contacts(polis=table.emails("polis"), kommun=table.emails("kommun"))
    table.finish()
    return contacts


def _read_issues(
    tables: list[Table], newsletter: NewsletterSettings, calendar: CalendarConfig
) -> list[PlannedIssue]:
    issues: list[PlannedIssue] = []
    first_line: dict[str, int | None] = {}
    calendars: dict[int, dict[str, Activity]] = {}
    for table in tables:
        issue = _read_issue(table, newsletter, calendar, calendars)
        key = table.data.get("key")
        if not isinstance(key, str):
            continue
        if key in first_line:
            table.problem(
                "key", f"issue key {show(key)} is used twice (also line {first_line[key]})"
            )
            continue
        first_line[key] = table.problems.locator.line_of(table.at("key"))
        if issue is not None:
            issues.append(issue)
    return issues


def _read_issue(
    table: Table,
    newsletter: NewsletterSettings,
    calendar: CalendarConfig,
    calendars: dict[int, dict[str, Activity]],
) -> PlannedIssue | None:
    key = table.string("key")
    title = table.string("title")
    theme = table.string("theme", default="")
    deadline_days = table.integer("deadline_days_before", default=newsletter.deadline_days_before)
    reminders = table.day_offsets(
        "reminder_days_before_deadline", newsletter.reminder_days_before_deadline
    )
    send_time = table.clock_time("send_time", default=newsletter.default_send_time)
    rule = _read_send_rule(table)
    table.finish()

    match = _ISSUE_KEY.fullmatch(key)
    if key and match is None:
        table.problem("key", f'issue key {show(key)} must look like "2027-1" (year-number)')
    if match is None or rule is None or send_time is None:
        return None
    year, number = int(match[1]), int(match[2])
    if isinstance(rule, RelativeDate):
        if year not in calendars:
            calendars[year] = {a.key: a for a in activities_for_year(year, calendar)}
        activity = calendars[year].get(rule.event)
        if activity is None:
            table.problem(
                "send_on",
                f"send_on refers to event {show(rule.event)}, which is not in the {year} "
                f"calendar{suggestion(rule.event, calendars[year])} "
                "(see `tryggnews calendar YEAR` for the keys)",
            )
            return None
        send_on = activity.start - timedelta(days=rule.days_before)
    else:
        send_on = rule
    if send_on.year != year:
        table.problem(
            "send_on", f"issue {key} is sent on {send_on.isoformat()}, which is not in {year}"
        )
        return None
    return PlannedIssue(
        key=key,
        year=year,
        number=number,
        title=title,
        theme=theme,
        send_on=send_on,
        send_rule=rule,
        send_at=datetime.combine(send_on, send_time, tzinfo=newsletter.tz),
        deadline_days_before=deadline_days,
        reminder_days_before_deadline=reminders,
        line=table.problems.locator.line_of(table.path),
    )


def _read_send_rule(table: Table) -> date | RelativeDate | None:
    if not table.has("send_on"):
        table.problems.add(table.path, "[[issue]] has no send_on (it is required)")
        return None
    value = table.data["send_on"]
    if not isinstance(value, dict):
        return table.check_date("send_on", value)
    relative = Table(value, table.at("send_on"), table.problems, "send_on = { ... }")
    event = relative.string("event")
    has_before, has_after = relative.has("days_before"), relative.has("days_after")
    if has_before == has_after:
        relative.problem(
            "event", "send_on = { ... } needs exactly one of days_before and days_after"
        )
    days_before = relative.integer("days_before", default=0, minimum=0)
    days_after = relative.integer("days_after", default=0, minimum=0)
    relative.finish()
    if not event or has_before == has_after:
        return None
    return RelativeDate(event, days_before if has_before else -days_after)
