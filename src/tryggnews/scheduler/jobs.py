"""The scheduler's jobs: each looks at the database and the plan as of ``clock.now()``,
does what is due, and can run again at any time without doing anything twice.

That is what makes the scheduler safe across restarts, downtime and DST: the
APScheduler triggers (``runner``) only decide *when to look*; what is due is decided
here from stored state — an issue's ``planned_send_at`` (an instant, in UTC), the
plan's dates in its time zone, the ``notifications`` already sent, the ledger.

Words used below:
- *deadline end*: midnight after the section deadline (local time), when a deadline
  has passed;
- *grace*: after downtime, an issue whose send time passed less than this long ago is
  still sent; older ones are held (setting ``send_grace_hours``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property, partial
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock
from tryggnews.content.approvals import ApprovalError
from tryggnews.content.issues import add_block, issue_blocks
from tryggnews.content.organisations import SIGNING_ORGANISATIONS
from tryggnews.db.models import (
    Block,
    BlockStatus,
    Delivery,
    DeliveryStatus,
    Issue,
    IssueBlock,
    IssueStatus,
)
from tryggnews.delivery.sender import SendSummary
from tryggnews.errors import LintError, TryggnewsError
from tryggnews.planning.plan import plan_status
from tryggnews.planning.schedule import PlannedIssue, Schedule
from tryggnews.publishing import Publisher
from tryggnews.render.dates import format_day
from tryggnews.scheduler.approval import (
    APPROVED_STATES,
    SETTLED_STATES,
    is_approved,
    reusable_evergreen_blocks,
    waiting_for,
)
from tryggnews.scheduler.notices import (
    Notice,
    Notifier,
    autofill_notice,
    escalation_notice,
    grace_text,
    held_notice,
    local_moment,
    next_year_notice,
    organisation_names,
    quota_notice,
    reminder_notice,
)
from tryggnews.subscribers.gdpr import purge_unconfirmed
from tryggnews.subscribers.tokens import TokenSigner
from tryggnews.transports.base import Transport

log = logging.getLogger("tryggnews.scheduler")

# Reminders go out from this local time on their day (not at midnight).
NOTICE_TIME = time(8, 0)
# The quota watchdog looks once a day from this local time.
QUOTA_TIME = time(9, 0)
# From this (month, day) it also asks, once a week, for next year's plan: the year's
# first issue goes out in February, with its section deadline ten days earlier.
NEXT_YEAR_PLAN_FROM = (10, 1)
# An approved issue with fewer approved blocks than this is "thin" (see fill_with_evergreen).
THIN_ISSUE_BLOCKS = 3
# Not yet sent, not held: the scheduler decides about these when their time comes.
WAITING_TO_SEND = (IssueStatus.DRAFT, IssueStatus.APPROVED, IssueStatus.SCHEDULED)


@dataclass(frozen=True)
class Action:
    """One thing a job did (or failed to do), for the log and ``scheduler --once``."""

    kind: str  # sent, held, scheduled, retried, filled, reminder, escalation, quota, purged, error
    subject: str  # an issue key, a year, or a job name
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.kind == "error"

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}" + (f": {self.detail}" if self.detail else "")


@dataclass
class Sending:
    """What ``Publisher.send`` needs besides the issue; the publisher is built on first use."""

    make_publisher: Callable[[], Publisher]
    transport: Transport
    signer: TokenSigner
    worker_id: str
    batch_size: int

    @cached_property
    def publisher(self) -> Publisher:
        return self.make_publisher()

    def send(self, session_factory: sessionmaker[Session], key: str, clock: Clock) -> SendSummary:
        return self.publisher.send(
            session_factory,
            key,
            transport=self.transport,
            signer=self.signer,
            clock=clock,
            worker_id=self.worker_id,
            batch_size=self.batch_size,
            require_approval=True,
        )


def at_local(day: date, moment: time, tz: ZoneInfo) -> datetime:
    """``day`` at wall-clock ``moment`` in ``tz`` (never in the DST hour: 08:00, 09:00)."""
    return datetime.combine(day, moment, tzinfo=tz)


def deadline_end(planned: PlannedIssue, tz: ZoneInfo) -> datetime:
    """The instant the section deadline has passed: midnight after the deadline day."""
    return at_local(planned.deadline + timedelta(days=1), time(0, 0), tz)


def _issue(session: Session, key: str) -> Issue | None:
    return session.scalar(select(Issue).where(Issue.key == key))


# --- sending -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hold:
    reason: str
    recipients: tuple[str, ...]


def send_due_issues(
    session_factory: sessionmaker[Session],
    clock: Clock,
    *,
    sending: Sending,
    notifier: Notifier | None,
    schedule: Schedule | None,
    grace: timedelta,
) -> list[Action]:
    """Send every issue whose planned time has come, or hold it and say why.

    An issue not approved at its time is held (``hold_reason`` in Swedish) and both
    organisations' escalation contacts and the administrators are told. One whose
    time passed more than ``grace`` ago (the scheduler was down) is held and the
    administrators are told. One that fails the pre-send checks is held and the
    editors are told. The rest go through ``Publisher.send``, the one sending path.
    """
    now = clock.now()
    with session_factory() as session:
        due = list(
            session.scalars(
                select(Issue)
                .where(Issue.planned_send_at <= now, Issue.status.in_(WAITING_TO_SEND))
                .order_by(Issue.planned_send_at, Issue.id)
            )
        )
        decisions = [(issue, _decide(session, issue, now, grace, schedule)) for issue in due]
    actions: list[Action] = []
    for issue, hold in decisions:
        if hold is None:
            actions += _send(session_factory, clock, issue, sending, notifier, schedule)
        else:
            actions += _hold(session_factory, clock, issue, hold, notifier)
    return actions


def _decide(
    session: Session, issue: Issue, now: datetime, grace: timedelta, schedule: Schedule | None
) -> _Hold | None:
    assert issue.planned_send_at is not None  # selected by planned_send_at <= now
    tz = ZoneInfo(issue.timezone)
    at = local_moment(issue.planned_send_at, tz)
    newsletter = schedule.newsletter if schedule is not None else None
    if not is_approved(session, issue):
        waiting = waiting_for(session, issue) or tuple(SIGNING_ORGANISATIONS)
        return _Hold(
            f"Inte godkänt av {organisation_names(waiting)} vid utskickstiden {at}.",
            newsletter.escalation.everyone + newsletter.administrators if newsletter else (),
        )
    late = now - issue.planned_send_at
    if late > grace:
        hours = int(late.total_seconds() // 3600)
        return _Hold(
            f"Utskickstiden {at} passerade för {hours} timmar sedan medan schemaläggaren "
            f"inte körde, mer än de {grace_text(grace)} som ett utskick får bli försenat. "
            "Kontrollera att innehållet fortfarande stämmer innan det skickas.",
            newsletter.administrators if newsletter else (),
        )
    return None


def _send(
    session_factory: sessionmaker[Session],
    clock: Clock,
    issue: Issue,
    sending: Sending,
    notifier: Notifier | None,
    schedule: Schedule | None,
) -> list[Action]:
    newsletter = schedule.newsletter if schedule is not None else None
    try:
        summary = sending.send(session_factory, issue.key, clock)
    except LintError as exc:
        reason = "Klarar inte kontrollerna före utskick: " + "; ".join(exc.problems)
        recipients = newsletter.editors.everyone + newsletter.administrators if newsletter else ()
        return _hold(session_factory, clock, issue, _Hold(reason, recipients), notifier)
    except ApprovalError as exc:
        # An approval withdrawn (or an edit saved) after the check above: the send
        # transaction saw it and sent nothing.
        recipients = (
            newsletter.escalation.everyone + newsletter.administrators if newsletter else ()
        )
        return _hold(session_factory, clock, issue, _Hold(str(exc), recipients), notifier)
    except TryggnewsError as exc:
        return [Action("error", issue.key, f"sending failed: {exc}")]
    detail = f"{summary.accepted_now} messages accepted"
    if not summary.complete:
        detail += f", {summary.retrying} waiting to be retried"
    return [Action("sent", issue.key, detail)]


def _hold(
    session_factory: sessionmaker[Session],
    clock: Clock,
    issue: Issue,
    hold: _Hold,
    notifier: Notifier | None,
) -> list[Action]:
    now = clock.now()
    with session_factory.begin() as session:
        # Conditional: an issue someone sent or changed meanwhile is left alone.
        held = session.execute(
            update(Issue)
            .where(Issue.id == issue.id, Issue.status.in_(WAITING_TO_SEND))
            .values(status=IssueStatus.HELD, hold_reason=hold.reason, updated_at=now)
            .returning(Issue.id)
            .execution_options(synchronize_session=False)
        ).first()
    if held is None:
        return []
    actions = [Action("held", issue.key, hold.reason)]
    assert issue.planned_send_at is not None
    if notifier is None or not hold.recipients:
        actions.append(Action("error", issue.key, "nobody told: no schedule with recipients"))
        return actions
    notice = held_notice(
        issue.key,
        issue.title,
        issue.planned_send_at,
        ZoneInfo(issue.timezone),
        hold.reason,
        hold.recipients,
        link=notifier.link(issue.key),
        name=notifier.from_name,
    )
    return actions + _deliver(session_factory, notifier, notice, now, "held-notice", issue.key)


def retry_due_deliveries(
    session_factory: sessionmaker[Session], clock: Clock, *, sending: Sending
) -> list[Action]:
    """Resume every issue in ``sending`` that has ledger rows to send now.

    Due rows: ``retry`` whose ``next_attempt_at`` has come, and — after a crash —
    ``pending`` rows and ``claimed`` rows whose claim ran out. ``paused`` issues are
    left alone. ``Publisher.send`` resumes from the ledger: nothing is sent twice.
    """
    now = clock.now()
    due_row = and_(
        Delivery.issue_id == Issue.id,
        or_(
            Delivery.status == DeliveryStatus.PENDING,
            and_(
                Delivery.status == DeliveryStatus.RETRY,
                or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
            ),
            and_(Delivery.status == DeliveryStatus.CLAIMED, Delivery.claimed_until < now),
        ),
    )
    with session_factory() as session:
        keys = list(
            session.scalars(
                select(Issue.key)
                .where(Issue.status == IssueStatus.SENDING, exists().where(due_row))
                .order_by(Issue.id)
            )
        )
    actions: list[Action] = []
    for key in keys:
        try:
            summary = sending.send(session_factory, key, clock)
        except TryggnewsError as exc:
            actions.append(Action("error", key, f"retry failed: {exc}"))
            continue
        detail = f"{summary.accepted_now} messages accepted"
        if summary.retrying:
            detail += f", {summary.retrying} waiting to be retried"
        actions.append(Action("retried", key, detail))
    return actions


def schedule_approved_issues(
    session_factory: sessionmaker[Session], clock: Clock
) -> tuple[list[Action], dict[str, datetime]]:
    """Mark approved issues with a future send time ``scheduled``; return every send to come.

    The returned map (issue key → planned instant, UTC) is what the runner turns into
    one date job per issue.
    """
    now = clock.now()
    actions: list[Action] = []
    upcoming: dict[str, datetime] = {}
    with session_factory.begin() as session:
        issues = session.scalars(
            select(Issue)
            .where(Issue.status.in_(APPROVED_STATES), Issue.planned_send_at > now)
            .order_by(Issue.planned_send_at)
        )
        for issue in issues:
            if not is_approved(session, issue):
                continue
            assert issue.planned_send_at is not None
            upcoming[issue.key] = issue.planned_send_at
            if issue.status == IssueStatus.APPROVED:
                issue.status = IssueStatus.SCHEDULED
                at = local_moment(issue.planned_send_at, ZoneInfo(issue.timezone))
                actions.append(Action("scheduled", issue.key, at))
    return actions, upcoming


# --- evergreen fill ------------------------------------------------------------------


def fill_with_evergreen(
    session_factory: sessionmaker[Session],
    clock: Clock,
    *,
    schedule: Schedule,
    notifier: Notifier | None,
    grace: timedelta,
) -> list[Action]:
    """With ``auto_fill = true``: complete approved issues left thin at their deadline.

    An issue approved by both organisations whose deadline has passed, which is not
    sent yet and has fewer than ``THIN_ISSUE_BLOCKS`` approved blocks, gets reusable
    evergreen blocks (``reusable_evergreen_blocks``; the least used first) until it has
    enough. Nothing else is ever added: a block that is not approved for reuse never
    goes out this way. The editors and administrators are told what was added.
    """
    if not schedule.newsletter.auto_fill:
        return []
    now = clock.now()
    actions: list[Action] = []
    for planned in schedule.issues:
        if now < deadline_end(planned, schedule.tz) or now > planned.send_at + grace:
            continue
        with session_factory.begin() as session:
            issue = _issue(session, planned.key)
            if issue is None or not is_approved(session, issue):
                continue
            added = _fill(session, issue)
            version = issue.version
        if not added:
            continue
        actions.append(Action("filled", planned.key, ", ".join(f"block {i}" for i, _ in added)))
        if notifier is not None:
            notice = autofill_notice(
                planned.key,
                version,
                [title for _, title in added],
                schedule.newsletter.editors.everyone + schedule.newsletter.administrators,
                link=notifier.link(planned.key),
                name=schedule.newsletter.name,
            )
            actions += _deliver(session_factory, notifier, notice, now, "autofill", planned.key)
    return actions


def _fill(session: Session, issue: Issue) -> list[tuple[int, str]]:
    blocks = issue_blocks(issue)
    missing = THIN_ISSUE_BLOCKS - sum(1 for b in blocks if b.status == BlockStatus.APPROVED)
    if missing <= 0:
        return []
    placed = {b.id for b in blocks}
    usage: dict[int, int] = {
        block_id: count
        for block_id, count in session.execute(
            select(IssueBlock.block_id, func.count()).group_by(IssueBlock.block_id)
        ).all()
    }
    candidates = [b for b in reusable_evergreen_blocks(session) if b.id not in placed]
    candidates.sort(key=lambda b: (usage.get(b.id, 0), b.id))
    chosen: list[Block] = candidates[:missing]
    for block in chosen:
        add_block(session, issue, block)
    return [(b.id, b.title) for b in chosen]


# --- reminders and escalations ---------------------------------------------------------


def send_reminders(
    session_factory: sessionmaker[Session],
    clock: Clock,
    *,
    schedule: Schedule,
    notifier: Notifier,
) -> list[Action]:
    """Remind each organisation's editors, at the plan's offsets before a section deadline.

    Only organisations that have not approved are reminded; after downtime only the
    latest reminder that fell due is sent (one email, not a backlog). Each
    (issue, organisation, reminder day) goes out once.
    """
    now = clock.now()
    actions: list[Action] = []
    for planned in schedule.issues:
        if now >= deadline_end(planned, schedule.tz):
            continue
        due = [d for d in planned.reminder_dates if at_local(d, NOTICE_TIME, schedule.tz) <= now]
        if not due:
            continue
        day = max(due)
        with session_factory() as session:
            issue = _issue(session, planned.key)
            if issue is not None and issue.status in SETTLED_STATES:
                continue
            waiting = tuple(SIGNING_ORGANISATIONS) if issue is None else waiting_for(session, issue)
        for organisation in waiting:
            notice = reminder_notice(
                planned,
                organisation,
                schedule.newsletter.editors.for_organisation(organisation),
                reminder_day=day.isoformat(),
                link=notifier.link(planned.key),
                name=schedule.newsletter.name,
                exists=issue is not None,
            )
            actions += _deliver(session_factory, notifier, notice, now, "reminder", planned.key)
    return actions


def escalate_missed_deadlines(
    session_factory: sessionmaker[Session],
    clock: Clock,
    *,
    schedule: Schedule,
    notifier: Notifier,
    grace: timedelta,
) -> list[Action]:
    """Tell both organisations' escalation contacts when a deadline passed unapproved.

    Also when the plan's issue does not exist in the database by its deadline (then
    the administrators, who create issues, are told too). Once per issue, and only
    while it can still go out (until its send time plus ``grace``).
    """
    now = clock.now()
    newsletter = schedule.newsletter
    actions: list[Action] = []
    for planned in schedule.issues:
        if now < deadline_end(planned, schedule.tz) or now > planned.send_at + grace:
            continue
        with session_factory() as session:
            issue = _issue(session, planned.key)
            if issue is not None and (issue.status in SETTLED_STATES):
                continue
            waiting = tuple(SIGNING_ORGANISATIONS) if issue is None else waiting_for(session, issue)
        if not waiting:
            continue
        recipients = newsletter.escalation.everyone
        if issue is None:
            recipients += newsletter.administrators
        notice = escalation_notice(
            planned,
            waiting,
            recipients,
            link=notifier.link(planned.key),
            name=newsletter.name,
            exists=issue is not None,
            minimum=newsletter.min_issues_per_year,
        )
        actions += _deliver(session_factory, notifier, notice, now, "escalation", planned.key)
    return actions


# --- the quota watchdog --------------------------------------------------------------------


def check_quota(
    session_factory: sessionmaker[Session],
    clock: Clock,
    *,
    schedule: Schedule,
    notifier: Notifier,
    grace: timedelta,
) -> list[Action]:
    """From 09:00 local, once a day: alert the administrators when this year's sent
    issues plus those that can still go out are fewer than ``min_issues_per_year``.

    "Can still go out": not sent, not held, and its send time has not passed by more
    than ``grace`` (or it is being sent). Issues in the database that are not in the
    plan count too. From 1 October, also once a week while next year's plan holds
    fewer issues than the minimum.
    """
    now = clock.now()
    local = now.astimezone(schedule.tz)
    if local.time() < QUOTA_TIME:
        return []
    return _check_this_year(session_factory, now, schedule, notifier, grace) + _check_next_year(
        session_factory, now, schedule, notifier
    )


def _check_next_year(
    session_factory: sessionmaker[Session], now: datetime, schedule: Schedule, notifier: Notifier
) -> list[Action]:
    local = now.astimezone(schedule.tz)
    if (local.month, local.day) < NEXT_YEAR_PLAN_FROM:
        return []
    year = local.year + 1
    planned = [issue.key for issue in schedule.issues_in(year)]
    minimum = schedule.newsletter.min_issues_per_year
    if len(planned) >= minimum:
        return []
    iso = local.isocalendar()
    notice = next_year_notice(
        year,
        planned,
        minimum,
        schedule.newsletter.administrators,
        week=f"{iso.year}-W{iso.week:02d}",
        name=schedule.newsletter.name,
    )
    return _deliver(session_factory, notifier, notice, now, "quota", str(year))


def _check_this_year(
    session_factory: sessionmaker[Session],
    now: datetime,
    schedule: Schedule,
    notifier: Notifier,
    grace: timedelta,
) -> list[Action]:
    local = now.astimezone(schedule.tz)
    year = local.year
    with session_factory() as session:
        rows = session.execute(
            select(Issue.key, Issue.year, Issue.status, Issue.planned_send_at)
        ).all()
        states = {key: (y, status, at) for key, y, status, at in rows}
    sent = {key for key, (_, status, _) in states.items() if status == IssueStatus.SENT}
    status = plan_status(schedule, year, today=local.date(), sent_keys=sent)

    def possible(status_: IssueStatus | None, at: datetime | None) -> bool:
        if status_ in (IssueStatus.SENDING, IssueStatus.PAUSED):
            return True
        if status_ in (IssueStatus.SENT, IssueStatus.HELD):
            return False
        return at is not None and at + grace >= now

    lines: list[str] = []
    count = 0
    for planned in schedule.issues_in(year):
        _, state, at = states.get(planned.key, (year, None, None))
        ok = planned.key not in sent and possible(state, at or planned.send_at)
        count += ok
        lines.append(f"- {planned.key} {format_day(planned.send_on)}: {_quota_word(state, ok)}")
    planned_keys = {p.key for p in schedule.issues}
    for key, (issue_year, state, at) in sorted(states.items()):
        if issue_year == year and key not in planned_keys and possible(state, at):
            count += 1
            lines.append(f"- {key} (utanför planen): kan gå ut")
    if status.sent + count >= status.minimum:
        return []
    notice = quota_notice(
        status,
        count,
        lines,
        schedule.newsletter.administrators,
        day=local.date().isoformat(),
        name=schedule.newsletter.name,
    )
    return _deliver(session_factory, notifier, notice, now, "quota", str(year))


def _quota_word(state: IssueStatus | None, possible: bool) -> str:
    if state == IssueStatus.SENT:
        return "skickat"
    if state == IssueStatus.HELD:
        return "stoppat"
    if not possible:
        return "utskickstiden har passerat"
    return "kan gå ut" if state is not None else "kan gå ut (inte skapat ännu)"


# --- housekeeping --------------------------------------------------------------------


def purge_unconfirmed_signups(
    session_factory: sessionmaker[Session], clock: Clock, *, older_than: timedelta
) -> list[Action]:
    """Delete sign-ups never confirmed after ``older_than`` (``purge_unconfirmed_days``)."""
    with session_factory.begin() as session:
        count = purge_unconfirmed(session, now=clock.now(), older_than=older_than)
    return [Action("purged", "sign-ups", f"{count} never confirmed")] if count else []


# --- helpers --------------------------------------------------------------------------


def _deliver(
    session_factory: sessionmaker[Session],
    notifier: Notifier,
    notice: Notice,
    now: datetime,
    kind: str,
    subject: str,
) -> list[Action]:
    try:
        delivered = notifier.deliver(session_factory, notice, now=now)
    except TryggnewsError as exc:
        return [Action("error", subject, f"{kind} not sent: {exc}")]
    if delivered.already_sent or not notice.recipients:
        return []
    if not delivered.sent_to:
        refused = ", ".join(delivered.refused)
        return [Action("error", subject, f"{kind} not accepted for {refused}; tried again later")]
    return [Action(kind, subject, "to " + ", ".join(delivered.sent_to))]


# --- a whole pass --------------------------------------------------------------------------


ALL_JOBS = frozenset({"retries", "fill", "sends", "reminders", "escalations", "quota", "purge"})


@dataclass(frozen=True)
class PassContext:
    """What one pass over every job needs; built by the runner for each pass."""

    session_factory: sessionmaker[Session]
    clock: Clock
    schedule: Schedule | None
    sending: Sending
    notifier: Notifier | None
    grace: timedelta
    purge_after: timedelta
    jobs: frozenset[str] = field(default_factory=lambda: ALL_JOBS)


def run_due_pass(context: PassContext) -> tuple[list[Action], dict[str, datetime]]:
    """Run the chosen jobs in a fixed order and mark approved issues ``scheduled``.

    Order: retries, evergreen fill, sends (so a filled issue goes out complete),
    reminders, escalations, quota, purge. A job that fails unexpectedly is logged and
    reported as an ``error`` action; the others still run. Without a schedule only
    retries, sends and the purge run (the plan names every other recipient). Returns
    the actions and the upcoming sends (issue key → instant) for the runner's date jobs.
    """
    c = context
    sf, clock = c.session_factory, c.clock
    steps: dict[str, Callable[[], list[Action]]] = {
        "retries": partial(retry_due_deliveries, sf, clock, sending=c.sending)
    }
    if c.schedule is not None:
        steps["fill"] = partial(
            fill_with_evergreen, sf, clock, schedule=c.schedule, notifier=c.notifier, grace=c.grace
        )
    steps["sends"] = partial(
        send_due_issues,
        sf,
        clock,
        sending=c.sending,
        notifier=c.notifier,
        schedule=c.schedule,
        grace=c.grace,
    )
    if c.schedule is not None and c.notifier is not None:
        schedule, notifier = c.schedule, c.notifier
        steps["reminders"] = partial(
            send_reminders, sf, clock, schedule=schedule, notifier=notifier
        )
        steps["escalations"] = partial(
            escalate_missed_deadlines,
            sf,
            clock,
            schedule=schedule,
            notifier=notifier,
            grace=c.grace,
        )
        steps["quota"] = partial(
            check_quota, sf, clock, schedule=schedule, notifier=notifier, grace=c.grace
        )
    steps["purge"] = partial(purge_unconfirmed_signups, sf, clock, older_than=c.purge_after)
    actions: list[Action] = []
    for name, step in steps.items():
        if name in c.jobs:
            actions += _guarded(name, step)
    try:
        scheduled, upcoming = schedule_approved_issues(sf, clock)
    except Exception as exc:  # a bug or a database outage: report, keep the scheduler alive
        log.exception("scheduling approved issues failed")
        return [*actions, Action("error", "schedule", f"{type(exc).__name__}: {exc}")], {}
    return actions + scheduled, upcoming


def _guarded(name: str, step: Callable[[], Sequence[Action]]) -> list[Action]:
    try:
        return list(step())
    except Exception as exc:  # one failing job must not stop sends or the other jobs
        log.exception("scheduler job %s failed", name)
        return [Action("error", name, f"{type(exc).__name__}: {exc}")]
