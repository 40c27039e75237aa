"""The publishing path: audience variants reach the right people, MJML is rendered once per
variant (never per recipient), and a failing or unapproved issue is refused before anyone is
snapshotted."""

from __future__ import annotations

import email
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from email import policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from tryggnews import wiring
from tryggnews.clock import FixedClock
from tryggnews.config import Settings
from tryggnews.content.approvals import ApprovalError, approve, withdraw
from tryggnews.content.blocks import BlockInput, create_block
from tryggnews.content.issues import add_block, create_issue, get_block, get_issue
from tryggnews.content.vocabulary import load_vocabulary
from tryggnews.db.models import (
    Delivery,
    Issue,
    IssueStatus,
    IssueVariant,
    Subscriber,
    SubscriberStatus,
    User,
)
from tryggnews.delivery.sender import SendSummary
from tryggnews.editors.accounts import create_user
from tryggnews.errors import LintError
from tryggnews.publishing import Publisher
from tryggnews.transports.outbox import MaildirTransport

VOCABULARY = load_vocabulary(Path(__file__).resolve().parents[1] / "audiences.toml")

NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


def make_subscriber(
    session: Session,
    address: str,
    *,
    audiences: list[str],
    status: SubscriberStatus = SubscriberStatus.ACTIVE,
    language: str = "sv",
) -> Subscriber:
    subscriber = Subscriber(
        email=address,
        email_key=address.casefold(),
        audiences=audiences,
        topics=[],
        language=language,
        status=status,
        token_salt=secrets.token_hex(8),
    )
    session.add(subscriber)
    session.flush()
    return subscriber


def _block(session: Session, title: str, area: str, audiences: list[str]) -> int:
    block = create_block(
        session,
        BlockInput(
            title=title,
            body_md=f"Text om {title.lower()}.",
            organisation="polis",
            focus_area=area,
            audiences=audiences,
            author="test",
            status="approved",
        ),
        VOCABULARY,
    )
    return block.id


BLOCKS: tuple[tuple[str, str, list[str]], ...] = (
    ("Föräldraskolan för tonårsföräldrar", "andts", ["parents-7-9"]),
    ("Trygghetsvandring i Åkersberga", "gemensamt", []),
    ("Normer på fritidsgården", "vald", ["staff-fritid", "staff-skola"]),
)


def _issue_with_blocks(
    session: Session, key: str = "2027-1", blocks: Sequence[tuple[str, str, list[str]]] = BLOCKS
) -> Issue:
    issue = create_issue(
        session,
        key=key,
        year=2027,
        number=int(key.split("-")[1]),
        title="Stöd efter brott",
        subject="Trygg i Österåker: stöd efter brott – våren är här",
        preheader="Brottsofferdagen, Föräldraskolan och trygghetsvandringar.",
        intro_md="Hej! Här kommer vårens första nyhetsbrev.",
        planned_send_at=datetime(2027, 2, 15, 7, 0, tzinfo=UTC),
    )
    for title, area, audiences in blocks:
        add_block(session, issue, get_block(session, _block(session, title, area, audiences)))
    return issue


def _messages(outbox: Path) -> dict[str, email.message.EmailMessage]:
    result = {}
    for path in (outbox / "new").iterdir():
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        result[str(message["To"])] = message  # type: ignore[assignment]
    return result


def _send(
    publisher: Publisher,
    settings: Settings,
    factory: sessionmaker[Session],
    key: str,
    *,
    require_approval: bool = False,
) -> SendSummary:
    transport = MaildirTransport(settings.outbox_dir)
    try:
        return publisher.send(
            factory,
            key,
            transport=transport,
            signer=wiring.signer(settings),
            clock=FixedClock(NOW),
            worker_id="test",
            batch_size=7,
            require_approval=require_approval,
        )
    finally:
        transport.close()


