"""A year of newsletter history built through the real code paths, for the follow-up tests.

2027: issue 1 sent in February, issue 2 sent in April after a sender died mid-send
(its claims ran out and a second run took over), issue 3 planned for May and not sent.
Along the way: a hard bounce during the send, a failed message, a subscriber who left
after the snapshot (skipped), a soft bounce and a complaint reported by the provider,
an unsubscription reported by the provider and one through the reader's own link.
Sign-ups and confirmations are consent events spread over 2026 and 2027.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews import wiring
from tryggnews.clock import FixedClock
from tryggnews.config import Settings
from tryggnews.content.issues import add_block, create_issue
from tryggnews.db.models import (
    Block,
    BlockStatus,
    ConsentEventKind,
    Delivery,
    Issue,
    Subscriber,
    SubscriberStatus,
)
from tryggnews.delivery.bounces import DeliveryReport, ReportKind, apply_reports
from tryggnews.delivery.claims import claim_batch
from tryggnews.delivery.options import DeliveryOptions
from tryggnews.followup.origin import latest_issue_origin
from tryggnews.subscribers.consent import record_event
from tryggnews.subscribers.lifecycle import Actor, unsubscribe
from tryggnews.subscribers.suppression import address_hash
from tryggnews.transports import OutgoingMessage, SendResult, SendStatus
from tryggnews.transports.base import ResultCallback

SECRET = "test-secret-key-that-is-long-enough-0123456789"
YEAR = 2027
T1 = datetime(2027, 2, 15, 8, 0, tzinfo=UTC)
T2 = datetime(2027, 4, 8, 8, 0, tzinfo=UTC)
PLANNED = {
    1: datetime(2027, 2, 12, 8, 0, tzinfo=UTC),
    2: datetime(2027, 4, 7, 8, 0, tzinfo=UTC),
    3: datetime(2027, 5, 26, 8, 0, tzinfo=UTC),
}
LEASE = timedelta(minutes=2)
# (address, audiences, topics, language, signed up, confirmed)
PEOPLE: list[tuple[str, list[str], list[str], str, datetime]] = [
    (f"p{n:02d}@example.org", aud, top, lang, when)
    for n, (aud, top, lang, when) in enumerate(
        [
            (["parents-7-9"], [], "sv", datetime(2026, 11, 3, 10, tzinfo=UTC)),
            (["parents-7-9"], ["andts"], "sv", datetime(2026, 12, 1, 10, tzinfo=UTC)),
            (["senior"], [], "sv", datetime(2026, 12, 5, 10, tzinfo=UTC)),
            (["senior"], [], "en", datetime(2027, 1, 10, 10, tzinfo=UTC)),
            (["batagare"], [], "sv", datetime(2027, 1, 20, 10, tzinfo=UTC)),
            (["parents-4-6", "forening"], [], "ar", datetime(2027, 1, 25, 10, tzinfo=UTC)),
            (["ovriga"], [], "sv", datetime(2027, 2, 1, 10, tzinfo=UTC)),
            (["parents-7-9"], [], "so", datetime(2027, 2, 2, 10, tzinfo=UTC)),
            (["senior"], [], "sv", datetime(2027, 3, 3, 10, tzinfo=UTC)),
            (["foretag"], [], "sv", datetime(2027, 3, 4, 10, tzinfo=UTC)),
            (["parents-7-9"], [], "sv", datetime(2027, 3, 5, 10, tzinfo=UTC)),
            (["fastighetsagare"], [], "sv", datetime(2027, 6, 5, 10, tzinfo=UTC)),
        ]
    )
]
HARD = "p02@example.org"  # issue 1: the receiving server says 5.1.1
FAILED = "p04@example.org"  # issue 1: refused for another reason
SOFT = "p03@example.org"  # issue 1: the provider reports a soft bounce
COMPLAINT = "p05@example.org"  # issue 1: marks it as spam
WEBHOOK_UNSUB = "p06@example.org"  # issue 1: unsubscribes through the provider
LINK_UNSUB = "p07@example.org"  # after issue 2: clicks the unsubscribe link
SKIPPED = "p09@example.org"  # issue 2: leaves after the snapshot, before the claim


class Scripted:
    """Accepts every message except: bounced and failed addresses, as a server would say."""

    name = "scripted"

    def __init__(self, bounced: Sequence[str] = (), failed: Sequence[str] = ()) -> None:
        self.bounced, self.failed = set(bounced), set(failed)

    def send(
        self, batch: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        out = []
        for message in batch:
            if message.recipient in self.bounced:
                out.append(SendResult(message.delivery_id, SendStatus.BOUNCED, "550 5.1.1 no"))
            elif message.recipient in self.failed:
                out.append(SendResult(message.delivery_id, SendStatus.FAILED, "554 5.6.0 no"))
            else:
                out.append(SendResult(message.delivery_id, SendStatus.ACCEPTED))
        return out

    def close(self) -> None:
        pass


def _block(session: Session, title: str, org: str, area: str, audiences: list[str]) -> Block:
    block = Block(
        title=title,
        body_md=f"{title}.",
        organisation_key=org,
        focus_area_key=area,
        audiences=audiences,
        author="redaktion@example.org",
        status=BlockStatus.APPROVED,
    )
    session.add(block)
    session.flush()
    return block


def _people(session: Session, after: datetime | None, before: datetime | None) -> None:
    """The people who signed up in [after, before): each exists from their sign-up on."""
    for email, audiences, topics, language, when in PEOPLE:
        if (after is not None and when < after) or (before is not None and when >= before):
            continue
        person = Subscriber(
            email=email,
            email_key=email,
            language=language,
            audiences=audiences,
            topics=topics,
            status=SubscriberStatus.ACTIVE,
            token_salt=secrets.token_hex(8),
            created_at=when,
            confirmed_at=when + timedelta(hours=1),
        )
        session.add(person)
        session.flush()
        for kind, at in (
            (ConsentEventKind.SUBSCRIBED, when),
            (ConsentEventKind.CONFIRMED, when + timedelta(hours=1)),
        ):
            record_event(
                session,
                subscriber=person,
                email_hash=address_hash(SECRET, email),
                kind=kind,
                channel="form",
                legal_basis="consent",
                now=at,
                details={"audiences": audiences, "topics": topics, "language": language},
            )


def _issue_with_blocks(session: Session, number: int) -> Issue:
    issue = create_issue(
        session,
        key=f"{YEAR}-{number}",
        year=YEAR,
        number=number,
        title=f"Trygg i Österåker nummer {number}",
        preheader="Råd och aktiviteter för ett tryggare Österåker.",
        intro_md="Hej! Här kommer nyheter från kommunen och polisen.",
        planned_send_at=PLANNED[number],
    )
    specs = {
        1: [
            ("Vuxna som inte bjuder", "polis", "andts", ["parents-7-9"]),
            ("Grannsamverkan i vår", "kommun", "tillgrepp", []),
            ("Internationella brottsofferdagen", "gemensam", "vald", []),
        ],
        2: [
            ("Valborg och langning", "polis", "andts", []),
            ("Båtstölder", "polis", "tillgrepp", ["batagare"]),
            ("Föreläsning onsdagen innan valborg", "kommun", "gemensamt", []),
        ],
        3: [("Skolavslutning", "kommun", "offentlig-miljo", [])],
    }[number]
    for title, org, area, audiences in specs:
        add_block(session, issue, _block(session, title, org, area, audiences))
    return issue


def _send(
    settings: Settings,
    session_factory: sessionmaker[Session],
    key: str,
    transport: Scripted,
    now: datetime,
    *,
    deliver: bool = True,
) -> None:
    wiring.publisher(settings).send(
        session_factory,
        key,
        transport=transport,
        signer=wiring.signer(settings),
        clock=FixedClock(now),
        worker_id=f"followup-test:{now:%H%M%S}",
        batch_size=3,
        options=DeliveryOptions(suppression_key=SECRET, lease=LEASE),
        deliver=deliver,
        require_approval=False,  # the figures are under test, not approval
    )


def _report(kind: ReportKind, email: str, message_id: str, n: int) -> DeliveryReport:
    return DeliveryReport(
        provider="brevo",
        event_key=f"{message_id}:{kind.value}:{n}",
        kind=kind,
        email=email,
        message_ids=(message_id,),
        event=kind.value,
    )


def _message_id(session: Session, issue_key: str, email: str) -> str:
    found = session.scalar(
        select(Delivery.message_id)
        .join(Issue, Issue.id == Delivery.issue_id)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Issue.key == issue_key, Subscriber.email == email)
    )
    assert found, (issue_key, email)
    return found


def build_year(settings: Settings, session_factory: sessionmaker[Session]) -> None:
    """Fill the database with the year described at the top of this module."""
    with session_factory.begin() as session:
        _people(session, None, T1)
        for number in (1, 2, 3):
            _issue_with_blocks(session, number)

    # Issue 1: a hard bounce and a failure during the send.
    _send(settings, session_factory, "2027-1", Scripted(bounced=[HARD], failed=[FAILED]), T1)
    later = T1 + timedelta(days=1)
    with session_factory.begin() as session:
        reports = [
            _report(ReportKind.SOFT_BOUNCE, SOFT, _message_id(session, "2027-1", SOFT), 1),
            _report(ReportKind.COMPLAINT, COMPLAINT, _message_id(session, "2027-1", COMPLAINT), 1),
            _report(
                ReportKind.UNSUBSCRIBED,
                WEBHOOK_UNSUB,
                _message_id(session, "2027-1", WEBHOOK_UNSUB),
                1,
            ),
        ]
        apply_reports(session, reports, secret_key=SECRET, soft_bounce_limit=3, now=later)

    with session_factory.begin() as session:
        _people(session, T1, T2)
    # Issue 2: snapshot, a sender claims a batch and dies; someone leaves before
    # their row is claimed; a second run after the lease ran out finishes the issue.
    _send(settings, session_factory, "2027-2", Scripted(), T2, deliver=False)
    with session_factory.begin() as session:
        issue_id = session.scalar(select(Issue.id).where(Issue.key == "2027-2"))
        assert issue_id is not None
        dead = claim_batch(session, issue_id, worker_id="dead:1", limit=3, now=T2, lease=LEASE)
        assert len(dead) == 3
        leaver = session.scalar(select(Subscriber).where(Subscriber.email == SKIPPED))
        assert leaver is not None
        unsubscribe(session, leaver, by=Actor("link", T2 + timedelta(seconds=30), SECRET))
    _send(settings, session_factory, "2027-2", Scripted(), T2 + LEASE + timedelta(minutes=1))

    # After issue 2: one reader leaves through the link in the message.
    with session_factory.begin() as session:
        reader = session.scalar(select(Subscriber).where(Subscriber.email == LINK_UNSUB))
        assert reader is not None
        unsubscribe(
            session,
            reader,
            by=Actor("link", T2 + timedelta(days=2), SECRET),
            details=latest_issue_origin(session, reader.id),
        )
        _people(session, T2, None)
