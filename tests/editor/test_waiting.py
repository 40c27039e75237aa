"""The first screen: the dashboard opens on the year of the next planned issue, and
"Väntar på dig" lists what waits for the signed-in person's organisation, by the plan's
deadlines (Flask client and the list itself, SQLite and PostgreSQL)."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime
from pathlib import Path

from editor_helpers import KOMMUN, POLIS, login
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import FixedClock
from tryggnews.content.approvals import approve
from tryggnews.db.models import Block, BlockStatus, Issue, User
from tryggnews.planning.schedule import load_schedule
from tryggnews.web.editor.waiting import waiting_for_organisation

REPO = Path(__file__).resolve().parents[2]
SCHEDULE = load_schedule(REPO / "schedule.toml")
TODAY = date(2027, 1, 11)  # the editor tests' START
DEADLINE_2027_1 = SCHEDULE.issue("2027-1").deadline  # type: ignore[union-attr]


def _texts(session: Session, organisation: str, today: date = TODAY) -> list[tuple[str, str]]:
    return [
        (item.kind, item.text)
        for item in waiting_for_organisation(session, SCHEDULE, organisation, today)
    ]


def test_approvals_and_draft_blocks_wait_for_their_organisation(
    session_factory: sessionmaker[Session], issue_with_blocks: dict[str, int]
) -> None:
    with session_factory() as session:
        items = waiting_for_organisation(session, SCHEDULE, "polis", TODAY)
        assert [(i.kind, i.issue_key, i.deadline) for i in items] == [
            ("approve", "2027-1", DEADLINE_2027_1),
            ("block", "2027-1", DEADLINE_2027_1),
        ]
        assert items[1].text == "Gör klart blocket ”Langning inför sportlovet” i utskick 2027-1"
        assert items[1].block_id == issue_with_blocks["polis_block"]
        kommun = _texts(session, "kommun")
        assert kommun[1] == (
            "block",
            "Gör klart blocket ”Nattvandring i Åkersberga” i utskick 2027-1",
        )
        assert waiting_for_organisation(session, SCHEDULE, "gemensam", TODAY) == []


def test_an_approval_given_leaves_the_list_and_the_other_organisation_still_waits(
    session_factory: sessionmaker[Session], issue_with_blocks: dict[str, int]
) -> None:
    with session_factory.begin() as session:
        for block in session.query(Block):
            block.status = BlockStatus.READY
        issue = session.get_one(Issue, issue_with_blocks["issue"])
        police = session.query(User).filter_by(email=POLIS).one()
        approve(
            session,
            issue,
            police,
            organisation="polis",
            expected_version=issue.version,
            now=datetime(2027, 1, 11, 9, 0, tzinfo=UTC),
        )
    with session_factory() as session:
        assert _texts(session, "polis") == []
        assert [kind for kind, _ in _texts(session, "kommun")] == ["approve"]


def test_a_planned_issue_near_its_deadline_asks_for_a_block(
    session_factory: sessionmaker[Session], people: dict[str, int]
) -> None:
    planned = SCHEDULE.issue("2027-2")
    assert planned is not None
    with session_factory() as session:
        # 30 days before its deadline: inside the horizon, nothing created yet.
        today = date.fromordinal(planned.deadline.toordinal() - 30)
        items = waiting_for_organisation(session, SCHEDULE, "polis", today)
        assert [(i.kind, i.issue_key) for i in items] == [("write", "2027-2")]
        assert items[0].text.startswith("Skriv Polisens block till utskick 2027-2: ")
        assert not items[0].late(today)
        # Past the deadline it is no longer offered (the escalation has taken over).
        after = date.fromordinal(planned.deadline.toordinal() + 1)
        later = waiting_for_organisation(session, SCHEDULE, "polis", after)
        assert "2027-2" not in [item.issue_key for item in later]


def test_the_dashboard_lists_what_waits_and_opens_on_the_next_planned_year(
    app: Flask, clock: FixedClock, issue_with_blocks: dict[str, int]
) -> None:
    client = app.test_client()
    login(client, KOMMUN)
    page = html.unescape(client.get("/redaktion/").text)
    assert "<h1>Översikt 2027</h1>" in page
    assert "Väntar på dig" in page
    assert "Det här väntar på Österåkers kommun" in page
    assert "Godkänn utskick 2027-1: Stöd efter brott och ett tryggt sportlov" in page
    assert f'href="/redaktion/block/{issue_with_blocks["kommun_block"]}"' in page
    assert "Langning inför sportlovet" not in page.split("Väntar på dig")[1].split("</section>")[0]

    # In late November 2026 the next planned issue is in 2027: open there, not on 2026.
    clock.advance(datetime(2026, 11, 20, 9, 0, tzinfo=UTC) - clock.now())
    fresh = app.test_client()
    login(fresh, KOMMUN)
    assert "<h1>Översikt 2027</h1>" in fresh.get("/redaktion/").text
    assert "<h1>Översikt 2026</h1>" in fresh.get("/redaktion/?ar=2026").text
