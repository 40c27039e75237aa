"""Which sent issues, and which of their blocks, the public archive shows.

The rule (docs/archive.md): an issue is in the archive once it has been sent
(``status == sent``), unless an administrator withdrew it. A page shows the blocks
that are

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

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from tryggnews.content.issues import issue_blocks
from tryggnews.db.models import Block, Issue, IssueBlock, IssueStatus

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


def _sent() -> Select[Issue]:
    return (
        select(Issue)
        .where(Issue.status == IssueStatus.SENT, Issue.sent_at.is_not(None))
        .options(selectinload(Issue.placements).joinedload(IssueBlock.block))
    )


def archived(issue: Issue, blocks: Sequence[Block]) -> ArchivedIssue:
    areas: dict[str, str] = {}
    for block in blocks:
        areas.setdefault(block.focus_area_key, block.focus_area.name)
    assert issue.sent_at is not None
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
        sent_at=issue.sent_at,
        sent_on=issue.sent_at.astimezone(ZoneInfo(issue.timezone)).date(),
        updated_at=max(changed, issue.sent_at),
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
