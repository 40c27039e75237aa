"""Which sent issues, and which of their blocks, the public archive shows.

The rule (docs/archive.md): an issue is in the archive once its sending began
(``sending``, ``paused`` or ``sent``), unless an administrator withdrew it. A page
shows the blocks that are

- not marked "inte på webben" (``Block.web_public``),
- not withdrawn by an administrator (``Block.web_withdrawn_reason``), and
- not aimed only at staff audiences (keys starting with ``staff-``, e.g. "Personal –
  skola"): those are work guidance for kommun staff, not news for residents.

Blocks for everyone are shown as they are; blocks for some audiences are shown with
those audiences named in words. An issue with no block left to show (a staff-only
issue) has no archive page at all.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from tryggnews.content.issues import issue_blocks
from tryggnews.db.models import Block, Issue, IssueBlock

STAFF_PREFIX = "staff-"
# A key as the plan writes it ("2027-1"); anything else is answered 404 without a query.
KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,49}")


class Standing(enum.StrEnum):
    PUBLIC = "public"
    WITHDRAWN = "withdrawn"
    MISSING = "missing"


def block_is_public(block: Block) -> bool:
    if not block.web_public or block.web_withdrawn_reason is not None:
        return False
    audiences = list(block.audiences or [])
    return not audiences or not all(a.startswith(STAFF_PREFIX) for a in audiences)


def public_blocks(issue: Issue) -> list[Block]:
    """The issue's blocks a public page may show, in the issue's order."""
    return [b for b in issue_blocks(issue) if block_is_public(b)]


@dataclass(frozen=True)
class ArchivedIssue:
    """One issue of the archive index and the feed."""

    id: int
    key: str
    year: int
    number: int
    title: str
    subject: str
    preheader: str
    version: int
    sent_at: datetime
    sent_on: date  # in the issue's time zone
    updated_at: datetime
    focus_areas: tuple[tuple[str, str], ...]  # (key, name), in first-seen order
    fingerprint: str  # changes whenever what the page shows changes


# An issue is public from the moment its sending began, so "Läs i webbläsaren" works
# for the first reader of a long (rate-limited or paused) send, not only after the last.
# ``published_at`` is set with the snapshot and never cleared, so it alone says so (an
# issue is then sending, paused or sent); ``ix_issues_published_at`` starts the queries.
# Asked as a list of ids, read from the index alone: SQLite's planner, which guesses half
# the rows of a mostly-NULL column are not NULL, would otherwise scan every issue.
_ONE = aliased(Issue)
_PUBLISHED_IDS = select(_ONE.id).where(_ONE.published_at.is_not(None)).scalar_subquery()


def published_at(issue: Issue) -> datetime | None:
    """When the issue went public: its sending began (older rows: when it finished)."""
    return issue.published_at or issue.sent_at


def _sent() -> Select[Issue]:
    return (
        select(Issue)
        .where(Issue.id.in_(_PUBLISHED_IDS))
        .options(selectinload(Issue.placements).joinedload(IssueBlock.block))
    )


def archived(issue: Issue, blocks: Sequence[Block]) -> ArchivedIssue:
    areas: dict[str, str] = {}
    for block in blocks:
        areas.setdefault(block.focus_area_key, block.focus_area.name)
    published = published_at(issue)
    assert published is not None
    changed = max([issue.updated_at, *(b.updated_at for b in blocks)])
    stamp = ",".join(f"{b.id}.{b.version}" for b in blocks)
    return ArchivedIssue(
        id=issue.id,
        key=issue.key,
        year=issue.year,
        number=issue.number,
        title=issue.title,
        subject=issue.subject,
        preheader=issue.preheader,
        version=issue.version,
        sent_at=published,
        sent_on=published.astimezone(ZoneInfo(issue.timezone)).date(),
        updated_at=max(changed, published),
        focus_areas=tuple(areas.items()),
        fingerprint=f"{issue.id}:{issue.version}:{stamp}",
    )


def list_public(session: Session) -> list[ArchivedIssue]:
    """Every issue in the archive, newest first."""
    query = _sent().where(Issue.web_withdrawn_at.is_(None))
    result = []
    for issue in session.scalars(query).unique():
        blocks = public_blocks(issue)
        if blocks:
            result.append(archived(issue, blocks))
    result.sort(key=lambda entry: (entry.sent_at, entry.id), reverse=True)
    return result


# Built once: constructing this select costs more than running it (it runs per request).
_VERSION = (
    select(
        func.count(Issue.id.distinct()),
        func.max(Issue.id),
        func.sum(Issue.version),
        func.max(Issue.updated_at),
        func.max(Issue.sent_at),
        func.max(Issue.published_at),
        func.count(Issue.web_withdrawn_at),
        func.count(IssueBlock.block_id),
        func.sum(IssueBlock.position),
        func.sum(Block.id),
        func.sum(Block.version),
        func.max(Block.updated_at),
        func.count(Block.web_withdrawn_reason),
        func.sum(case((Block.web_public, 1), else_=0)),
    )
    .select_from(Issue)
    .outerjoin(IssueBlock, IssueBlock.issue_id == Issue.id)
    .outerjoin(Block, Block.id == IssueBlock.block_id)
    .where(Issue.id.in_(_PUBLISHED_IDS))
)


def archive_version(session: Session) -> tuple[object, ...]:
    """A cheap key that changes whenever ``list_public`` would answer differently.

    One aggregate query over the sent issues and their blocks, instead of loading
    them: counts, sums of ids, versions and positions, the latest change and the
    number of withdrawals. Every edit the application makes moves one of them
    (versions and ``updated_at`` only grow; withdrawing or restoring changes a count;
    sending adds an issue), so equal keys mean an unchanged archive. Focus-area names
    are reference data, changed by a migration and a restart, and are not in the key.
    """
    # Core, on the session's connection: the ORM's execution layer adds nothing here.
    return tuple(session.connection().execute(_VERSION).one())


def find_public(session: Session, key: str) -> tuple[Standing, Issue | None]:
    """The issue behind an archive key, and whether the public may read it."""
    if not KEY_PATTERN.fullmatch(key):
        return Standing.MISSING, None
    issue = session.scalar(_sent().where(Issue.key == key))
    if issue is None:
        return Standing.MISSING, None
    if issue.web_withdrawn_at is not None:
        return Standing.WITHDRAWN, issue
    if not public_blocks(issue):
        return Standing.MISSING, None
    return Standing.PUBLIC, issue
