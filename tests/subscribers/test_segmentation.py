"""Segmentation: each receiving subscriber gets the variant their audiences and topics select;
pending, paused, unsubscribed, bounced/suppressed and erased people get nothing; a block for
everyone reaches every recipient.

People are made through the real sign-up, confirm, pause, unsubscribe and erase paths,
then the ledger's snapshot decides who gets the issue. SQLite file and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.content.variants import VariantPlanner
from tryggnews.content.views import block_view
from tryggnews.content.vocabulary import Vocabulary
from tryggnews.db.models import Block, Delivery, DeliveryStatus, Issue, Subscriber, SubscriberStatus
from tryggnews.delivery.claims import claim_batch
from tryggnews.delivery.ledger import snapshot_audience
from tryggnews.subscribers.gdpr import erase
from tryggnews.subscribers.lifecycle import (
    Actor,
    Choices,
    confirm,
    find_subscriber,
    pause,
    sign_up,
    unsubscribe,
)
from tryggnews.subscribers.suppression import address_hash, suppress
from tryggnews.subscribers.texts import current_text

SECRET = "segmentation-test-secret-0123456789abc"
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
SEND = T0 + timedelta(days=10)
TEXT = current_text("consent")


def by(channel: str, at: datetime = T0) -> Actor:
    return Actor(channel=channel, now=at, secret_key=SECRET)


def person(
    session: Session,
    name: str,
    audiences: tuple[str, ...],
    topics: tuple[str, ...] = (),
    *,
    confirmed: bool = True,
) -> Subscriber:
    email = f"{name}@example.org"
    sign_up(session, email, Choices(audiences, topics, "sv"), text=TEXT, by=by("form"))
    subscriber = find_subscriber(session, email)
    assert subscriber is not None
    if confirmed:
        confirm(session, subscriber, by=by("link"))
    return subscriber


def block(session: Session, title: str, area: str, audiences: list[str]) -> Block:
    row = Block(
        title=title,
        body_md="Text.",
        organisation_key="kommun",
        focus_area_key=area,
        audiences=audiences,
        author="redaktor@example.se",
    )
    session.add(row)
    session.flush()
    return row


def test_only_receiving_people_are_snapshotted_each_with_their_blocks(
    session: Session, vocabulary: Vocabulary
) -> None:
    for_parents = block(session, "Langning", "andts", ["parents-7-9"])
    for_everyone = block(session, "Grannsamverkan", "gemensamt", [])
    for_seniors = block(session, "Bedrägerier", "tillgrepp", ["senior", "batagare"])
    about_violence = block(session, "En vecka fri från våld", "vald", [])
    planner = VariantPlanner(
        [block_view(b) for b in (for_parents, for_everyone, for_seniors, about_violence)],
        vocabulary.audiences,
    )

    parent = person(session, "parent", ("parents-7-9",), ("andts",))
    senior = person(session, "senior", ("senior",), ("tillgrepp",))
    all_topics = person(session, "business", ("foretag",))
    back_from_pause = person(session, "back", ("ovriga",))
    pause(session, back_from_pause, SEND - timedelta(days=1), by=by("link"))

    person(session, "pending", ("senior",), confirmed=False)
    paused = person(session, "paused", ("senior",))
    pause(session, paused, SEND + timedelta(days=1), by=by("link"))
    held = person(session, "held", ("senior",))
    held.status = SubscriberStatus.PAUSED  # an administrator's open-ended pause
    left = person(session, "left", ("senior",))
    unsubscribe(session, left, by=by("one-click"))
    bounced = person(session, "bounced", ("senior",))
    # What the bounce handling does: suppress the address and mark the person.
    suppress(
        session,
        email_hash=address_hash(SECRET, "bounced@example.org"),
        reason="hard-bounce",
        now=T0,
    )
    bounced.status = SubscriberStatus.BOUNCED
    erase(session, person(session, "erased", ("senior",)), by=by("link"))

    issue = Issue(key="2027-1", year=2027, number=1, title="Nummer 1", subject="Trygg")
    session.add(issue)
    session.flush()
    assert snapshot_audience(session, issue.id, planner, now=SEND) == 4
    rows = session.execute(
        select(Subscriber.email_key, Delivery.variant).join(
            Delivery, Delivery.subscriber_id == Subscriber.id
        )
    ).all()
    variants = {email.split("@")[0]: planner.variants[key] for email, key in rows}
    assert set(variants) == {"parent", "senior", "business", "back"}

    titles = {name: {b.title for b in spec.blocks} for name, spec in variants.items()}
    assert titles["parent"] == {"Langning", "Grannsamverkan"}
    assert titles["senior"] == {"Bedrägerier", "Grannsamverkan"}
    # No topics chosen means every topic: the everyone-blocks of every area.
    assert titles["business"] == {"Grannsamverkan", "En vecka fri från våld"}
    assert titles["back"] == {"Grannsamverkan", "En vecka fri från våld"}
    assert all("Grannsamverkan" in chosen for chosen in titles.values())
    assert {parent.id, senior.id, all_topics.id, back_from_pause.id} == set(
        session.scalars(select(Delivery.subscriber_id))
    )


def snapshot_of_two(
    session: Session, vocabulary: Vocabulary, other: str
) -> tuple[Issue, Subscriber, Subscriber]:
    """An issue for everyone snapshotted for two people: "stays" and ``other``."""
    everyone = block(session, "Grannsamverkan", "gemensamt", [])
    planner = VariantPlanner([block_view(everyone)], vocabulary.audiences)
    stays = person(session, "stays", ("ovriga",))
    leaving = person(session, other, ("ovriga",))
    issue = Issue(key="2027-1", year=2027, number=1, title="Nummer 1", subject="Trygg")
    session.add(issue)
    session.flush()
    assert snapshot_audience(session, issue.id, planner, now=SEND) == 2
    return issue, stays, leaving


def test_someone_who_leaves_after_the_snapshot_is_not_sent_to(
    session: Session, vocabulary: Vocabulary
) -> None:
    issue, stays, leaves = snapshot_of_two(session, vocabulary, "leaves")
    unsubscribe(session, leaves, by=by("one-click", SEND))
    claimed = claim_batch(session, issue.id, worker_id="test", limit=10, now=SEND)
    assert [row.subscriber_id for row in claimed] == [stays.id]


def test_someone_erased_after_the_snapshot_is_skipped_not_left_claimed(
    session: Session, vocabulary: Vocabulary
) -> None:
    issue, stays, erased = snapshot_of_two(session, vocabulary, "erased")
    erase(session, erased, by=by("link", SEND))
    claimed = claim_batch(session, issue.id, worker_id="test", limit=10, now=SEND)
    assert [row.subscriber_id for row in claimed] == [stays.id]
    statuses = {
        row.subscriber_id: row.status for row in session.execute(select(Delivery)).scalars()
    }
    assert statuses == {stays.id: DeliveryStatus.CLAIMED, None: DeliveryStatus.SKIPPED}
