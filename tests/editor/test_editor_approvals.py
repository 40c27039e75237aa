"""Two-party approval: both organisations, the current version only; edits withdraw and notify."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from editor_helpers import ADMIN, KOMMUN, POLIS, POLIS2, START, block_input
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.content.approvals import (
    ApprovalError,
    EditConflictError,
    PermissionRefusedError,
    approve,
    fully_approved,
    schedule_issue,
    standing_approvals,
    unschedule_issue,
    withdraw,
)
from tryggnews.content.vocabulary import load_vocabulary
from tryggnews.db.models import Approval, AuditEvent, Block, BlockStatus, Issue, IssueStatus, User
from tryggnews.editors.blocks import edit_block
from tryggnews.editors.issue_edits import move_block, update_texts

VOCABULARY = load_vocabulary(Path(__file__).resolve().parents[2] / "audiences.toml")

SEND_AT = datetime(2027, 2, 15, 7, 0, tzinfo=UTC)


def _user(session: Session, people: dict[str, int], address: str) -> User:
    user = session.get(User, people[address])
    assert user is not None
    return user


def _issue(session: Session, ids: dict[str, int]) -> Issue:
    issue = session.get(Issue, ids["issue"])
    assert issue is not None
    return issue


def _approve(session: Session, people: dict[str, int], ids: dict[str, int], address: str) -> None:
    user = _user(session, people, address)
    issue = _issue(session, ids)
    approve(
        session,
        issue,
        user,
        organisation=user.organisation_key,
        expected_version=issue.version,
        now=START,
    )


def test_issue_is_approved_only_when_both_organisations_approved_its_version(
    session_factory: sessionmaker[Session],
    people: dict[str, int],
    issue_with_blocks: dict[str, int],
) -> None:
    with session_factory.begin() as session:
        _approve(session, people, issue_with_blocks, POLIS)
        issue = _issue(session, issue_with_blocks)
        assert issue.status is IssueStatus.DRAFT
        assert set(standing_approvals(session, issue)) == {"polis"}
    with session_factory.begin() as session:
        _approve(session, people, issue_with_blocks, KOMMUN)
        issue = _issue(session, issue_with_blocks)
        assert issue.status is IssueStatus.APPROVED
        assert fully_approved(session, issue)
        # Approved by both: the blocks count as approved (reusable when evergreen).
        assert {p.block.status for p in issue.placements} == {BlockStatus.APPROVED}


def test_an_organisation_approves_once_per_version_and_only_for_itself(
    session_factory: sessionmaker[Session],
    people: dict[str, int],
    issue_with_blocks: dict[str, int],
) -> None:
    with session_factory.begin() as session:
        _approve(session, people, issue_with_blocks, POLIS)
    with session_factory() as session:
        issue = _issue(session, issue_with_blocks)
        second_polis = _user(session, people, POLIS2)
        with pytest.raises(ApprovalError, match="redan godkänt"):
            approve(
                session,
                issue,
                second_polis,
                organisation="polis",
                expected_version=issue.version,
                now=START,
            )
        session.rollback()
        with pytest.raises(PermissionRefusedError, match="bara godkänna för Polisen"):
            approve(
                session,
                issue,
                second_polis,
                organisation="kommun",
                expected_version=issue.version,
                now=START,
            )
        session.rollback()
        assert session.scalar(select(Approval).where(Approval.organisation_key == "kommun")) is None


def test_approving_a_version_the_approver_did_not_see_is_refused(
    session_factory: sessionmaker[Session],
    people: dict[str, int],
    issue_with_blocks: dict[str, int],
) -> None:
    with session_factory() as session:
        seen = _issue(session, issue_with_blocks).version
    with session_factory.begin() as session:
        update_texts(
            session,
            issue_with_blocks["issue"],
            expected_version=seen,
            title="Ny rubrik",
            subject="Ny ämnesrad",
            preheader="",
            intro_md="Ny ingress.",
            user=_user(session, people, POLIS),
            now=START,
        )
    with session_factory() as session:
        kommun = _user(session, people, KOMMUN)
        with pytest.raises(EditConflictError, match="har ändrats"):
            approve(
                session,
                _issue(session, issue_with_blocks),
                kommun,
                organisation="kommun",
                expected_version=seen,
                now=START,
            )


def test_editing_a_block_withdraws_both_approvals_and_names_the_approvers_to_tell(
    session_factory: sessionmaker[Session],
    people: dict[str, int],
    issue_with_blocks: dict[str, int],
) -> None:
    with session_factory.begin() as session:
        _approve(session, people, issue_with_blocks, POLIS)
        _approve(session, people, issue_with_blocks, KOMMUN)
    with session_factory.begin() as session:
        block = session.get(Block, issue_with_blocks["kommun_block"])
        assert block is not None
        _, told = edit_block(
            session,
            _user(session, people, KOMMUN),
            block.id,
            block_input(block.title, "kommun", body_md="Ny text om nattvandring."),
            vocabulary=VOCABULARY,
            expected_version=block.version,
            now=START + timedelta(hours=1),
        )
    # The kommun editor made the change; only the police approver needs an email.
    assert [(t.approver_email, t.issue_key) for t in told] == [(POLIS, "2027-1")]
    assert "Nattvandring i Åkersberga" in told[0].change
    with session_factory() as session:
        issue = _issue(session, issue_with_blocks)
        assert issue.status is IssueStatus.DRAFT
        assert standing_approvals(session, issue) == {}
        withdrawn = session.scalars(select(Approval).order_by(Approval.id)).all()
        assert [a.withdrawn_at is not None for a in withdrawn] == [True, True]
        actions = set(session.scalars(select(AuditEvent.action)))
        assert {"approval.approve", "block.edit", "approval.withdrawn_by_edit"} <= actions


def test_saving_an_unchanged_block_keeps_the_approvals(
    session_factory: sessionmaker[Session],
    people: dict[str, int],
    issue_with_blocks: dict[str, int],
) -> None:
    with session_factory.begin() as session:
        _approve(session, people, issue_with_blocks, POLIS)
    with session_factory.begin() as session:
        block = session.get(Block, issue_with_blocks["polis_block"])
        assert block is not None
        same = block_input(block.title, "polis", body_md=block.body_md)
        _, told = edit_block(
            session,
            _user(session, people, POLIS),
            block.id,
            same,
            vocabulary=VOCABULARY,
            expected_version=block.version,
            now=START,
        )
        assert told == []
    with session_factory() as session:
        assert set(standing_approvals(session, _issue(session, issue_with_blocks))) == {"polis"}


def test_reordering_a_scheduled_issue_unschedules_it(
    session_factory: sessionmaker[Session],
    people: dict[str, int],
    issue_with_blocks: dict[str, int],
) -> None:
    with session_factory.begin() as session:
        _approve(session, people, issue_with_blocks, POLIS)
        _approve(session, people, issue_with_blocks, KOMMUN)
        issue = _issue(session, issue_with_blocks)
        schedule_issue(
            session,
            issue,
            _user(session, people, ADMIN),
            send_at=SEND_AT,
            expected_version=issue.version,
            now=START,
        )
        assert issue.status is IssueStatus.SCHEDULED
    with session_factory.begin() as session:
        issue = _issue(session, issue_with_blocks)
        _, told = move_block(
            session,
            issue.id,
            issue_with_blocks["kommun_block"],
            -1,
            expected_version=issue.version,
            user=_user(session, people, ADMIN),
            now=START,
        )
        assert {t.approver_email for t in told} == {POLIS, KOMMUN}
    with session_factory() as session:
        assert _issue(session, issue_with_blocks).status is IssueStatus.DRAFT


def test_only_an_admin_schedules_and_only_an_approved_issue(
    session_factory: sessionmaker[Session],
    people: dict[str, int],
    issue_with_blocks: dict[str, int],
) -> None:
    with session_factory() as session:
        issue = _issue(session, issue_with_blocks)
        admin = _user(session, people, ADMIN)
        with pytest.raises(ApprovalError, match="Polisen och Österåkers kommun har godkänt"):
            schedule_issue(
                session, issue, admin, send_at=SEND_AT, expected_version=issue.version, now=START
            )
        session.rollback()
        _approve(session, people, issue_with_blocks, POLIS)
        _approve(session, people, issue_with_blocks, KOMMUN)
        issue = _issue(session, issue_with_blocks)
        with pytest.raises(PermissionRefusedError, match="administratör"):
            schedule_issue(
                session,
                issue,
                _user(session, people, POLIS),
                send_at=SEND_AT,
                expected_version=issue.version,
                now=START,
            )
        with pytest.raises(ApprovalError, match="passerat"):
            schedule_issue(
                session, issue, admin, send_at=START, expected_version=issue.version, now=START
            )
        schedule_issue(
            session, issue, admin, send_at=SEND_AT, expected_version=issue.version, now=START
        )
        assert issue.status is IssueStatus.SCHEDULED
        unschedule_issue(session, issue, admin, now=START)
        assert issue.status.value == "approved"


def test_withdrawing_an_approval_makes_the_issue_a_draft(
    session_factory: sessionmaker[Session],
    people: dict[str, int],
    issue_with_blocks: dict[str, int],
) -> None:
    with session_factory.begin() as session:
        _approve(session, people, issue_with_blocks, POLIS)
        _approve(session, people, issue_with_blocks, KOMMUN)
    with session_factory.begin() as session:
        withdraw(
            session, _issue(session, issue_with_blocks), _user(session, people, POLIS2), now=START
        )
    with session_factory() as session:
        issue = _issue(session, issue_with_blocks)
        assert issue.status is IssueStatus.DRAFT
        assert set(standing_approvals(session, issue)) == {"kommun"}
        with pytest.raises(ApprovalError, match="inget godkännande"):
            withdraw(session, issue, _user(session, people, POLIS), now=START)


def test_an_approval_racing_an_edit_is_refused_not_applied_to_unseen_text(
    session_factory: sessionmaker[Session],
    people: dict[str, int],
    issue_with_blocks: dict[str, int],
) -> None:
    """The approver read the old version; the edit commits before the approval writes."""
    read_done, edit_committed = threading.Event(), threading.Event()
    outcome: list[BaseException | None] = []

    def approve_what_was_seen() -> None:
        with session_factory() as other:
            try:
                kommun = _user(other, people, KOMMUN)
                issue = _issue(other, issue_with_blocks)
                seen = issue.version
                read_done.set()
                edit_committed.wait(timeout=30)
                approve(
                    other, issue, kommun, organisation="kommun", expected_version=seen, now=START
                )
                other.commit()
                outcome.append(None)
            except BaseException as exc:  # reported to the main thread
                outcome.append(exc)

    racer = threading.Thread(target=approve_what_was_seen)
    racer.start()
    read_done.wait(timeout=30)
    with session_factory.begin() as session:
        issue = _issue(session, issue_with_blocks)
        update_texts(
            session,
            issue.id,
            expected_version=issue.version,
            title="Ändrad medan någon granskade",
            subject="Ny ämnesrad",
            preheader="",
            intro_md="",
            user=_user(session, people, POLIS),
            now=START,
        )
    edit_committed.set()
    racer.join(timeout=60)
    assert len(outcome) == 1 and isinstance(outcome[0], EditConflictError), outcome
    with session_factory() as session:
        assert session.scalars(select(Approval)).all() == []