def test_variants_follow_audiences_and_render_once_each(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        _issue_with_blocks(session)
        for n in range(12):
            make_subscriber(session, f"foralder{n}@example.org", audiences=["parents-7-9"])
        for n in range(9):
            make_subscriber(session, f"personal{n}@example.org", audiences=["staff-skola"])
        make_subscriber(session, "ovrig@example.org", audiences=["ovriga"])
        make_subscriber(
            session,
            "borta@example.org",
            audiences=["parents-7-9"],
            status=SubscriberStatus.UNSUBSCRIBED,
        )
    publisher = wiring.publisher(settings)

    summary = _send(publisher, settings, session_factory, "2027-1")

    assert summary.sent == 22
    # Three audience combinations → three variants → three MJML renders for 22 people.
    assert publisher.renderer.mjml_renders == 3
    messages = _messages(settings.outbox_dir)
    assert set(messages) == (
        {f"foralder{n}@example.org" for n in range(12)}
        | {f"personal{n}@example.org" for n in range(9)}
        | {"ovrig@example.org"}
    )

    def text_of(address: str) -> str:
        part = messages[address].get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    parent, staff, other = (
        text_of("foralder0@example.org"),
        text_of("personal0@example.org"),
        text_of("ovrig@example.org"),
    )
    assert "Föräldraskolan för tonårsföräldrar" in parent
    assert "Föräldraskolan för tonårsföräldrar" not in staff
    assert "Normer på fritidsgården" in staff and "Normer på fritidsgården" not in parent
    # A block for everyone reaches everyone.
    assert all("Trygghetsvandring i Åkersberga" in t for t in (parent, staff, other))
    assert messages["foralder0@example.org"]["Subject"] == (
        "Trygg i Österåker: stöd efter brott – våren är här"
    )

    # Running the send again writes nothing and renders nothing new.
    again = _send(publisher, settings, session_factory, "2027-1")
    assert again.accepted_now == 0
    assert len(list((settings.outbox_dir / "new").iterdir())) == 22
    assert publisher.renderer.mjml_renders == 3


def test_an_issue_that_fails_lint_snapshots_nobody(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        create_issue(session, key="2027-2", year=2027, number=2, title="Tomt")
        make_subscriber(session, "a@example.org", audiences=["senior"])
    with pytest.raises(LintError) as raised:
        _send(wiring.publisher(settings), settings, session_factory, "2027-2")
    assert any("inga block" in p for p in raised.value.problems)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
        issue = session.scalar(select(Issue).where(Issue.key == "2027-2"))
        assert issue is not None and issue.status == IssueStatus.DRAFT


def test_an_issue_with_no_receiving_subscribers_is_refused(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        _issue_with_blocks(session, key="2027-3")
        make_subscriber(
            session, "pausad@example.org", audiences=[], status=SubscriberStatus.PENDING
        )
    with pytest.raises(LintError) as raised:
        _send(wiring.publisher(settings), settings, session_factory, "2027-3")
    assert any("inga mottagare" in p for p in raised.value.problems)


def _editors(session: Session) -> dict[str, User]:
    return {
        organisation: create_user(
            session,
            email=f"redaktor@{organisation}.example.se",
            organisation=organisation,
            role="editor",
            actor="test",
            now=NOW,
        )
        for organisation in ("polis", "kommun")
    }


def _approve(session: Session, issue: Issue, editor: User) -> None:
    organisation = editor.organisation_key
    approve(
        session, issue, editor, organisation=organisation, expected_version=issue.version, now=NOW
    )


def test_only_an_issue_both_organisations_approved_is_sent(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        issue = _issue_with_blocks(session)
        make_subscriber(session, "a@example.org", audiences=["senior"])
        editors = _editors(session)
        _approve(session, issue, editors["polis"])
    publisher = wiring.publisher(settings)
    with pytest.raises(ApprovalError) as refused:
        _send(publisher, settings, session_factory, "2027-1", require_approval=True)
    assert str(refused.value) == (
        "Utskick 2027-1 kan inte skickas förrän Österåkers kommun har godkänt det."
    )
    with session_factory.begin() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
        issue = get_issue(session, "2027-1")
        assert issue.status == IssueStatus.DRAFT
        _approve(session, issue, editors["kommun"])
        # The police take their approval back before the send: a draft again.
        withdraw(session, issue, editors["polis"], now=NOW)
    with pytest.raises(ApprovalError, match="förrän Polisen har godkänt"):
        _send(publisher, settings, session_factory, "2027-1", require_approval=True)

    with session_factory.begin() as session:
        issue = get_issue(session, "2027-1")
        _approve(session, issue, editors["polis"])
        assert issue.status == IssueStatus.APPROVED
    summary = _send(publisher, settings, session_factory, "2027-1", require_approval=True)
    assert summary.sent == 1


def _choosing_anew_after_planning(
    settings: Settings, session_factory: sessionmaker[Session], **choices: Any
) -> Publisher:
    """A publisher whose send sees foralder@example.org save ``choices`` on another
    connection just after planning read the choices (PostgreSQL reads each statement
    afresh, so the snapshot sees the new ones)."""
    if session_factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite's sending transaction holds the write lock: no one can choose anew")
    publisher = wiring.publisher(settings)
    plan = publisher.plan_variants

    def plan_then_a_reader_chooses_anew(*args: Any, **kwargs: Any) -> Any:
        planned = plan(*args, **kwargs)
        with session_factory.begin() as other:
            other.execute(
                update(Subscriber)
                .where(Subscriber.email_key == "foralder@example.org")
                .values(**choices)
            )
        return planned

    publisher.plan_variants = plan_then_a_reader_chooses_anew  # type: ignore[method-assign]
    return publisher


def test_a_choice_changed_between_planning_and_the_snapshot_still_gets_its_message(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        _issue_with_blocks(session)
        make_subscriber(session, "foralder@example.org", audiences=["parents-7-9"])
        make_subscriber(session, "personal@example.org", audiences=["staff-skola"])
    # A combination no one held, so a variant not planned yet.
    publisher = _choosing_anew_after_planning(
        settings, session_factory, audiences=["ovriga"], language="en"
    )
    summary = _send(publisher, settings, session_factory, "2027-1")
    assert (summary.sent, summary.failed) == (2, 0)
    messages = _messages(settings.outbox_dir)
    reader = messages["foralder@example.org"]
    text = reader.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Trygghetsvandring i Åkersberga" in text
    assert "Föräldraskolan för tonårsföräldrar" not in text  # the new choice, not the old
    html = reader.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert 'lang="en"' in html


def test_a_choice_changed_to_one_no_block_serves_refuses_the_send_like_any_other(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        # No block for everyone: a reader who turns to seniors would get nothing.
        _issue_with_blocks(session, blocks=[b for b in BLOCKS if b[1] != "gemensamt"])
        make_subscriber(session, "foralder@example.org", audiences=["parents-7-9"])
    publisher = _choosing_anew_after_planning(settings, session_factory, audiences=["senior"])
    with pytest.raises(LintError) as refused:
        _send(publisher, settings, session_factory, "2027-1")
    assert "Läsare i Senior skulle få ett tomt nyhetsbrev" in str(refused.value)
    # Refused as a whole: the snapshot is rolled back and the issue has not started.
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
        issue = get_issue(session, "2027-1")
        assert issue.status != IssueStatus.SENDING and issue.published_at is None
    assert not (settings.outbox_dir / "new").exists() or not any(
        (settings.outbox_dir / "new").iterdir()
    )


def test_the_footer_names_the_readers_groups_in_their_language(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        _issue_with_blocks(session)
        make_subscriber(session, "foralder@example.org", audiences=["parents-7-9"])
        make_subscriber(session, "walid@example.org", audiences=["parents-7-9"], language="ar")
    summary = _send(wiring.publisher(settings), settings, session_factory, "2027-1")
    assert summary.sent == 2
    swedish = VOCABULARY.audiences["parents-7-9"]
    arabic = VOCABULARY.audiences_in("ar")["parents-7-9"]
    assert arabic != swedish
    messages = _messages(settings.outbox_dir)
    for address, label, other in (
        ("foralder@example.org", swedish, arabic),
        ("walid@example.org", arabic, swedish),
    ):
        for kind in ("plain", "html"):
            body = messages[address].get_body(preferencelist=(kind,))
            assert body is not None
            part = body.get_content()
            assert label in part and other not in part, (address, kind)
    # Recorded with the variant, so a resumed send says the same.
    with session_factory() as session:
        rows = session.execute(select(IssueVariant.language, IssueVariant.reader_label))
        assert {language: label for language, label in rows} == {"sv": swedish, "ar": arabic}
