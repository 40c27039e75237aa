"""The set-based snapshot on SQLite and PostgreSQL, against planning one subscriber at a time.

The snapshot plans each distinct stored (audiences, topics, language) once and lets the
database join that mapping back to the subscribers. For any mix of choices (keys in
other orders, repeated keys, no topics, languages the issue does not declare, an empty
language) and of states (paused, unsubscribed, not yet confirmed), every ledger row must
carry exactly the variant ``variant_for`` gives that subscriber read on their own, and
exactly the subscribers ``receiving(now)`` admits must be there.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from delivery_factories import T0, make_issue, make_subscriber
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.content.variants import VariantPlanner
from tryggnews.content.views import BlockView, block_view
from tryggnews.db.models import (
    Block,
    Delivery,
    DeliveryStatus,
    LanguagePolicy,
    Subscriber,
    SubscriberStatus,
)
from tryggnews.delivery.ledger import audience_choices, snapshot_audience

LANGUAGES = ("sv", "en")
AUDIENCES = ("parents-7-9", "senior", "foretag", "staff-skola")
TOPICS = ("andts", "vald", "evenemang", "tillgrepp")
# Declared, undeclared (read Swedish), and empty (stored by nobody today; reads Swedish).
STORED_LANGUAGES = ("sv", "en", "ar", "so", "")
PAUSES = (None, T0 - timedelta(days=1), T0, T0 + timedelta(days=1))


def _blocks(session: Session) -> list[BlockView]:
    """Blocks that make audiences, topics and language all matter to the variant."""
    specs = [
        ("andts", ["parents-7-9"], LanguagePolicy.FALLBACK),
        ("vald", ["senior", "foretag"], LanguagePolicy.SKIP),  # left out for English readers
        ("gemensamt", [], LanguagePolicy.FALLBACK),
        ("tillgrepp", [], LanguagePolicy.SWEDISH_ONLY),
    ]
    blocks = [
        Block(
            title=f"Block {n}",
            body_md="Text.",
            organisation_key="polis",
            focus_area_key=area,
            audiences=audiences,
            language_policy=policy,
            author="kommunpolis@example.se",
        )
        for n, (area, audiences, policy) in enumerate(specs)
    ]
    session.add_all(blocks)
    session.flush()
    return [block_view(b) for b in blocks]


def _planner(blocks: list[BlockView]) -> VariantPlanner:
    return VariantPlanner(blocks, {}, languages=LANGUAGES)


# Lists as the app may store them: any order, and (from older imports) a key twice.
_keys = st.lists(st.sampled_from(AUDIENCES), max_size=4)
_topics = st.lists(st.sampled_from(TOPICS), max_size=3)
_person = st.fixed_dictionaries(
    {
        "audiences": _keys,
        "topics": _topics,
        "language": st.sampled_from(STORED_LANGUAGES),
        "status": st.sampled_from(
            [SubscriberStatus.ACTIVE] * 3
            + [SubscriberStatus.PENDING, SubscriberStatus.UNSUBSCRIBED, SubscriberStatus.BOUNCED]
        ),
        "paused_until": st.sampled_from(PAUSES),
    }
)


def _add(session: Session, n: int, person: dict[str, object]) -> Subscriber:
    subscriber = make_subscriber(
        session,
        f"p{n}@example.org",
        audiences=person["audiences"],  # type: ignore[arg-type]
        topics=person["topics"],  # type: ignore[arg-type]
        status=person["status"],  # type: ignore[arg-type]
        paused_until=person["paused_until"],  # type: ignore[arg-type]
    )
    subscriber.language = str(person["language"])
    session.flush()
    return subscriber


def _receives(subscriber: Subscriber, now: datetime) -> bool:
    # receiving(now), read in Python: active, and not paused beyond now.
    paused = subscriber.paused_until
    return subscriber.status == SubscriberStatus.ACTIVE and (paused is None or paused <= now)


def _expected(session: Session, reference: VariantPlanner) -> dict[int, str]:
    """The old way: every subscriber read on their own, planned on their own."""
    session.expire_all()
    return {
        s.id: reference.variant_for(s.audiences, s.topics, s.language).key
        for s in session.scalars(select(Subscriber))
        if _receives(s, T0)
    }


def _ledger(session: Session, issue_id: int) -> dict[int | None, str]:
    rows = session.execute(
        select(Delivery.subscriber_id, Delivery.variant).where(Delivery.issue_id == issue_id)
    )
    return {subscriber_id: variant for subscriber_id, variant in rows}


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    people=st.lists(_person, max_size=14),
    late=_person,
)
def test_every_row_gets_the_variant_planned_for_that_subscriber_alone(
    session: Session, people: list[dict[str, object]], late: dict[str, object]
) -> None:
    try:
        issue = make_issue(session)
        blocks = _blocks(session)
        planner, reference = _planner(blocks), _planner(blocks)
        for n, person in enumerate(people):
            _add(session, n, person)
        expected = _expected(session, reference)

        added = snapshot_audience(session, issue.id, planner, now=T0)

        assert added == len(expected)
        assert _ledger(session, issue.id) == expected
        # The planner learnt exactly the variants someone receives, as it did streaming.
        assert set(planner.variants) == set(expected.values())
        statuses = session.scalars(select(Delivery.status).where(Delivery.issue_id == issue.id))
        assert set(statuses) <= {DeliveryStatus.PENDING}

        assert snapshot_audience(session, issue.id, planner, now=T0) == 0

        newcomer = _add(session, len(people), late)
        expected = _expected(session, reference)
        assert snapshot_audience(session, issue.id, planner, now=T0) == int(newcomer.id in expected)
        assert _ledger(session, issue.id) == expected
    finally:
        session.rollback()


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(people=st.lists(_person, max_size=14))
def test_planning_reads_each_held_choice_once(
    session: Session, people: list[dict[str, object]]
) -> None:
    try:
        blocks = _blocks(session)
        reference = _planner(blocks)
        for n, person in enumerate(people):
            _add(session, n, person)
        expected = _expected(session, reference)

        choices = audience_choices(session, T0)

        assert len(set(choices)) == len(choices)
        planner = _planner(blocks)
        assert {c.variant(planner).key for c in choices} == set(expected.values())
        # Each choice is one stored text: as many as the distinct texts receivers hold.
        held = {
            (tuple(s.audiences), tuple(s.topics), s.language)
            for s in session.scalars(select(Subscriber))
            if _receives(s, T0)
        }
        assert len(choices) == len(held)
    finally:
        session.rollback()


def test_keys_in_another_order_share_the_variant(session: Session) -> None:
    issue = make_issue(session)
    planner = _planner(_blocks(session))
    one = make_subscriber(session, "a@example.org", audiences=["senior", "parents-7-9"])
    other = make_subscriber(session, "b@example.org", audiences=["parents-7-9", "senior"])

    assert len(audience_choices(session, T0)) == 2
    assert snapshot_audience(session, issue.id, planner, now=T0) == 2

    ledger = _ledger(session, issue.id)
    assert ledger[one.id] == ledger[other.id]
    assert ledger[one.id] == planner.variant_for(["senior", "parents-7-9"], []).key
    assert len(planner.variants) == 1


def test_a_choice_changed_after_planning_is_still_snapshotted(session: Session) -> None:
    issue = make_issue(session)
    planner = _planner(_blocks(session))
    stays = make_subscriber(session, "a@example.org", audiences=["senior"])
    moves = make_subscriber(session, "b@example.org", audiences=["senior"])
    choices = audience_choices(session, T0)
    # Between planning and the snapshot (the issue renders meanwhile) one reader changes
    # their choices into one planning never saw.
    moves.audiences = ["foretag"]
    moves.language = "en"
    session.flush()

    assert snapshot_audience(session, issue.id, planner, now=T0, choices=choices) == 2

    ledger = _ledger(session, issue.id)
    assert ledger[stays.id] == planner.variant_for(["senior"], []).key
    assert ledger[moves.id] == planner.variant_for(["foretag"], [], "en").key
    assert ledger[moves.id] != ledger[stays.id]


def test_rows_are_pending_and_stamped_with_now(session: Session) -> None:
    issue = make_issue(session)
    subscriber = make_subscriber(session, "a@example.org", topics=["andts"])
    snapshot_audience(session, issue.id, _planner(_blocks(session)), now=T0)

    row = session.scalars(select(Delivery).where(Delivery.subscriber_id == subscriber.id)).one()
    assert (row.status, row.attempts, row.created_at, row.updated_at) == (
        DeliveryStatus.PENDING,
        0,
        T0,
        T0,
    )
