"""Issues: creation, lookup and the ordered blocks they contain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tryggnews.content.text import text_problems
from tryggnews.db.models import Block, Issue, IssueBlock, IssueStatus
from tryggnews.errors import NotFoundError, ValidationError

SUBJECT_MAX = 200


def create_issue(
    session: Session,
    *,
    key: str,
    year: int,
    number: int,
    title: str,
    subject: str | None = None,
    preheader: str = "",
    intro_md: str = "",
    planned_send_at: datetime | None = None,
    timezone: str = "Europe/Stockholm",
) -> Issue:
    """Add an issue; its key and (year, number) must be new."""
    problems: list[str] = []
    if not key.strip():
        problems.append("nyckel: utskicket behöver en nyckel, t.ex. 2027-1")
    if not title.strip():
        problems.append("titel: utskicket behöver en titel")
    subject = (subject or title).strip()
    if len(subject) > SUBJECT_MAX:
        problems.append(f"ämnesrad: högst {SUBJECT_MAX} tecken")
    problems += text_problems(
        (
            ("titel", title.strip()),
            ("ämnesrad", subject),
            ("förhandstext", preheader.strip()),
            ("ingress", intro_md),
        ),
        multiline=("ingress",),
    )
    if number < 1:
        problems.append("nummer: måste vara 1 eller större")
    if planned_send_at is not None and planned_send_at.tzinfo is None:
        problems.append("utskickstid: ange tid med tidszon")
    if session.scalar(select(Issue.id).where(Issue.key == key)) is not None:
        problems.append(f"nyckel: det finns redan ett utskick med nyckeln {key!r}")
    if session.scalar(select(Issue.id).where(Issue.year == year, Issue.number == number)):
        problems.append(f"nummer: {year} har redan ett utskick nummer {number}")
    if problems:
        raise ValidationError("; ".join(problems))
    issue = Issue(
        key=key.strip(),
        year=year,
        number=number,
        title=title.strip(),
        subject=subject,
        preheader=preheader.strip(),
        intro_md=intro_md,
        planned_send_at=planned_send_at,
        timezone=timezone,
    )
    session.add(issue)
    session.flush()
    return issue


def get_issue(session: Session, ref: str | int) -> Issue:
    """Find an issue by numeric id or by key (``2027-1``)."""
    issue: Issue | None = None
    text = str(ref).strip()
    if text.isdigit():
        issue = session.get(Issue, int(text))
    if issue is None:
        issue = session.scalar(select(Issue).where(Issue.key == text))
    if issue is None:
        raise NotFoundError(f"no issue with id or key {text!r} (see `tryggnews issue list`)")
    return issue


def get_block(session: Session, block_id: int) -> Block:
    block = session.get(Block, block_id)
    if block is None:
        raise NotFoundError(f"no block with id {block_id} (see `tryggnews block list`)")
    return block


def add_block(session: Session, issue: Issue, block: Block) -> IssueBlock:
    """Append ``block`` to ``issue``; an edit, so the issue's version moves on."""
    if issue.status in (IssueStatus.SENDING, IssueStatus.SENT):
        raise ValidationError(f"utskick {issue.key} är redan skickat och kan inte ändras")
    if any(p.block_id == block.id for p in issue.placements):
        raise ValidationError(f"block {block.id} finns redan i utskick {issue.key}")
    position = (
        session.scalar(select(func.max(IssueBlock.position)).where(IssueBlock.issue_id == issue.id))
        or 0
    ) + 1
    placement = IssueBlock(issue=issue, block=block, position=position)
    session.add(placement)
    issue.version += 1
    session.flush()
    return placement


def issue_blocks(issue: Issue) -> list[Block]:
    """The issue's blocks in their order."""
    return [p.block for p in sorted(issue.placements, key=lambda p: p.position)]


def list_issues(session: Session, *, year: int | None = None) -> list[Issue]:
    query = select(Issue).order_by(Issue.year, Issue.number)
    if year is not None:
        query = query.where(Issue.year == year)
    return list(session.scalars(query))


def block_counts(session: Session) -> dict[int, int]:
    """How many blocks each issue holds, by issue id (an issue without any is absent):
    one grouped query for a list of issues, not a load of each one's placements."""
    query = select(IssueBlock.issue_id, func.count()).group_by(IssueBlock.issue_id)
    return {issue_id: count for issue_id, count in session.execute(query)}
