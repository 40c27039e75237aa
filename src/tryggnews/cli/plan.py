"""`tryggnews calendar` and `tryggnews plan check|status`: the yearly plan on the command line."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

import click
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tryggnews import wiring
from tryggnews.cli.base import AppContext, cli, handle_errors, pass_app
from tryggnews.clock import SystemClock
from tryggnews.db.engine import normalise_url
from tryggnews.db.models import Issue, IssueStatus
from tryggnews.errors import ConfigError, TryggnewsError
from tryggnews.planning.calendar import Activity, activities_for_year
from tryggnews.planning.ics import calendar_to_ics
from tryggnews.planning.plan import check_plan, is_at_risk, plan_status
from tryggnews.planning.schedule import Schedule, load_schedule
from tryggnews.scheduler.approval import approval_state

T = TypeVar("T")

# Approved and on its way: not at risk even after the section deadline.
ON_TRACK = frozenset(
    {IssueStatus.APPROVED, IssueStatus.SCHEDULED, IssueStatus.SENDING, IssueStatus.PAUSED}
)

schedule_option = click.option(
    "--schedule",
    "schedule_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The plan to read (default: the TRYGGNEWS_SCHEDULE setting, ./schedule.toml).",
)
today_option = click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Judge the plan as on this date, YYYY-MM-DD (default: today in the plan's time zone).",
)
year_option = click.option(
    "--year",
    type=click.IntRange(1900, 2999),
    default=None,
    help="The year to look at (default: the current year).",
)


def _load(app: AppContext, schedule_path: Path | None) -> Schedule:
    return load_schedule(schedule_path or app.settings.schedule)


def _today(schedule: Schedule, today: datetime | None) -> date:
    if today is not None:
        return today.date()
    return SystemClock().now().astimezone(schedule.tz).date()


def format_activity(activity: Activity) -> str:
    """One line: ``2027-11-22–2027-11-28  En vecka fri från våld``, riskhelger marked."""
    dates = activity.start.isoformat()
    if activity.end is not None:
        dates += f"–{activity.end.isoformat()}"
    return f"{dates}  {activity.title}" + (" (riskhelg)" if activity.risk_weekend else "")


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader never sees a half-written file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except OSError as exc:
        raise TryggnewsError(f"cannot write {path}: {exc.strerror}") from None


def _sqlite_file_exists(database: str | None) -> bool:
    return bool(database) and database != ":memory:" and Path(str(database)).exists()


def _read_database(database_url: str, read: Callable[[Session], T]) -> T | None:
    """``read(session)``, or None when the database (or its issues table) is not created."""
    url = make_url(normalise_url(database_url))
    # Connecting would create an empty SQLite file: look before touching it.
    if url.get_backend_name() == "sqlite" and not _sqlite_file_exists(url.database):
        return None
    engine = wiring.engine(database_url)
    try:
        if not inspect(engine).has_table(Issue.__tablename__):
            return None
        with Session(engine) as session:
            return read(session)
    except SQLAlchemyError as exc:
        detail = getattr(exc, "orig", None) or exc
        raise ConfigError(f"cannot read the database: {type(exc).__name__}: {detail}") from None
    finally:
        engine.dispose()


def issue_states(database_url: str) -> dict[str, IssueStatus] | None:
    """State of each issue in the database by key; None when the database is not created."""

    def read(session: Session) -> dict[str, IssueStatus]:
        rows = session.execute(select(Issue.key, Issue.status)).all()
        return {key: IssueStatus(status) for key, status in rows}

    return _read_database(database_url, read)


@dataclass(frozen=True)
class IssueState:
    """An issue's stored status and what ``plan status`` shows for it."""

    status: IssueStatus
    label: str  # e.g. "waiting for police approval" (scheduler.approval decides)
    hold_reason: str | None


