"""Sending on time: send the issues that are due, or hold them and say why; resume
retries; mark approved issues ``scheduled``.

Separate from the other jobs because it is the one that sends issues to subscribers
(through ``Publisher.send``); the rest only tell editors and administrators.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock
from tryggnews.content.approvals import ApprovalError
from tryggnews.content.organisations import SIGNING_ORGANISATIONS
from tryggnews.db.models import Delivery, DeliveryStatus, Issue, IssueStatus
from tryggnews.delivery.options import DeliveryOptions
from tryggnews.delivery.sender import SendSummary
from tryggnews.errors import LintError, TryggnewsError
from tryggnews.planning.schedule import Schedule
from tryggnews.publishing import Publisher
from tryggnews.scheduler.actions import Action, deliver_notice
from tryggnews.scheduler.approval import APPROVED_STATES, is_approved, waiting_for
from tryggnews.scheduler.notices import grace_text, held_notice, local_moment, organisation_names
from tryggnews.scheduler.notifier import Notifier
from tryggnews.subscribers.tokens import TokenSigner
from tryggnews.transports.base import Transport

# Not yet sent, not held: the scheduler decides about these when their time comes.
WAITING_TO_SEND = (IssueStatus.DRAFT, IssueStatus.APPROVED, IssueStatus.SCHEDULED)


@dataclass
class Sending:
    """What ``Publisher.send`` needs besides the issue; the publisher is built on first use."""

    make_publisher: Callable[[], Publisher]
    transport: Transport
    signer: TokenSigner
    worker_id: str
    batch_size: int
    options: DeliveryOptions | None = None

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
            options=self.options,
        )


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
    return actions + deliver_notice(
        session_factory, notifier, notice, now, "held-notice", issue.key
    )


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
