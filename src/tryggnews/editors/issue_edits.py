"""Editing an issue in the workspace: its texts and its blocks, each edit a new version.

Every function locks the issue at the version the person opened (a conflict is
refused with ``EditConflictError``), makes the change, moves the version on and
lets ``content.approvals.record_edit`` withdraw the approvals that no longer
match. They return the withdrawn approvals so the caller can tell the approvers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tryggnews.content import audit
from tryggnews.content.approvals import (
    WithdrawnApproval,
    lock_issue,
    record_edit,
    require_editable,
)
from tryggnews.content.issues import SUBJECT_MAX, add_block, create_issue, issue_blocks
from tryggnews.content.text import text_problems
from tryggnews.db.models import Block, Issue, User
from tryggnews.errors import ValidationError
from tryggnews.planning.schedule import PlannedIssue

PREHEADER_MAX = 300
TITLE_MAX = 200


def create_from_plan(
    session: Session, planned: PlannedIssue, *, actor: str, now: datetime
) -> Issue:
    """The database issue for a planned one, with the plan's title and send time."""
    issue = create_issue(
        session,
        key=planned.key,
        year=planned.year,
        number=planned.number,
        title=planned.title,
        planned_send_at=planned.send_at,
        timezone=str(planned.send_at.tzinfo),
    )
    audit.record(
        session,
        actor=actor,
        action="issue.create",
        object_type="issue",
        object_id=issue.key,
        details={"title": issue.title, "from_plan": True},
        at=now,
    )
    return issue


def update_texts(
    session: Session,
    issue_id: int,
    *,
    expected_version: int,
    title: str,
    subject: str,
    preheader: str,
    intro_md: str,
    user: User,
    now: datetime,
) -> tuple[Issue, list[WithdrawnApproval]]:
    """Change the title, subject line, preheader and intro; nothing changed, no new version."""
    problems = []
    title, subject, preheader = title.strip(), subject.strip(), preheader.strip()
    if not title:
        problems.append("rubrik: utskicket behöver en rubrik")
    elif len(title) > TITLE_MAX:
        problems.append(f"rubrik: högst {TITLE_MAX} tecken (nu {len(title)})")
    if not subject:
        problems.append("ämnesrad: skriv en ämnesrad")
    elif len(subject) > SUBJECT_MAX:
        problems.append(f"ämnesrad: högst {SUBJECT_MAX} tecken (nu {len(subject)})")
    if len(preheader) > PREHEADER_MAX:
        problems.append(f"förhandstext: högst {PREHEADER_MAX} tecken (nu {len(preheader)})")
    problems += text_problems(
        (
            ("rubrik", title),
            ("ämnesrad", subject),
            ("förhandstext", preheader),
            ("ingress", intro_md),
        ),
        multiline=("ingress",),
    )
    if problems:
        raise ValidationError("; ".join(problems))
    issue = lock_issue(session, issue_id, expected_version)
    require_editable(issue)
    intro = intro_md.strip()
    intro = intro + "\n" if intro else ""
    new = {"title": title, "subject": subject, "preheader": preheader, "intro_md": intro}
    words = {
        "title": "rubrik",
        "subject": "ämnesrad",
        "preheader": "förhandstext",
        "intro_md": "ingress",
    }
    changed = [field for field, value in new.items() if getattr(issue, field) != value]
    if not changed:
        return issue, []
    for field in changed:
        setattr(issue, field, new[field])
    issue.version += 1
    change = ", ".join(words[field] for field in changed) + " ändrades"
    return issue, _edited(session, issue, user, "issue.edit", change, now, {"changed": changed})


def place_block(
    session: Session,
    issue_id: int,
    block: Block,
    *,
    expected_version: int,
    user: User,
    now: datetime,
) -> tuple[Issue, list[WithdrawnApproval]]:
    """Append ``block`` at the end of the issue."""
    issue = lock_issue(session, issue_id, expected_version)
    require_editable(issue)
    add_block(session, issue, block)  # moves the version on itself
    change = f"blocket ”{block.title}” lades till"
    return issue, _edited(session, issue, user, "issue.add_block", change, now, {"block": block.id})


def remove_block(
    session: Session,
    issue_id: int,
    block_id: int,
    *,
    expected_version: int,
    user: User,
    now: datetime,
) -> tuple[Issue, list[WithdrawnApproval]]:
    issue = lock_issue(session, issue_id, expected_version)
    require_editable(issue)
    placement = next((p for p in issue.placements if p.block_id == block_id), None)
    if placement is None:
        raise ValidationError(f"block {block_id} finns inte i utskick {issue.key}")
    title = placement.block.title
    issue.placements.remove(placement)
    for position, remaining in enumerate(sorted(issue.placements, key=lambda p: p.position), 1):
        remaining.position = position
    issue.version += 1
    change = f"blocket ”{title}” togs bort"
    return issue, _edited(
        session, issue, user, "issue.remove_block", change, now, {"block": block_id}
    )


def move_block(
    session: Session,
    issue_id: int,
    block_id: int,
    offset: int,
    *,
    expected_version: int,
    user: User,
    now: datetime,
) -> tuple[Issue, list[WithdrawnApproval]]:
    """Move a block one place up (``offset=-1``) or down (``+1``)."""
    if offset not in (-1, 1):
        raise ValidationError("flytta: ett steg upp eller ner")
    issue = lock_issue(session, issue_id, expected_version)
    require_editable(issue)
    ordered = sorted(issue.placements, key=lambda p: p.position)
    index = next((i for i, p in enumerate(ordered) if p.block_id == block_id), None)
    if index is None:
        raise ValidationError(f"block {block_id} finns inte i utskick {issue.key}")
    other = index + offset
    if not 0 <= other < len(ordered):
        return issue, []
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, placement in enumerate(ordered, 1):
        placement.position = position
    issue.version += 1
    title = ordered[other].block.title
    change = f"blocket ”{title}” flyttades {'upp' if offset < 0 else 'ner'}"
    order = [b.id for b in issue_blocks(issue)]
    return issue, _edited(session, issue, user, "issue.reorder", change, now, {"order": order})


def _edited(
    session: Session,
    issue: Issue,
    user: User,
    action: str,
    change: str,
    now: datetime,
    details: dict[str, object],
) -> list[WithdrawnApproval]:
    session.flush()
    audit.record(
        session,
        actor=user.email,
        action=action,
        object_type="issue",
        object_id=issue.key,
        details={**details, "version": issue.version},
        at=now,
    )
    return record_edit(session, issue, actor=user.email, change=change, now=now)
