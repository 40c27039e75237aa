"""Two-party approval: an issue goes out only when polis and kommun approved its current version.

Rules, all enforced here so the web pages and any other caller share them:

- an editor (or admin) approves for their own organisation only, and only the
  version they reviewed (``expected_version``): a change made meanwhile refuses it;
- an issue is ``approved`` while both signing organisations hold a valid approval
  (not withdrawn, and naming the issue's current version); the scheduler treats
  ``approved`` and ``scheduled`` as sendable;
- any edit moves the issue's version on; ``record_edit`` then withdraws every
  approval still standing, puts the issue back to ``draft`` (a scheduled issue is
  unscheduled) and returns who to tell, for the caller to email after commit;
- only an administrator schedules, and only an approved issue.

Row locking: every change starts with ``lock_issue``, a conditional UPDATE on the
issue row. PostgreSQL then holds the row lock and SQLite the write lock until
commit, so an approval and an edit racing each other are serialised, and the
loser sees the new version and is refused instead of approving unseen text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tryggnews.content import audit
from tryggnews.content.failures import clear_failure
from tryggnews.content.organisations import BLOCK_OWNERS, SIGNING_ORGANISATIONS
from tryggnews.content.owner_blocks import owner_block_problems
from tryggnews.db.models import Approval, BlockStatus, Issue, IssueStatus, User, UserRole
from tryggnews.errors import NotFoundError, TryggnewsError

# Statuses in which the content may still change (and approvals be given or withdrawn).
# A failed issue too: an edit makes it a draft again (``failures.clear_failure``).
EDITABLE = frozenset(
    {
        IssueStatus.DRAFT,
        IssueStatus.APPROVED,
        IssueStatus.SCHEDULED,
        IssueStatus.HELD,
        IssueStatus.FAILED,
    }
)
SENDABLE = frozenset({IssueStatus.APPROVED, IssueStatus.SCHEDULED})


class ApprovalError(TryggnewsError):
    """An approval, withdrawal or scheduling was refused; the message is Swedish."""


class PermissionRefusedError(ApprovalError):
    """The user may not do this (another organisation's approval, not an admin)."""


@dataclass(frozen=True)
class WithdrawnApproval:
    """An approval an edit withdrew: whom to tell, and about what."""

    approver_email: str
    approver_name: str
    organisation: str
    issue_key: str
    issue_title: str
    actor: str
    change: str


class EditConflictError(TryggnewsError):
    """Someone saved a newer version first; reload and redo the change (Swedish message)."""


def lock_issue(session: Session, issue_id: int, expected_version: int | None = None) -> Issue:
    """Lock the issue row for this transaction and return it, freshly read.

    With ``expected_version``, raise ``EditConflictError`` when the issue has moved
    on since the person opened the page.
    """
    condition = [Issue.id == issue_id]
    if expected_version is not None:
        condition.append(Issue.version == expected_version)
    # A no-op write: the conditional UPDATE takes the lock and checks the version at once.
    result: Any = session.execute(update(Issue).where(*condition).values(version=Issue.version))
    issue = session.get(Issue, issue_id, populate_existing=True)
    if issue is None:
        raise NotFoundError(f"no issue with id {issue_id}")
    if result.rowcount == 0:
        raise EditConflictError(
            f"Utskick {issue.key} har ändrats av någon annan sedan du öppnade sidan. "
            "Ladda om sidan, granska ändringen och försök igen."
        )
    return issue


def require_editable(issue: Issue) -> None:
    if issue.status not in EDITABLE:
        raise ApprovalError(
            f"Utskick {issue.key} är {_status_word(issue.status)} och kan inte längre ändras."
        )


def _status_word(status: IssueStatus) -> str:
    return {
        IssueStatus.SENDING: "under utskick",
        IssueStatus.PAUSED: "pausat mitt i utskicket",
        IssueStatus.SENT: "redan skickat",
    }.get(status, status.value)


def standing_approvals(session: Session, issue: Issue) -> dict[str, Approval]:
    """Valid approvals of the issue's current version, by organisation."""
    rows = session.scalars(
        select(Approval)
        .where(
            Approval.issue_id == issue.id,
            Approval.issue_version == issue.version,
            Approval.withdrawn_at.is_(None),
        )
        .order_by(Approval.approved_at)
    )
    return {row.organisation_key: row for row in rows}


def approval_history(session: Session, issue: Issue) -> list[Approval]:
    """Every approval ever given for the issue, newest first, withdrawn ones included."""
    return list(
        session.scalars(
            select(Approval)
            .where(Approval.issue_id == issue.id)
            .order_by(Approval.approved_at.desc(), Approval.id.desc())
        )
    )


def fully_approved(session: Session, issue: Issue) -> bool:
    return set(standing_approvals(session, issue)) >= set(SIGNING_ORGANISATIONS)


def require_sendable(session: Session, issue: Issue) -> None:
    """Raise ``ApprovalError`` unless the issue may be sent: approved by both, per its status.

    The status is the rule the scheduler and ``issue send`` use too: only two standing
    approvals set it to approved, and any edit or withdrawal sets it back to draft in
    the same transaction. Call it with the issue row locked (``lock_issue``).
    """
    if issue.status not in SENDABLE:
        _refuse(session, issue, "skickas")


def _refuse(session: Session, issue: Issue, action: str) -> NoReturn:
    # ``action``: the Swedish passive verb of what is refused ("skickas", "schemaläggas").
    standing = standing_approvals(session, issue)
    missing = [key for key in SIGNING_ORGANISATIONS if key not in standing]
    names = " och ".join(SIGNING_ORGANISATIONS[key] for key in missing)
    raise ApprovalError(
        f"Utskick {issue.key} kan inte {action} förrän {names or 'båda'} har godkänt det."
    )


def require_may_approve(user: User, organisation: str) -> None:
    """Refuse unless ``user`` is an active member of ``organisation``, a signing one."""
    if not user.active:
        raise PermissionRefusedError("Kontot är inaktiverat.")
    if organisation != user.organisation_key:
        raise PermissionRefusedError(
            f"Du kan bara godkänna för {BLOCK_OWNERS.get(user.organisation_key, '?')}, "
            f"inte för {BLOCK_OWNERS.get(organisation, organisation)}."
        )
    if organisation not in SIGNING_ORGANISATIONS:
        raise PermissionRefusedError("Bara Polisen och kommunen godkänner utskick.")


def approve(
    session: Session,
    issue: Issue,
    user: User,
    *,
    organisation: str,
    expected_version: int,
    now: datetime,
    min_blocks: Sequence[tuple[str, int]] = (),
) -> Approval:
    """Record ``user``'s approval for ``organisation`` of the version they reviewed.

    Locks the issue; the issue becomes ``approved`` when both organisations have
    approved this version. ``min_blocks`` (the checked ``issue_min_blocks`` setting)
    refuses an issue without the blocks each organisation must own in it.
    """
    require_may_approve(user, organisation)
    issue = lock_issue(session, issue.id, expected_version)
    require_editable(issue)
    owners = (placement.block.organisation_key for placement in issue.placements)
    if short := owner_block_problems(owners, min_blocks):
        raise ApprovalError(" ".join(short))
    standing = standing_approvals(session, issue)
    if organisation in standing:
        raise ApprovalError(
            f"{SIGNING_ORGANISATIONS[organisation]} har redan godkänt den här versionen "
            f"({standing[organisation].user.email})."
        )
    approval = Approval(
        issue_id=issue.id,
        issue_version=issue.version,
        organisation_key=organisation,
        user_id=user.id,
        approved_at=now,
    )
    session.add(approval)
    session.flush()
    standing[organisation] = approval
    if set(standing) >= set(SIGNING_ORGANISATIONS) and issue.status in (
        IssueStatus.DRAFT,
        IssueStatus.HELD,
        IssueStatus.FAILED,
    ):
        issue.status = IssueStatus.APPROVED
        issue.hold_reason = None
        issue.failure_reason = None
        # Approved by both: its blocks count as approved, so evergreen ones can be reused.
        for placement in issue.placements:
            placement.block.status = BlockStatus.APPROVED
    audit.record(
        session,
        actor=user.email,
        action="approval.approve",
        object_type="issue",
        object_id=issue.key,
        details={"organisation": organisation, "version": issue.version},
        at=now,
    )
    return approval


def withdraw(session: Session, issue: Issue, user: User, *, now: datetime) -> Approval:
    """Withdraw the standing approval of ``user``'s organisation; the issue is a draft again."""
    issue = lock_issue(session, issue.id)
    require_editable(issue)
    standing = standing_approvals(session, issue).get(user.organisation_key)
    if standing is None:
        raise ApprovalError(
            f"{BLOCK_OWNERS.get(user.organisation_key, '?')} har inget godkännande att återkalla."
        )
    standing.withdrawn_at = now
    standing.withdrawn_reason = f"återkallat av {user.email}"
    if issue.status in SENDABLE:
        issue.status = IssueStatus.DRAFT
    audit.record(
        session,
        actor=user.email,
        action="approval.withdraw",
        object_type="issue",
        object_id=issue.key,
        details={"organisation": user.organisation_key, "version": issue.version},
        at=now,
    )
    return standing


def record_edit(
    session: Session,
    issue: Issue,
    *,
    actor: str,
    change: str,
    now: datetime,
) -> list[WithdrawnApproval]:
    """After an edit moved ``issue.version`` on: withdraw approvals and say whom to tell.

    ``change`` describes the edit in Swedish ("block 12 ”Valborg” ändrades"). Returns
    the withdrawn approvals whose approver is someone other than ``actor``.
    """
    active = list(
        session.scalars(
            select(Approval).where(
                Approval.issue_id == issue.id,
                Approval.withdrawn_at.is_(None),
                Approval.issue_version < issue.version,
            )
        )
    )
    was_sendable = issue.status in SENDABLE
    if was_sendable:
        issue.status = IssueStatus.DRAFT
    clear_failure(issue)
    told: list[WithdrawnApproval] = []
    for approval in active:
        approval.withdrawn_at = now
        approval.withdrawn_reason = f"{change} ({actor})"[:500]
        audit.record(
            session,
            actor=actor,
            action="approval.withdrawn_by_edit",
            object_type="issue",
            object_id=issue.key,
            details={
                "organisation": approval.organisation_key,
                "approved_version": approval.issue_version,
                "version": issue.version,
                "change": change,
            },
            at=now,
        )
        if approval.user.email != actor and approval.user.active:
            told.append(
                WithdrawnApproval(
                    approver_email=approval.user.email,
                    approver_name=approval.user.name,
                    organisation=approval.organisation_key,
                    issue_key=issue.key,
                    issue_title=issue.title,
                    actor=actor,
                    change=change,
                )
            )
    return told


def schedule_issue(
    session: Session,
    issue: Issue,
    user: User,
    *,
    send_at: datetime,
    expected_version: int,
    now: datetime,
) -> Issue:
    """Set the send time of an approved issue and mark it ``scheduled`` (admins only)."""
    if user.role is not UserRole.ADMIN or not user.active:
        raise PermissionRefusedError("Bara en administratör kan schemalägga utskick.")
    if send_at.tzinfo is None:
        raise ApprovalError("Ange tiden med tidszon.")
    issue = lock_issue(session, issue.id, expected_version)
    if issue.status not in SENDABLE or not fully_approved(session, issue):
        _refuse(session, issue, "schemaläggas")
    if send_at <= now:
        raise ApprovalError("Välj en tid som inte redan har passerat.")
    previous = issue.planned_send_at
    issue.planned_send_at = send_at
    issue.status = IssueStatus.SCHEDULED
    audit.record(
        session,
        actor=user.email,
        action="issue.schedule",
        object_type="issue",
        object_id=issue.key,
        details={
            "send_at": send_at.isoformat(),
            "previous": previous.isoformat() if previous else None,
            "version": issue.version,
        },
        at=now,
    )
    return issue


def unschedule_issue(session: Session, issue: Issue, user: User, *, now: datetime) -> Issue:
    """Take a scheduled issue off the schedule; it stays approved."""
    if user.role is not UserRole.ADMIN or not user.active:
        raise PermissionRefusedError("Bara en administratör kan ändra schemat.")
    issue = lock_issue(session, issue.id)
    if issue.status is not IssueStatus.SCHEDULED:
        raise ApprovalError(f"Utskick {issue.key} är inte schemalagt.")
    issue.status = IssueStatus.APPROVED
    audit.record(
        session,
        actor=user.email,
        action="issue.unschedule",
        object_type="issue",
        object_id=issue.key,
        details={"version": issue.version},
        at=now,
    )
    return issue


def approvals_summary(session: Session, issues: Sequence[Issue]) -> dict[int, set[str]]:
    """For each issue id, the organisations whose approval of its current version stands."""
    if not issues:
        return {}
    versions = {issue.id: issue.version for issue in issues}
    rows = session.execute(
        select(Approval.issue_id, Approval.issue_version, Approval.organisation_key).where(
            Approval.issue_id.in_(list(versions)), Approval.withdrawn_at.is_(None)
        )
    )
    summary: dict[int, set[str]] = {issue_id: set() for issue_id in versions}
    for issue_id, version, organisation in rows:
        if versions[issue_id] == version:
            summary[issue_id].add(organisation)
    return summary
