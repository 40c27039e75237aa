"""An issue whose messages cannot be built: the ``failed`` state, its reason, the error.

When rendering an issue or building its MIME message fails (a control character
stored before the input checks existed, a template that no longer renders, a
header the standard library refuses), the send stops for that issue only: it is
marked ``failed`` with the reason, the administrators are told, and senders move
on to the other issues. An edit makes it a draft again (``content.approvals``), to
be approved and sent like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.content import audit
from tryggnews.db.models import Issue, IssueStatus
from tryggnews.errors import LintError, TryggnewsError, ValidationError

T = TypeVar("T")
logger = logging.getLogger(__name__)

# States a failure may replace: not ``paused`` (a person chose that), not ``sent``.
FAILABLE = (
    IssueStatus.DRAFT,
    IssueStatus.APPROVED,
    IssueStatus.SCHEDULED,
    IssueStatus.HELD,
    IssueStatus.SENDING,
)
REASON_MAX = 2000


@dataclass(frozen=True)
class IssueFailure:
    """What the administrators are told: which issue, which version, and why."""

    issue_id: int
    key: str
    title: str
    version: int
    reason: str


class IssueBuildError(TryggnewsError):
    """The issue's messages cannot be built; it is ``failed`` now (one line, English)."""

    def __init__(self, failure: IssueFailure, told: str) -> None:
        self.failure = failure
        super().__init__(
            f"issue {failure.key} cannot be built and is now 'failed': {failure.reason} "
            f"({told}); fix it in the editors' workspace, which makes it a draft again"
        )


class UnbuildableError(Exception):
    """The issue's messages cannot be built; ``reason`` says why (made ``failed``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def built(build: Callable[[], T]) -> T:
    """``build()``, with any failure but a lint refusal turned into ``UnbuildableError``.

    Wraps only the building itself (rendering, MIME templates): no database work, so
    a lost connection is never mistaken for a broken issue.
    """
    try:
        return build()
    except LintError:
        raise
    except Exception as exc:
        raise UnbuildableError(failure_reason(exc)) from exc


def fail_issue(
    session_factory: sessionmaker[Session],
    issue_id: int,
    reason: str,
    *,
    now: datetime,
    report: Callable[[IssueFailure], str] | None,
) -> TryggnewsError:
    """Mark the issue ``failed`` and have ``report`` tell the administrators; the error to raise.

    ``report`` returns who was told (for the one-line error); a report that fails is
    logged, never raised: the failure is recorded either way.
    """
    with session_factory.begin() as session:
        failure = mark_failed(session, issue_id, reason, actor="system:send", now=now)
        key = session.scalar(select(Issue.key).where(Issue.id == issue_id))
    if failure is None:  # paused or finished meanwhile: nothing changes, nothing to report
        return ValidationError(f"issue {key} cannot be built: {reason}")
    logger.critical("issue %s is failed: %s", failure.key, failure.reason)
    told = "no administrator was told: no schedule.toml names administrators"
    if report is not None:
        try:
            told = report(failure)
        except Exception as exc:
            logger.exception("issue %s: telling the administrators failed", failure.key)
            told = f"telling the administrators failed: {failure_reason(exc)}"
    return IssueBuildError(failure, told)


def failure_reason(exc: BaseException) -> str:
    """A one-line reason from an exception: its message, or its type when it has none."""
    return _printable(str(exc)) or type(exc).__name__


def _printable(text: str) -> str:
    """One line, every control character escaped (PostgreSQL stores no NUL; mail wants none)."""
    line = " ".join(text.split())
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in line)[:REASON_MAX]


def mark_failed(
    session: Session, issue_id: int, reason: str, *, actor: str, now: datetime
) -> IssueFailure | None:
    """Move the issue to ``failed`` with ``reason``; None when it was not in a failable state.

    Conditional, so an issue someone paused or that finished meanwhile is left alone.
    """
    reason = _printable(reason)
    changed = session.execute(
        update(Issue)
        .where(Issue.id == issue_id, Issue.status.in_(FAILABLE))
        .values(status=IssueStatus.FAILED, failure_reason=reason, updated_at=now)
        .returning(Issue.id)
        .execution_options(synchronize_session=False)
    ).first()
    issue = session.get(Issue, issue_id, populate_existing=True)
    if changed is None or issue is None:
        return None
    audit.record(
        session,
        actor=actor,
        action="issue.failed",
        object_type="issue",
        object_id=issue.key,
        details={"version": issue.version, "reason": reason},
        at=now,
    )
    return IssueFailure(issue.id, issue.key, issue.title, issue.version, reason)


def clear_failure(issue: Issue) -> None:
    """An edit of a failed issue: it is a draft again, to be approved and sent anew."""
    if issue.status is IssueStatus.FAILED:
        issue.status = IssueStatus.DRAFT
        issue.failure_reason = None
