"""Figures per sent issue equal direct counts in the database, before and after a rollup.

The year (``year_data``) is built through the real send path: a hard bounce and a
failure from the server, a dead sender's claims taken over, a reader who left after
the snapshot, provider reports (soft bounce, complaint, unsubscription) and an
unsubscription through the link. Each figure is compared with SQL written here.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from truth import direct_counts
from year_data import T1, T2, build_year

from tryggnews.config import Settings
from tryggnews.db.models import Issue
from tryggnews.followup.figures import Counts, issue_figures
from tryggnews.followup.rollup import roll_up_deliveries


@pytest.fixture
def year(settings: Settings, session_factory: sessionmaker[Session]) -> dict[str, int]:
    build_year(settings, session_factory)
    with session_factory() as session:
        return {i.key: i.id for i in session.query(Issue).order_by(Issue.key)}


def test_figures_are_direct_counts(
    year: dict[str, int], session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        for key in ("2027-1", "2027-2", "2027-3"):
            issue = session.get(Issue, year[key])
            assert issue is not None
            figures = issue_figures(session, issue)
            assert figures.total.as_dict() == direct_counts(session, issue.id), key
            summed = Counts()
            for variant in figures.variants:
                summed = summed.plus(variant.counts)
                assert variant.description and not variant.description.startswith("v")
            assert summed == figures.total
        one = issue_figures(session, session.get(Issue, year["2027-1"])).total  # type: ignore[arg-type]
        two = issue_figures(session, session.get(Issue, year["2027-2"])).total  # type: ignore[arg-type]
    # What the scenario did, so a silent zero everywhere cannot pass.
    assert (one.recipients, one.delivered, one.bounced_hard, one.failed) == (8, 5, 1, 1)
    assert (one.bounced_soft, one.complaints, one.unsubscriptions, one.outstanding) == (1, 1, 1, 0)
    # Issue 2 went out after the hard bounce, the complaint and the unsubscription.
    assert (two.recipients, two.delivered, two.skipped) == (8, 7, 1)
    assert (two.unsubscriptions, two.outstanding, two.failed) == (1, 0, 0)


def test_rollup_keeps_figures_and_is_idempotent(
    year: dict[str, int], session_factory: sessionmaker[Session]
) -> None:
    def all_figures() -> dict[str, object]:
        with session_factory() as session:
            return {
                key: issue_figures(session, session.get(Issue, issue_id))  # type: ignore[arg-type]
                for key, issue_id in year.items()
            }

    before = all_figures()
    with session_factory.begin() as session:
        # Only issue 1 finished before this moment.
        assert roll_up_deliveries(session, sent_before=T2) == 8
    with session_factory() as session:
        left = session.execute(
            text("SELECT count(*) FROM deliveries WHERE issue_id = :i"), {"i": year["2027-1"]}
        ).scalar_one()
        assert left == 0
    assert all_figures() == before
    with session_factory.begin() as session:
        assert roll_up_deliveries(session, sent_before=T2 + timedelta(days=30)) == 8
    with session_factory.begin() as session:
        assert roll_up_deliveries(session, sent_before=T2 + timedelta(days=30)) == 0
    assert all_figures() == before
    # A rolled-back rollup changes nothing either.
    with session_factory() as session:
        roll_up_deliveries(session, sent_before=T1 + timedelta(days=900))
        session.rollback()
    assert all_figures() == before
