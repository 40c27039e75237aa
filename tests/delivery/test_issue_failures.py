"""An issue whose messages cannot be built (a line break stored in its subject, a template
that no longer renders) becomes `failed` with its reason, the administrators are told,
`issue send` says so in one line and exits 2, and a worker goes on with the other issues."""

from __future__ import annotations

import mailbox
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sending_setup import (
    ISSUE_KEY,
    REPO_ROOT,
    cli_env,
    prepare_issue,
    start_sending,
    worker_command,
)
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tryggnews import wiring
from tryggnews.cli import cli
from tryggnews.clock import SystemClock
from tryggnews.config import Settings
from tryggnews.content.failures import IssueBuildError
from tryggnews.content.issues import add_block, create_issue, issue_blocks
from tryggnews.db.models import Block, Delivery, DeliveryStatus, Issue, IssueStatus
from tryggnews.delivery.ledger import ledger_counts
from tryggnews.editors.accounts import create_user
from tryggnews.editors.issue_edits import update_texts
from tryggnews.transports.outbox import MaildirTransport

BAD_SUBJECT = "Vårens nyhetsbrev\nBcc: alla@example.org"
SECOND_KEY = "2027-2"


def _issue(session_factory: sessionmaker[Session], key: str = ISSUE_KEY) -> Issue:
    with session_factory() as session:
        return session.execute(select(Issue).where(Issue.key == key)).scalar_one()


def _store_subject(session_factory: sessionmaker[Session], subject: str) -> None:
    """What a row stored before the input checks looks like: written straight to the table."""
    with session_factory.begin() as session:
        session.execute(update(Issue).where(Issue.key == ISSUE_KEY).values(subject=subject))


def _outbox(settings: Settings) -> list[bytes]:
    box = mailbox.Maildir(settings.outbox_dir, create=True)
    try:
        return [box.get_bytes(key) for key in box.iterkeys()]
    finally:
        box.close()


