"""The police in every issue: check, approval and send refuse an issue without the blocks
each organisation must own; a joint block counts for both; the setting is checked."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews import wiring
from tryggnews.cli import cli
from tryggnews.config import Settings, load_settings
from tryggnews.content.approvals import ApprovalError, approve
from tryggnews.content.blocks import BlockInput, create_block
from tryggnews.content.issues import add_block, create_issue
from tryggnews.content.owner_blocks import check_minimums, owner_block_problems
from tryggnews.content.vocabulary import load_vocabulary
from tryggnews.db.models import Approval, Issue, Subscriber, SubscriberStatus
from tryggnews.editors.accounts import create_user
from tryggnews.errors import ConfigError

VOCABULARY = load_vocabulary(Path(__file__).resolve().parents[2] / "audiences.toml")
NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
MISSING_POLICE = (
    "Numret saknar ett block från Polisen. Be polisens redaktör skriva ett block, "
    "eller lägg till ett gemensamt block."
)


def test_the_rule_counts_joint_blocks_for_each_organisation() -> None:
    assert owner_block_problems(["kommun", "kommun"], (("polis", 1),)) == [MISSING_POLICE]
    assert owner_block_problems(["kommun", "gemensam"], (("polis", 1),)) == []
    assert owner_block_problems(["gemensam"], (("kommun", 1), ("polis", 1))) == []
    assert owner_block_problems([], ()) == []
    assert owner_block_problems(["polis", "kommun"], (("kommun", 1), ("polis", 2))) == [
        "Numret har 1 block från Polisen men behöver minst 2. Be polisens redaktör skriva "
        "1 till, eller lägg till gemensamma block."
    ]
    assert owner_block_problems(["polis"], (("kommun", 1),)) == [
        "Numret saknar ett block från Österåkers kommun. Be kommunens redaktör skriva ett "
        "block, eller lägg till ett gemensamt block."
    ]


@pytest.mark.parametrize("value", ["gemensam=1", "brandkaren=1", "polis=1,Polisen=2"])
def test_an_organisation_that_does_not_sign_is_a_clear_config_error(value: str) -> None:
    settings = load_settings(environ={"TRYGGNEWS_ISSUE_MIN_BLOCKS": value}, dotenv_path=None)
    with pytest.raises(
        ConfigError, match=r"TRYGGNEWS_ISSUE_MIN_BLOCKS: '.*' is not an organisation"
    ):
        check_minimums(settings.issue_min_blocks)
    with pytest.raises(ConfigError, match="TRYGGNEWS_ISSUE_MIN_BLOCKS"):
        wiring.publisher(settings)
    assert check_minimums((("kommun", 1), ("polis", 1))) == (("kommun", 1), ("polis", 1))


def _issue(session: Session, owners: list[str]) -> Issue:
    issue = create_issue(
        session,
        key="2027-1",
        year=2027,
        number=1,
        title="Stöd efter brott",
        subject="Trygg i Österåker: stöd efter brott",
        preheader="Brottsofferdagen och sportlovet.",
        intro_md="Välkommen till årets första nummer.",
        planned_send_at=datetime(2027, 2, 15, 7, 0, tzinfo=UTC),
    )
    for number, owner in enumerate(owners):
        add_block(session, issue, _block(session, owner, number))
    session.add(
        Subscriber(
            email="lasare@example.org",
            email_key="lasare@example.org",
            audiences=[],
            topics=[],
            status=SubscriberStatus.ACTIVE,
            token_salt="00" * 8,
        )
    )
    session.flush()
    return issue


def _block(session: Session, owner: str, number: int):  # type: ignore[no-untyped-def]
    return create_block(
        session,
        BlockInput(
            title=f"Block {number} från {owner}",
            body_md="Prata med ditt barn om kvällen.",
            organisation=owner,
            focus_area="andts",
            audiences=[],
            author="test",
        ),
        VOCABULARY,
    )


def test_check_send_and_approval_refuse_an_issue_of_kommun_blocks_only(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    publisher = wiring.publisher(settings)
    with session_factory.begin() as session:
        issue = _issue(session, ["kommun", "kommun"])
        _, problems = publisher.check(session, issue, NOW)
        assert MISSING_POLICE in problems
        assert publisher.promise.problems(publisher.view(issue), publisher.blocks_of(issue)) == [
            MISSING_POLICE
        ]
        kommun = create_user(
            session, email="k@example.org", organisation="kommun", role="editor", actor="t", now=NOW
        )
        with pytest.raises(ApprovalError) as refused:
            approve(
                session,
                issue,
                kommun,
                organisation="kommun",
                expected_version=issue.version,
                now=NOW,
                min_blocks=publisher.promise.min_blocks,
            )
        assert str(refused.value) == MISSING_POLICE
        assert session.scalar(select(func.count()).select_from(Approval)) == 0

        # A joint block counts for the police: the same issue now passes and is approved.
        add_block(session, issue, _block(session, "gemensam", 9))
        _, problems = publisher.check(session, issue, NOW)
        assert problems == []
        approve(
            session,
            issue,
            kommun,
            organisation="kommun",
            expected_version=issue.version,
            now=NOW,
            min_blocks=publisher.promise.min_blocks,
        )


def test_an_empty_setting_means_no_minimum(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    publisher = wiring.publisher(dataclasses.replace(settings, issue_min_blocks=()))
    with session_factory.begin() as session:
        issue = _issue(session, ["kommun"])
        _, problems = publisher.check(session, issue, NOW)
        assert problems == []


def test_issue_check_and_send_on_the_command_line_say_what_is_missing(
    settings: Settings,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with session_factory.begin() as session:
        _issue(session, ["kommun"])
    monkeypatch.chdir(tmp_path)  # no .env from the repository
    for name, value in {
        "TRYGGNEWS_DATABASE_URL": settings.database_url,
        "TRYGGNEWS_SECRET_KEY": settings.secret_key,
        "TRYGGNEWS_TEMPLATES_DIR": str(settings.templates_dir),
        "TRYGGNEWS_SCHEDULE": str(settings.schedule),
        "TRYGGNEWS_AUDIENCES": str(settings.audiences),
        "TRYGGNEWS_OUTBOX_DIR": str(settings.outbox_dir),
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["issue", "check", "2027-1"])
    assert result.exit_code == 2
    assert f"  - {MISSING_POLICE}" in result.output
    result = CliRunner().invoke(cli, ["issue", "send", "2027-1", "--without-approval"])
    assert result.exit_code == 2 and MISSING_POLICE in result.output
    with session_factory() as session:
        assert session.scalar(select(Issue.status)).value == "draft"
    monkeypatch.setenv("TRYGGNEWS_ISSUE_MIN_BLOCKS", "gemensam=1")
    result = CliRunner().invoke(cli, ["issue", "check", "2027-1"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: TRYGGNEWS_ISSUE_MIN_BLOCKS: 'gemensam' is not")
    assert len(result.output.strip().splitlines()) == 1
