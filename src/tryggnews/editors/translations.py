"""Translating blocks and issues, and choosing a block's language policy, in the workspace
and from the command line.

The same rules as editing the Swedish text: who may edit the block may translate it;
a block in a started send is locked; a change moves every unsent issue holding the
block (or the issue itself) to a new version, which withdraws its approvals, since
approval covers the translations. Every change is audit-logged.

``user`` is the logged-in editor, or, from the command line (an operator on the
server, trusted as ``tryggnews block add`` is), the name to log the change under.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tryggnews.content import audit
from tryggnews.content.approvals import (
    EDITABLE,
    PermissionRefusedError,
    WithdrawnApproval,
    lock_issue,
    record_edit,
    require_editable,
)
from tryggnews.content.organisations import BLOCK_OWNERS
from tryggnews.content.translations import (
    POLICY_LABELS,
    TranslationInput,
    block_translation_problems,
    issue_translation_problems,
    store_block_translation,
    store_issue_translation,
)
from tryggnews.content.vocabulary import Vocabulary
from tryggnews.db.models import Block, LanguagePolicy, User
from tryggnews.editors.blocks import (
    block_locked_reason,
    can_edit_block,
    get_block,
    issues_with_block,
)
from tryggnews.errors import ValidationError


def _actor(user: User | str) -> str:
    return user if isinstance(user, str) else user.email


def _editable_block(session: Session, user: User | str, block_id: int) -> Block:
    block = get_block(session, block_id)
    if not isinstance(user, str) and not can_edit_block(user, block):
        raise PermissionRefusedError(
            f"Blocket tillhör {BLOCK_OWNERS[block.organisation_key]}; du kan inte ändra det."
        )
    locked = block_locked_reason(session, block)
    if locked:
        raise ValidationError(locked)
    return block


def _new_issue_versions(
    session: Session, block: Block, actor: str, change: str, now: datetime
) -> list[WithdrawnApproval]:
    told: list[WithdrawnApproval] = []
    for issue in issues_with_block(session, block.id):
        if issue.status not in EDITABLE:
            continue
        issue = lock_issue(session, issue.id)
        issue.version += 1
        session.flush()
        told += record_edit(session, issue, actor=actor, change=change, now=now)
    return told


def translate_block(
    session: Session,
    user: User | str,
    block_id: int,
    data: TranslationInput,
    *,
    vocabulary: Vocabulary,
    now: datetime,
) -> list[WithdrawnApproval]:
    """Save the block's translation into ``data.language``; returns withdrawn approvals.

    Raises ``ValidationError`` naming every field (an undeclared language, an empty
    title or text), ``PermissionRefusedError`` for someone else's block.
    """
    problems = block_translation_problems(data, vocabulary)
    if problems:
        raise ValidationError("; ".join(problems))
    block = _editable_block(session, user, block_id)
    if not store_block_translation(session, block, data, author=_actor(user), now=now):
        return []
    audit.record(
        session,
        actor=_actor(user),
        action="block.translate",
        object_type="block",
        object_id=block.id,
        details={"language": data.language, "title": data.title.strip()},
        at=now,
    )
    change = f"översättningen ({data.language}) av blocket ”{block.title}” ändrades"
    return _new_issue_versions(session, block, _actor(user), change, now)


def set_language_policy(
    session: Session, user: User | str, block_id: int, policy: str, *, now: datetime
) -> list[WithdrawnApproval]:
    """What readers of an untranslated language get of the block (``LanguagePolicy``)."""
    if policy not in POLICY_LABELS:
        raise ValidationError(f"språkval: okänt {policy!r}, välj {', '.join(POLICY_LABELS)}")
    block = _editable_block(session, user, block_id)
    if block.language_policy == policy:
        return []
    block.language_policy = LanguagePolicy(policy)
    session.flush()
    audit.record(
        session,
        actor=_actor(user),
        action="block.language_policy",
        object_type="block",
        object_id=block.id,
        details={"policy": policy, "title": block.title},
        at=now,
    )
    change = f"blocket ”{block.title}”: {POLICY_LABELS[policy].lower()}"
    return _new_issue_versions(session, block, _actor(user), change, now)


def translate_issue(
    session: Session,
    user: User | str,
    issue_id: int,
    data: TranslationInput,
    *,
    vocabulary: Vocabulary,
    now: datetime,
    expected_version: int | None = None,
) -> list[WithdrawnApproval]:
    """Save the issue's title, subject, preheader and intro in ``data.language``."""
    problems = issue_translation_problems(data, vocabulary)
    if problems:
        raise ValidationError("; ".join(problems))
    issue = lock_issue(session, issue_id, expected_version)
    require_editable(issue)
    if not store_issue_translation(session, issue, data, author=_actor(user), now=now):
        return []
    issue.version += 1
    session.flush()
    audit.record(
        session,
        actor=_actor(user),
        action="issue.translate",
        object_type="issue",
        object_id=issue.key,
        details={"language": data.language, "version": issue.version},
        at=now,
    )
    change = f"översättningen ({data.language}) av rubrik, ämnesrad och ingress ändrades"
    return record_edit(session, issue, actor=_actor(user), change=change, now=now)
