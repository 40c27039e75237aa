"""The "Så går det med löftet" block: drawn from the statuses as of the send, with the
changes since the previous issue, in the HTML and text parts; a broken file is a lint
problem, never a crash."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tryggnews import wiring
from tryggnews.config import Settings
from tryggnews.content.blocks import BlockInput, create_block
from tryggnews.content.issues import add_block, create_issue
from tryggnews.content.promise_view import PromiseSummaryView, StatusCount
from tryggnews.content.vocabulary import load_vocabulary
from tryggnews.db.models import (
    Issue,
    IssueStatus,
    IssueVariant,
    PromiseStatus,
    Subscriber,
    SubscriberStatus,
)
from tryggnews.editors.accounts import create_user
from tryggnews.planning.promise import load_promise, record_update

ROOT = Path(__file__).resolve().parents[2]
VOCABULARY = load_vocabulary(ROOT / "audiences.toml")
# The snapshot time of a send is the real clock (the variant rows' created_at), so the
# history is written relative to it.
NOW = datetime.now(UTC).replace(microsecond=0)
PREVIOUS_SEND = NOW - timedelta(days=60)


@pytest.fixture
def promise_settings(settings: Settings, tmp_path: Path) -> Settings:
    path = tmp_path / "promise.toml"
    path.write_text((ROOT / "promise.toml").read_text(encoding="utf-8"), encoding="utf-8")
    return dataclasses.replace(settings, promise=path)


def _issue(session: Session, key: str, number: int) -> Issue:
    issue = create_issue(
        session,
        key=key,
        year=2027,
        number=number,
        title="Stöd efter brott",
        subject="Trygg i Österåker: stöd efter brott",
        preheader="Brottsofferdagen och sportlovet.",
        intro_md="Välkommen.",
        planned_send_at=datetime(2027, 2, 15, 7, 0, tzinfo=UTC),
    )
    block = create_block(
        session,
        BlockInput(
            title=f"Langning {key}",
            body_md="Prata med ditt barn.",
            organisation="polis",
            focus_area="andts",
            audiences=[],
            author="test",
        ),
        VOCABULARY,
    )
    add_block(session, issue, block)
    return issue


def _history(session: Session, settings: Settings) -> None:
    promise = load_promise(settings.promise)
    user = create_user(
        session, email="polis@example.org", organisation="polis", role="editor", actor="t", now=NOW
    )

    def update(key: str, status: PromiseStatus, at: datetime) -> None:
        record_update(
            session, promise, key, status=status, note="", noted_on=at.date(), user=user, now=at
        )

    # Before the previous issue: counted, but not a change since then.
    update("andts-hotspots", PromiseStatus.ONGOING, PREVIOUS_SEND - timedelta(days=5))
    # After it: listed as changes.
    update("vald-vecka-fri-fran-vald", PromiseStatus.DONE, NOW - timedelta(days=10))
    update("tillgrepp-bedrageri", PromiseStatus.CANCELLED, NOW - timedelta(days=3))


@pytest.fixture
def issues(promise_settings: Settings, session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        previous = _issue(session, "2027-1", 1)
        previous.status, previous.sent_at = IssueStatus.SENT, PREVIOUS_SEND
        current = _issue(session, "2027-2", 2)
        current.promise_block = True
        _history(session, promise_settings)
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


def _current(session: Session) -> Issue:
    return session.query(Issue).filter_by(key="2027-2").one()


def test_the_block_shows_counts_and_changes_since_the_previous_issue_in_html_and_text(
    promise_settings: Settings, session_factory: sessionmaker[Session], issues: None
) -> None:
    publisher = wiring.publisher(promise_settings)
    with session_factory() as session:
        variant = publisher.preview(_current(session), audiences=list(VOCABULARY.audiences))
        _, problems = publisher.check(session, _current(session), NOW)
    assert problems == []
    line = "Löftets 17 åtaganden just nu: 14 planerade, 1 pågår, 1 genomfört och 1 inställt."
    assert "SÅ GÅR DET MED LÖFTET" in variant.text
    assert line in variant.text
    assert (
        "- Tillsammans genomföra En vecka fri från våld. – nu genomfört (Våldsprevention)"
        in variant.text
    )
    assert "– nu inställt (Tillgreppsbrott)" in variant.text
    assert "hotspotsplatser" not in variant.text  # changed before the previous issue
    assert "Ändrat sedan förra numret" in variant.text
    assert ">Så går det med löftet</h2>" in variant.html and line in variant.html
    assert "– nu genomfört (Våldsprevention)" in variant.html
    # The previous issue has no block.
    with session_factory() as session:
        previous = session.query(Issue).filter_by(key="2027-1").one()
        other = publisher.preview(previous, audiences=list(VOCABULARY.audiences))
    assert "Så går det med löftet" not in other.html + other.text


def test_a_snapshotted_send_keeps_the_statuses_of_its_snapshot(
    promise_settings: Settings, session_factory: sessionmaker[Session], issues: None
) -> None:
    with session_factory.begin() as session:
        issue = _current(session)
        # The send snapshotted a week ago; a later change must not reach its messages.
        session.add(
            IssueVariant(
                issue_id=issue.id,
                key="alla",
                block_ids=[issue.placements[0].block_id],
                created_at=NOW - timedelta(days=7),
            )
        )
    publisher = wiring.publisher(promise_settings)
    with session_factory() as session:
        view = publisher.view(_current(session))
    assert view.promise is not None and not view.promise.problem
    assert [c.word for c in view.promise.changes] == ["genomfört"]
    assert view.promise.summary_line.endswith("1 pågår och 1 genomfört.")
    assert view.promise.since == PREVIOUS_SEND.date()


def test_a_broken_or_missing_promise_file_fails_the_check_with_the_file_and_line(
    promise_settings: Settings, session_factory: sessionmaker[Session], issues: None
) -> None:
    path = promise_settings.promise
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("end = 2027-12-31", "end = 2024-12-31"), encoding="utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("end = "))
    publisher = wiring.publisher(promise_settings)
    with session_factory() as session:
        _, problems = publisher.check(session, _current(session), NOW)
        variant = publisher.preview(_current(session), audiences=list(VOCABULARY.audiences))
    assert problems == [
        f"Så går det med löftet: {path}:{line}: end 2024-12-31 is before start 2025-01-01 "
        "Rätta filen, eller stäng av blocket för numret."
    ]
    assert "Så går det med löftet" not in variant.html
    path.unlink()
    with session_factory() as session:
        _, problems = publisher.check(session, _current(session), NOW)
    assert len(problems) == 1 and "löftet finns inte som fil" in problems[0]
    # Switched off, the file does not matter.
    with session_factory.begin() as session:
        _current(session).promise_block = False
    with session_factory() as session:
        assert publisher.check(session, _current(session), NOW)[1] == []


def test_the_summary_line_speaks_swedish_for_one_and_many() -> None:
    one = PromiseSummaryView(total=1, counts=(StatusCount("genomfort", "genomfört", 1),))
    assert one.summary_line == "Löftets 1 åtagande just nu: 1 genomfört."
