"""Creating, editing and copying blocks in the workspace: permissions and safe saving.

Who may do what: an editor writes blocks for their own organisation and may edit
their own organisation's blocks and the shared ("gemensam") ones; an administrator
may do all of it for any organisation.

Saving is safe against two people at once: the form carries the block's version,
and the save is one conditional UPDATE on it; the second save finds another
version and is told to reload, nothing overwritten. An edit moves every unsent
issue that contains the block to a new version, which withdraws its approvals.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tryggnews.content import audit
from tryggnews.content.approvals import (
    EDITABLE,
    EditConflictError,
    PermissionRefusedError,
    WithdrawnApproval,
    lock_issue,
    record_edit,
)
from tryggnews.content.blocks import BlockInput, block_problems, create_block
from tryggnews.content.organisations import BLOCK_OWNERS, JOINT_OWNER
from tryggnews.content.vocabulary import Vocabulary
from tryggnews.db.models import Block, BlockStatus, Issue, IssueBlock, IssueStatus, User, UserRole
from tryggnews.errors import NotFoundError, ValidationError

# Fields an edit may change, with the Swedish word the audit log and notices use.
FIELD_NAMES = {
    "title": "rubrik",
    "body_md": "text",
    "organisation_key": "organisation",
    "focus_area_key": "fokusområde",
    "audiences": "målgrupper",
    "image_url": "bild",
    "image_alt": "alt-text",
    "cta_url": "knapplänk",
    "cta_label": "knapptext",
    "evergreen": "återanvändbar",
}
# A send in progress renders its blocks by id: changing one would change the rest of the send.
LOCKED_BY = frozenset({IssueStatus.SENDING, IssueStatus.PAUSED, IssueStatus.SENT})


def is_admin(user: User) -> bool:
    return user.role is UserRole.ADMIN


def organisations_for(user: User) -> list[str]:
    """Organisations ``user`` may write blocks for (the first is the default)."""
    if is_admin(user):
        return [user.organisation_key, *(k for k in BLOCK_OWNERS if k != user.organisation_key)]
    return [user.organisation_key]


def can_edit_block(user: User, block: Block) -> bool:
    if not user.active:
        return False
    return is_admin(user) or block.organisation_key in (user.organisation_key, JOINT_OWNER)


def get_block(session: Session, block_id: int) -> Block:
    block = session.get(Block, block_id)
    if block is None:
        raise NotFoundError(f"Det finns inget block med nummer {block_id}.")
    return block


def issues_with_block(session: Session, block_id: int) -> list[Issue]:
    return list(
        session.scalars(
            select(Issue)
            .join(IssueBlock, IssueBlock.issue_id == Issue.id)
            .where(IssueBlock.block_id == block_id)
            .order_by(Issue.year, Issue.number)
        )
    )


def list_blocks_for(
    session: Session, *, organisation: str = "", evergreen: bool | None = None
) -> Sequence[Block]:
    query = select(Block).order_by(Block.updated_at.desc(), Block.id.desc())
    if organisation:
        query = query.where(Block.organisation_key == organisation)
    if evergreen is not None:
        query = query.where(Block.evergreen.is_(evergreen))
    return list(session.scalars(query))


def new_block(
    session: Session, user: User, data: BlockInput, *, vocabulary: Vocabulary, now: datetime
) -> Block:
    """Create a draft block written by ``user``; refuses an organisation not theirs."""
    if data.organisation not in organisations_for(user):
        raise PermissionRefusedError(
            f"Du kan bara skriva block för {BLOCK_OWNERS[user.organisation_key]}."
        )
    data.author = user.email
    data.status = BlockStatus.DRAFT.value
    block = create_block(session, data, vocabulary)
    audit.record(
        session,
        actor=user.email,
        action="block.create",
        object_type="block",
        object_id=block.id,
        details={"title": block.title, "organisation": block.organisation_key},
        at=now,
    )
    return block


def copy_block(
    session: Session, user: User, block_id: int, *, vocabulary: Vocabulary, now: datetime
) -> Block:
    """A new draft with the same content, for reusing a block whose issue is sent."""
    source = get_block(session, block_id)
    # The copy belongs to someone the user writes for: their own organisation unless admin.
    organisation = source.organisation_key
    if organisation not in organisations_for(user):
        organisation = user.organisation_key
    data = _input_of(source, organisation, user.email)
    return new_block(session, user, data, vocabulary=vocabulary, now=now)


def _input_of(block: Block, organisation: str, author: str) -> BlockInput:
    return BlockInput(
        title=block.title,
        body_md=block.body_md,
        organisation=organisation,
        focus_area=block.focus_area_key,
        author=author,
        audiences=list(block.audiences),
        image_url=block.image_url,
        image_alt=block.image_alt,
        cta_url=block.cta_url,
        cta_label=block.cta_label,
        evergreen=block.evergreen,
    )


def block_locked_reason(session: Session, block: Block) -> str | None:
    """Why the block can no longer be edited (Swedish), or None."""
    for issue in issues_with_block(session, block.id):
        if issue.status in LOCKED_BY:
            return (
                f"Blocket ingår i utskick {issue.key}, som har skickats eller skickas nu, och "
                "kan inte ändras. Gör en kopia om du vill återanvända texten."
            )
    return None


def edit_block(
    session: Session,
    user: User,
    block_id: int,
    data: BlockInput,
    *,
    vocabulary: Vocabulary,
    expected_version: int,
    now: datetime,
) -> tuple[Block, list[WithdrawnApproval]]:
    """Save an edit of the version the person opened; returns the approvals it withdrew.

    Raises ``PermissionRefusedError``, ``ValidationError`` (every problem, Swedish),
    or ``EditConflictError`` when someone saved first.
    """
    block = get_block(session, block_id)
    if not can_edit_block(user, block):
        raise PermissionRefusedError(
            f"Blocket tillhör {BLOCK_OWNERS[block.organisation_key]}; du kan inte ändra det."
        )
    if not is_admin(user):
        data.organisation = block.organisation_key
    elif data.organisation not in BLOCK_OWNERS:
        raise ValidationError(f"organisation: okänd {data.organisation!r}")
    problems = block_problems(data, vocabulary)
    if problems:
        raise ValidationError("; ".join(problems))
    locked = block_locked_reason(session, block)
    if locked:
        raise ValidationError(locked)
    result: Any = session.execute(
        update(Block)
        .where(Block.id == block_id, Block.version == expected_version)
        .values(version=Block.version + 1, updated_at=now)
    )
    if result.rowcount == 0:
        raise EditConflictError(
            "Någon annan har sparat blocket efter att du öppnade det. Dina ändringar är inte "
            "sparade: kopiera din text, ladda om sidan och gör ändringen igen."
        )
    session.refresh(block)
    changed = _apply(block, data, vocabulary)
    if not changed:
        return block, []
    if block.status is BlockStatus.APPROVED:
        block.status = BlockStatus.DRAFT
    names = ", ".join(FIELD_NAMES[field] for field in changed)
    audit.record(
        session,
        actor=user.email,
        action="block.edit",
        object_type="block",
        object_id=block.id,
        details={"title": block.title, "changed": changed, "version": block.version},
        at=now,
    )
    told: list[WithdrawnApproval] = []
    for issue in issues_with_block(session, block.id):
        if issue.status not in EDITABLE:
            continue
        issue = lock_issue(session, issue.id)
        issue.version += 1
        session.flush()
        told += record_edit(
            session,
            issue,
            actor=user.email,
            change=f"blocket ”{block.title}” ändrades ({names})",
            now=now,
        )
    return block, told


def _apply(block: Block, data: BlockInput, vocabulary: Vocabulary) -> list[str]:
    """Copy the validated input onto the block; the names of the fields that changed."""
    new: dict[str, Any] = {
        "title": data.title.strip(),
        "body_md": data.body_md.strip() + "\n",
        "organisation_key": data.organisation,
        "focus_area_key": data.focus_area,
        "audiences": vocabulary.audience_keys(data.audiences),
        "image_url": data.image_url or None,
        "image_alt": (data.image_alt or "").strip() or None if data.image_url else None,
        "cta_url": data.cta_url or None,
        "cta_label": (data.cta_label or "").strip() or None,
        "evergreen": data.evergreen,
    }
    changed = [field for field, value in new.items() if getattr(block, field) != value]
    for field in changed:
        setattr(block, field, new[field])
    return changed