def issue_approval_states(database_url: str) -> dict[str, IssueState] | None:
    """Each issue's approval state by key; None when the database is not created."""

    def read(session: Session) -> dict[str, IssueState]:
        return {
            issue.key: IssueState(
                issue.status, approval_state(session, issue).value, issue.hold_reason
            )
            for issue in session.scalars(select(Issue))
        }

    return _read_database(database_url, read)


def _keys(states: dict[str, IssueStatus], wanted: Collection[IssueStatus]) -> set[str]:
    return {key for key, status in states.items() if status in wanted}


@cli.command("calendar")
@click.argument("year", type=click.IntRange(1900, 2999))
@schedule_option
@click.option(
    "--ics",
    "ics_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write an iCalendar file with the activities, send dates and section "
    "deadlines, for editors to subscribe to (Outlook, Google).",
)
@pass_app
@handle_errors
def calendar_command(
    app: AppContext, year: int, schedule_path: Path | None, ics_path: Path | None
) -> None:
    """List YEAR's activities (riskhelger marked), with the plan's overrides applied."""
    schedule = _load(app, schedule_path)
    for activity in activities_for_year(year, schedule.calendar):
        click.echo(format_activity(activity))
    if ics_path is not None:
        write_atomically(ics_path, calendar_to_ics(schedule, year))
        click.echo(f"Wrote {ics_path}", err=True)


@cli.group("plan")
def plan_group() -> None:
    """Check the yearly plan (schedule.toml) against the minimum number of issues."""


@plan_group.command("check")
@year_option
@schedule_option
@today_option
@pass_app
@handle_errors
def check_command(
    app: AppContext, year: int | None, schedule_path: Path | None, today: datetime | None
) -> None:
    """Fail (exit 2) with every reason the year's plan cannot keep the promise.

    Reasons: too few issues, an unsent issue whose date has passed, a deadline after
    its send date, two issues on one day. Prints the year's status line when all is well.
    """
    schedule = _load(app, schedule_path)
    day = _today(schedule, today)
    year = year or day.year
    states = issue_states(app.settings.database_url) or {}
    sent = _keys(states, {IssueStatus.SENT})
    problems = check_plan(schedule, year, today=day, sent_keys=sent)
    if problems:
        click.echo(f"Error: the plan for {year} fails the check:", err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(2)
    status = plan_status(
        schedule, year, today=day, sent_keys=sent, approved_keys=_keys(states, ON_TRACK)
    )
    click.echo(status.line)


@plan_group.command("status")
@year_option
@schedule_option
@today_option
@pass_app
@handle_errors
def status_command(
    app: AppContext, year: int | None, schedule_path: Path | None, today: datetime | None
) -> None:
    """Show each planned issue (key, send time, deadline, state) and the quota line.

    The state comes from the database: draft, waiting for police/kommun approval,
    approved, scheduled, sending, paused, held (with the reason on the next line) or
    sent; "not created" means no issue with that key exists there yet.
    """
    schedule = _load(app, schedule_path)
    day = _today(schedule, today)
    year = year or day.year
    found = issue_approval_states(app.settings.database_url)
    if found is None:
        click.echo("Database: not created yet.")
        found = {}
    states = {key: state.status for key, state in found.items()}
    sent = _keys(states, {IssueStatus.SENT})
    approved = _keys(states, ON_TRACK)
    for issue in schedule.issues_in(year):
        stored = found.get(issue.key)
        state = stored.label if stored is not None else "not created"
        if is_at_risk(issue, today=day, sent_keys=sent, approved_keys=approved):
            state += ", at risk"
        click.echo(
            f"{issue.key}  {issue.send_at:%Y-%m-%d %H:%M}  deadline {issue.deadline.isoformat()}"
            f"  {state}  {issue.title}"
        )
        if stored is not None and stored.hold_reason and stored.status == IssueStatus.HELD:
            click.echo(f"        held: {stored.hold_reason}")
    click.echo(plan_status(schedule, year, today=day, sent_keys=sent, approved_keys=approved).line)
