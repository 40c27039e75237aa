"""The yearly plan against the promise: at least N issues a year, each one feasible.

Words used here and in the CLI:
- *planned*: an ``[[issue]]`` of the year that has not been sent;
- *at risk*: a planned issue whose section deadline has passed without the issue being
  approved (it was not in ``approved_keys``) — it will not go out on time unless someone
  acts now; an at-risk issue is still counted as planned;
- *sent*: an issue of the year that went out, planned or not (the quota counts both).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tryggnews.planning.calendar import Activity, activities_between
from tryggnews.planning.schedule import PlannedIssue, Schedule


@dataclass(frozen=True)
class YearStatus:
    """How a year stands against the minimum."""

    year: int
    sent: int
    planned: int
    at_risk: int
    minimum: int

    @property
    def reachable(self) -> bool:
        """Whether sent plus planned issues can still reach the minimum."""
        return self.sent + self.planned >= self.minimum

    @property
    def line(self) -> str:
        """E.g. ``2027: 1 sent, 3 planned, 1 at risk — minimum 4``."""
        return (
            f"{self.year}: {self.sent} sent, {self.planned} planned, {self.at_risk} at risk"
            f" — minimum {self.minimum}"
        )


def _sent_outside_plan(schedule: Schedule, year: int, sent_keys: Collection[str]) -> int:
    # An extra issue sent without an [[issue]] entry still keeps the promise; its key
    # starts with its year like every issue key.
    planned = {issue.key for issue in schedule.issues}
    return sum(1 for key in sent_keys if key not in planned and key.startswith(f"{year}-"))


def is_at_risk(
    issue: PlannedIssue, *, today: date, sent_keys: Collection[str], approved_keys: Collection[str]
) -> bool:
    """Unsent, not approved, and its section deadline has passed."""
    return issue.key not in sent_keys and issue.key not in approved_keys and today > issue.deadline


def plan_status(
    schedule: Schedule,
    year: int,
    *,
    today: date,
    sent_keys: Collection[str],
    approved_keys: Collection[str] = (),
) -> YearStatus:
    """Count the year's sent, planned and at-risk issues (see the module docstring).

    ``approved_keys`` are issues approved or scheduled but not yet sent: they are on
    track even after their deadline.
    """
    issues = schedule.issues_in(year)
    unsent = [issue for issue in issues if issue.key not in sent_keys]
    return YearStatus(
        year=year,
        sent=len(issues) - len(unsent) + _sent_outside_plan(schedule, year, sent_keys),
        planned=len(unsent),
        at_risk=sum(
            is_at_risk(issue, today=today, sent_keys=sent_keys, approved_keys=approved_keys)
            for issue in unsent
        ),
        minimum=schedule.newsletter.min_issues_per_year,
    )


def check_plan(
    schedule: Schedule, year: int, *, today: date, sent_keys: Collection[str]
) -> list[str]:
    """Every reason the year's plan cannot keep the promise; an empty list when it can.

    Reports: fewer issues (sent or planned) than the minimum, an unsent issue whose send
    date is before ``today``, a section deadline after its send date, two issues sent on
    the same day. (A relative date naming a missing activity fails ``load_schedule``.)
    """
    problems: list[str] = []
    issues = schedule.issues_in(year)
    minimum = schedule.newsletter.min_issues_per_year
    total = len(issues) + _sent_outside_plan(schedule, year, sent_keys)
    if total < minimum:
        problems.append(
            f"{schedule.path}: {year} has {total} issue{'s' if total != 1 else ''} "
            f"planned or sent, the minimum is {minimum} — add [[issue]] entries"
        )
    for issue in issues:
        where = schedule.where(issue)
        if issue.key not in sent_keys and issue.send_on < today:
            problems.append(
                f"{where}: issue {issue.key} is not sent and its send date "
                f"{issue.send_on.isoformat()} has passed — move it to a future date"
            )
        if issue.deadline > issue.send_on:
            problems.append(
                f"{where}: issue {issue.key} has its section deadline "
                f"{issue.deadline.isoformat()} after its send date {issue.send_on.isoformat()}"
            )
    by_day: dict[date, PlannedIssue] = {}
    for issue in issues:
        other = by_day.setdefault(issue.send_on, issue)
        if other is not issue:
            problems.append(
                f"{schedule.where(issue)}: issues {other.key} and {issue.key} are both sent on "
                f"{issue.send_on.isoformat()} — one issue a day"
            )
    return problems


def next_planned_issue(
    schedule: Schedule, now: datetime, *, sent_keys: Collection[str] = ()
) -> PlannedIssue | None:
    """The first issue, not in ``sent_keys``, whose send time is at or after ``now``."""
    if now.tzinfo is None:
        raise ValueError("next_planned_issue needs a timezone-aware datetime")
    return next((i for i in schedule.issues if i.send_at >= now and i.key not in sent_keys), None)


# When no later issue is planned, "Kommande aktiviteter" looks this far ahead.
DEFAULT_HORIZON = timedelta(days=92)


def activities_for_issue(schedule: Schedule, issue: PlannedIssue) -> list[Activity]:
    """The "Kommande aktiviteter" of a planned issue."""
    return upcoming_activities(schedule, issue.send_on)


def upcoming_activities(schedule: Schedule, send_on: date) -> list[Activity]:
    """Activities from ``send_on`` until the next planned issue (or a default horizon)."""
    later = [other.send_on for other in schedule.issues if other.send_on > send_on]
    end = min(later) if later else send_on + DEFAULT_HORIZON
    return activities_between(send_on, end, schedule.calendar)
