"""Planning: schedule.toml, the activity calendar, the yearly quota and the ICS export."""

from tryggnews.planning.calendar import (
    Activity,
    CalendarConfig,
    YearOverrides,
    activities_between,
    activities_for_year,
    to_view,
)
from tryggnews.planning.ics import calendar_to_ics
from tryggnews.planning.plan import (
    YearStatus,
    activities_for_issue,
    check_plan,
    is_at_risk,
    next_planned_issue,
    plan_status,
)
from tryggnews.planning.schedule import (
    Contacts,
    NewsletterSettings,
    PlannedIssue,
    RelativeDate,
    Schedule,
    load_schedule,
)

__all__ = [
    "Activity",
    "CalendarConfig",
    "Contacts",
    "NewsletterSettings",
    "PlannedIssue",
    "RelativeDate",
    "Schedule",
    "YearOverrides",
    "YearStatus",
    "activities_between",
    "activities_for_issue",
    "activities_for_year",
    "calendar_to_ics",
    "check_plan",
    "is_at_risk",
    "load_schedule",
    "next_planned_issue",
    "plan_status",
    "to_view",
]
