"""What the medborgarlöfte adds to every issue: the police's part, and the promise block.

``PromiseRules`` is handed to the publisher (``wiring.publisher``), which asks it for two
things on its one path to preview, check and send:

- ``decorate``: the issue's view with the "Så går det med löftet" block when the editor
  switched it on, drawn as of the moment the send was snapshotted (so a resumed send
  shows the same block), else as of now; changes are counted from the previous issue's
  send. A missing or broken promise.toml becomes a problem on the view, never an
  exception, so the issue page still opens and shows it;
- ``problems``: the Swedish lint for an organisation short of its minimum of blocks
  (``content.owner_blocks``) and for a promise block that cannot be drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from tryggnews.content.owner_blocks import MinBlocks, owner_block_problems
from tryggnews.content.promise_view import BLOCK_TITLE, PromiseSummaryView
from tryggnews.content.views import BlockView, IssueView
from tryggnews.db.models import Issue, IssueStatus, IssueVariant
from tryggnews.errors import TryggnewsError
from tryggnews.planning.promise import promise_summary
from tryggnews.planning.promise_file import Promise

PromiseLoader = Callable[[], Promise | None]


@dataclass(frozen=True)
class PromiseRules:
    """``min_blocks``: the checked setting; ``load_promise``: reads promise.toml (None: absent)."""

    min_blocks: MinBlocks = ()
    load_promise: PromiseLoader | None = None

    def decorate(self, issue: Issue, view: IssueView) -> IssueView:
        if not issue.promise_block:
            return view
        return replace(view, promise=self.summary_for(issue))

    def summary_for(self, issue: Issue) -> PromiseSummaryView:
        session = object_session(issue)
        try:
            promise = self.load_promise() if self.load_promise is not None else None
        except TryggnewsError as exc:
            return PromiseSummaryView(title=BLOCK_TITLE, problem=str(exc))
        if promise is None or session is None:
            return PromiseSummaryView(
                title=BLOCK_TITLE,
                problem="löftet finns inte som fil (promise.toml, inställningen "
                "TRYGGNEWS_PROMISE), så blocket kan inte visas.",
            )
        as_of = snapshot_time(session, issue)
        since = previous_send(session, issue, as_of)
        return promise_summary(session, promise, as_of=as_of, since=since)

    def problems(self, issue: IssueView, blocks: Sequence[BlockView]) -> list[str]:
        found = owner_block_problems((b.organisation_key for b in blocks), self.min_blocks)
        if issue.promise is not None and issue.promise.problem:
            found.append(
                f"Så går det med löftet: {issue.promise.problem} "
                "Rätta filen, eller stäng av blocket för numret."
            )
        return found


def snapshot_time(session: Session, issue: Issue) -> datetime | None:
    """When the send was snapshotted (its variants recorded); None before that."""
    return session.scalar(
        select(func.min(IssueVariant.created_at)).where(IssueVariant.issue_id == issue.id)
    )


def previous_send(session: Session, issue: Issue, before: datetime | None) -> datetime | None:
    """When the last other issue sent before ``before`` (or ever, when None) was sent."""
    query = select(func.max(Issue.sent_at)).where(
        Issue.id != issue.id, Issue.status == IssueStatus.SENT, Issue.sent_at.is_not(None)
    )
    if before is not None:
        query = query.where(Issue.sent_at < before)
    return session.scalar(query)
