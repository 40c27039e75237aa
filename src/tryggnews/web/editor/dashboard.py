"""The year at a glance: planned issues, deadlines, approvals, the quota, what is coming."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.content.approvals import SENDABLE, approvals_summary
from tryggnews.content.issues import list_issues
from tryggnews.content.vocabulary_usage import key_usage
from tryggnews.db.models import DeliveryStatus, Issue, IssueStatus, SubscriberStatus
from tryggnews.delivery.ledger import ledger_counts
from tryggnews.planning.calendar import Activity, activities_between
from tryggnews.planning.plan import YearStatus, next_planned_issue, plan_status
from tryggnews.planning.schedule import PlannedIssue
from tryggnews.web.editor.guard import current_user, db, now
from tryggnews.web.editor.services import services
from tryggnews.web.editor.waiting import waiting_for_organisation

bp = Blueprint("dashboard", __name__, url_prefix="/redaktion")
STOCKHOLM = ZoneInfo("Europe/Stockholm")
ACTIVITY_DAYS = 60


@dataclass(frozen=True)
class PlanRow:
    """One line of the year's table: a planned issue, its database issue, or both."""

    key: str
    title: str
    send_on: date | None
    deadline: date | None
    issue: Issue | None
    approved_by: frozenset[str]
    planned: bool


@dataclass(frozen=True)
class LastSend:
    issue: Issue
    sent: int
    bounced: int
    failed: int
    outstanding: int


def quota_line(status: YearStatus) -> str:
    """``2027: 1 skickat, 3 planerade – minst 4`` (plus how many are at risk)."""
    sent = f"{status.sent} {'skickat' if status.sent == 1 else 'skickade'}"
    planned = f"{status.planned} {'planerat' if status.planned == 1 else 'planerade'}"
    line = f"{status.year}: {sent}, {planned} – minst {status.minimum}"
    if status.at_risk:
        line += f" ({status.at_risk} har passerat sin deadline utan godkännande)"
    return line


@bp.get("/", endpoint="index")
def index() -> str:
    session = db()
    moment = now()
    today = moment.astimezone(STOCKHOLM).date()
    schedule = services().schedule()
    all_issues = list_issues(session)
    sent_keys = {i.key for i in all_issues if i.status is IssueStatus.SENT}
    # Opens on the year of the next planned issue: in December that is next year.
    upcoming = next_planned_issue(schedule, moment, sent_keys=sent_keys) if schedule else None
    year = request.args.get("ar", type=int) or (upcoming.year if upcoming else today.year)
    approved_keys = {i.key for i in all_issues if i.status in SENDABLE}
    issues = [i for i in all_issues if i.year == year]
    approved = approvals_summary(session, issues)
    rows = _rows(schedule.issues_in(year) if schedule else (), issues, approved)
    status = (
        plan_status(schedule, year, today=today, sent_keys=sent_keys, approved_keys=approved_keys)
        if schedule
        else None
    )
    activities: list[Activity] = (
        activities_between(today, today + timedelta(days=ACTIVITY_DAYS), schedule.calendar)
        if schedule
        else []
    )
    return render_template(
        "editor/dashboard.html",
        year=year,
        today=today,
        rows=rows,
        quota=quota_line(status) if status else None,
        reachable=status.reachable if status else True,
        activities=activities,
        last_send=_last_send(session),
        audiences=_subscribers_by_audience(session, services().vocabulary.audiences),
        waiting=waiting_for_organisation(session, schedule, current_user().organisation_key, today),
        organisation_name=current_user().organisation.name,
        existing_keys={i.key for i in all_issues},
    )


def _rows(
    planned: tuple[PlannedIssue, ...], issues: list[Issue], approved: dict[int, set[str]]
) -> list[PlanRow]:
    by_key = {issue.key: issue for issue in issues}
    rows = []
    for plan in planned:
        issue = by_key.pop(plan.key, None)
        rows.append(
            PlanRow(
                key=plan.key,
                title=issue.title if issue else plan.title,
                send_on=_local_day(issue.planned_send_at)
                if issue and issue.planned_send_at
                else plan.send_on,
                deadline=plan.deadline,
                issue=issue,
                approved_by=frozenset(approved.get(issue.id, ())) if issue else frozenset(),
                planned=True,
            )
        )
    for issue in by_key.values():
        rows.append(
            PlanRow(
                key=issue.key,
                title=issue.title,
                send_on=_local_day(issue.planned_send_at) if issue.planned_send_at else None,
                deadline=None,
                issue=issue,
                approved_by=frozenset(approved.get(issue.id, ())),
                planned=False,
            )
        )
    return sorted(rows, key=lambda r: (r.send_on or date.max, r.key))


def _local_day(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()


def _last_send(session: Session) -> LastSend | None:
    issue = session.scalar(
        select(Issue)
        .where(Issue.status.in_([IssueStatus.SENT, IssueStatus.SENDING, IssueStatus.PAUSED]))
        .order_by(Issue.sent_at.desc().nulls_first(), Issue.updated_at.desc())
        .limit(1)
    )
    if issue is None:
        return None
    counts = ledger_counts(session, issue.id)
    return LastSend(
        issue=issue,
        sent=counts[DeliveryStatus.SENT],
        bounced=counts[DeliveryStatus.BOUNCED],
        failed=counts[DeliveryStatus.FAILED],
        outstanding=counts[DeliveryStatus.PENDING]
        + counts[DeliveryStatus.CLAIMED]
        + counts[DeliveryStatus.RETRY],
    )


def _subscribers_by_audience(
    session: Session, audiences: Mapping[str, str]
) -> list[tuple[str, int]]:
    """Active subscribers per audience (one person counts once in each audience chosen)."""
    usage = key_usage(session, [SubscriberStatus.ACTIVE])
    counts, total = usage.audiences, usage.subscribers
    result = [(label, counts[key]) for key, label in audiences.items()]
    # A key audiences.toml no longer declares: nobody can aim a block at these people.
    result += [
        (f"”{key}” (finns inte längre i audiences.toml)", counts[key])
        for key in sorted(set(counts) - set(audiences))
    ]
    result.append(("Totalt, aktiva prenumeranter", total))
    return result