def _run(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    for name, value in cli_env(settings).items():
        if name.startswith("TRYGGNEWS_"):
            monkeypatch.setenv(name, value)
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_fresh_send_is_refused_by_the_check_naming_the_field(
    settings: Settings,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    prepare_issue(settings, session_factory, 39, start=False)
    _store_subject(session_factory, BAD_SUBJECT)
    checked = _run(settings, monkeypatch, "issue", "check", ISSUE_KEY)
    assert checked.exit_code == 2
    assert "ämnesrad: innehåller en radbrytning (U+000A" in checked.output
    sent = _run(settings, monkeypatch, "issue", "send", ISSUE_KEY, "--without-approval")
    assert sent.exit_code == 2, sent.output
    assert "Traceback" not in sent.output and "ämnesrad" in sent.output
    with session_factory() as session:
        assert sum(ledger_counts(session, _issue(session_factory).id).values()) == 0
    assert _issue(session_factory).status is IssueStatus.DRAFT


def test_resumed_send_of_a_stored_line_break_fails_the_issue_and_tells_the_admins(
    settings: Settings,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    prepare_issue(settings, session_factory, 39)  # snapshotted, sending
    _store_subject(session_factory, BAD_SUBJECT)
    result = _run(settings, monkeypatch, "issue", "send", ISSUE_KEY, "--without-approval")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1
    assert f"issue {ISSUE_KEY} cannot be built and is now 'failed'" in errors[0]
    assert "nyhetsbrev-admin@example.se" in errors[0]
    issue = _issue(session_factory)
    assert issue.status is IssueStatus.FAILED
    assert issue.failure_reason is not None and "ämnesrad" in issue.failure_reason
    with session_factory() as session:
        counts = ledger_counts(session, issue.id)
    assert {state: n for state, n in counts.items() if n} == {DeliveryStatus.PENDING: 39}
    # Only the notice to the administrators left; no newsletter did.
    (notice,) = _outbox(settings)
    assert b"To: nyhetsbrev-admin@example.se" in notice
    assert b"X-Tryggnews-Notice: failed:2027-1:v" in notice
    # Running it again tells nobody twice and still exits 2 in one line.
    again = _run(settings, monkeypatch, "issue", "send", ISSUE_KEY, "--without-approval")
    assert again.exit_code == 2 and "Traceback" not in again.output
    assert len(_outbox(settings)) == 1


def test_worker_fails_the_broken_issue_and_sends_the_others(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    prepare_issue(settings, session_factory, 20)
    with session_factory.begin() as session:
        first = session.execute(select(Issue).where(Issue.key == ISSUE_KEY)).scalar_one()
        second = create_issue(
            session,
            key=SECOND_KEY,
            year=2027,
            number=2,
            title="Nummer två",
            subject="Nummer två",
            preheader="Nytt från kommunen och polisen.",
            intro_md="Hej! Här kommer nummer två.",
        )
        for block in issue_blocks(first):
            add_block(session, second, block)
    start_sending(settings, session_factory, SECOND_KEY)
    _store_subject(session_factory, BAD_SUBJECT)  # the first issue, after its snapshot
    done = subprocess.run(
        [*worker_command("--once")],
        env=cli_env(settings),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert f"issue {ISSUE_KEY} cannot be built" in done.stderr
    assert _issue(session_factory).status is IssueStatus.FAILED
    assert _issue(session_factory, SECOND_KEY).status is IssueStatus.SENT
    with session_factory() as session:
        sent = session.scalars(
            select(Delivery.status).where(Delivery.issue_id == _issue(session_factory).id)
        ).all()
    assert set(sent) == {DeliveryStatus.PENDING}
    assert len(_outbox(settings)) == 20 + 1  # the second issue, and one notice


def test_any_build_failure_fails_the_issue_and_an_edit_makes_it_a_draft(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    prepare_issue(settings, session_factory, 5)
    # A template that no longer renders (an operator's edit), met by a resumed send.
    templates = tmp_path / "templates"
    shutil.copytree(REPO_ROOT / "templates", templates)
    broken = templates / "newsletter.mjml.j2"
    broken.write_text(broken.read_text(encoding="utf-8") + "{{ no_such_value }}", "utf-8")
    # No schedule: nobody to tell, so the failure is logged loudly and named in the error.
    publisher = wiring.publisher(
        Settings(**{**settings.__dict__, "templates_dir": templates, "schedule": tmp_path / "x"})
    )
    with pytest.raises(IssueBuildError, match="no administrator was told"):
        publisher.send(
            session_factory,
            ISSUE_KEY,
            transport=MaildirTransport(settings.outbox_dir),
            signer=wiring.signer(settings),
            clock=SystemClock(),
            worker_id="test",
            batch_size=100,
            require_approval=False,
        )
    issue = _issue(session_factory)
    assert issue.status is IssueStatus.FAILED
    assert issue.failure_reason is not None and "no_such_value" in issue.failure_reason
    assert _outbox(settings) == []
    with session_factory.begin() as session:
        user = create_user(
            session,
            email="redaktor@kommun.example.se",
            organisation="kommun",
            role="editor",
            actor="test",
            now=SystemClock().now(),
        )
        edited, _ = update_texts(
            session,
            issue.id,
            expected_version=issue.version,
            title=issue.title,
            subject="Vårens nyhetsbrev",
            preheader="",
            intro_md=issue.intro_md,
            user=user,
            now=SystemClock().now(),
        )
        assert edited.status is IssueStatus.DRAFT
        assert edited.failure_reason is None


def test_the_pre_send_check_names_fields_stored_before_the_checks(
    settings: Settings, session_factory: sessionmaker[Session], db_url: str
) -> None:
    prepare_issue(settings, session_factory, 3, start=False)
    char = "\x00" if db_url.startswith("sqlite") else "\x0c"
    with session_factory.begin() as session:
        session.execute(update(Issue).values(preheader=f"Läs{char} mer"))
        session.execute(update(Block).where(Block.id == 1).values(image_alt="Bild\nsom"))
    publisher = wiring.publisher(settings)
    with session_factory() as session:
        issue = session.scalars(select(Issue).where(Issue.key == ISSUE_KEY)).one()
        rendered, problems = publisher.check(session, issue, SystemClock().now())
    assert rendered.variants == {}
    assert problems[0].startswith(
        f"förhandstext: innehåller ett {'NUL-tecken' if char == chr(0) else 'osynligt'}"
    )
    assert any(p.startswith("block 1: alt-text: innehåller en radbrytning") for p in problems)
