"""Retention (gallring) on real SQLite and PostgreSQL: each kind goes exactly past its
time, a dry run deletes nothing and counts the same, an active subscriber's consent
history and an issue still sending are never touched, the follow-up figures stay the
same, and each run leaves one audit entry with counts only."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from retention_data import EXPECTED, PERIODS, SECOND, build, days, event, issue, row_counts
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.db.models import (
    AuditEvent,
    BounceMessage,
    ConsentEvent,
    ConsentEventKind,
    Delivery,
    DeliveryRollup,
    DeliveryStatus,
    Issue,
    IssueStatus,
    Subscriber,
    SubscriberStatus,
)
from tryggnews.followup.figures import issue_figures
from tryggnews.retention import RetentionPeriods, apply_retention

NOW = datetime(2028, 6, 1, 12, 0, tzinfo=UTC)


def run(sf: sessionmaker[Session], periods: RetentionPeriods = PERIODS, **kw: object):
    with sf() as session:
        return apply_retention(session, periods, NOW, **kw)  # type: ignore[arg-type]


def test_each_kind_goes_exactly_past_its_time(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        built = build(session, NOW)

    report = run(session_factory)

    assert report.counts() == EXPECTED
    with session_factory() as session:
        hashes = sorted(set(session.scalars(select(ConsentEvent.email_hash))))
        # the erased address and the history ended one second past are gone, whole
        assert hashes == ["h-active", "h-ended-at"]
        assert len(session.scalars(select(ConsentEvent)).all()) == 4
        emails = set(session.scalars(select(Subscriber.email)))
        assert "aldrig@example.org" not in emails
        assert {"aldrig-nyss@example.org", "aktiv@example.org"} <= emails
        by_issue = {
            key: len(session.scalars(select(Delivery.id).join(Issue).where(Issue.key == key)).all())
            for key in (built.old_issue, built.recent_issue, built.sending_issue)
        }
        assert by_issue == {built.old_issue: 0, built.recent_issue: 3, built.sending_issue: 3}
        rolled = session.execute(
            select(DeliveryRollup.variant, DeliveryRollup.outcome, DeliveryRollup.count)
            .join(Issue)
            .where(Issue.key == built.old_issue, DeliveryRollup.outcome != "events_through")
        ).all()
        assert [tuple(r) for r in rolled] == [("alla", "delivered", 3)]
        bounces = {b.message_key: b.delivery_id for b in session.scalars(select(BounceMessage))}
        assert set(bounces) == {"at", "sending", "rolled"}
        assert bounces["rolled"] is None  # its delivery row was rolled up: ON DELETE SET NULL
        assert bounces["sending"] is not None
        audit = session.scalars(select(AuditEvent).order_by(AuditEvent.at)).all()
        assert [a.action for a in audit] == ["block.edit", "retention.run"]
        summary = audit[-1]
        assert summary.actor == "system"
        assert summary.details == {"deleted": EXPECTED, "days": PERIODS.as_dict()}
        assert "@" not in str(summary.details)


def test_a_second_run_finds_nothing_more(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        build(session, NOW)
    run(session_factory)
    assert run(session_factory).total == 0


def test_a_dry_run_deletes_nothing_and_counts_the_same(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        build(session, NOW)
    with session_factory() as session:
        before = row_counts(session)

    dry = run(session_factory, dry_run=True)

    with session_factory() as session:
        assert row_counts(session) == before  # not even an audit entry
    assert dry.dry_run and dry.counts() == EXPECTED
    assert all(line.split(": ", 1)[1].startswith("would delete") for line in dry.lines())
    assert run(session_factory).counts() == dry.counts()


def test_zero_days_keeps_a_kind_for_ever(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        build(session, NOW)
    for_ever = RetentionPeriods(
        deliveries_days=0, consent_days=0, audit_days=0, bounce_mail_days=0, unconfirmed_days=30
    )
    report = run(session_factory, for_ever)
    assert report.counts() == {
        "deliveries": 0,
        "bounce_mail": 0,
        "unconfirmed": 1,
        "consent": 0,
        "audit": 0,
    }
    assert "audit: kept for ever (0 days) — audit log entries" in report.lines()
    with session_factory() as session:
        assert len(session.scalars(select(Delivery.id)).all()) == 9
        assert len(session.scalars(select(BounceMessage.id)).all()) == 4


def test_an_issue_still_sending_or_paused_is_never_touched(
    session_factory: sessionmaker[Session],
) -> None:
    ancient = NOW - days(5000)
    with session_factory.begin() as session:
        people = [
            Subscriber(
                email=f"p{n}@example.org",
                email_key=f"p{n}@example.org",
                status=SubscriberStatus.ACTIVE,
                token_salt=secrets.token_hex(8),
            )
            for n in range(4)
        ]
        session.add_all(people)
        session.flush()
        for number, status in ((1, IssueStatus.SENDING), (2, IssueStatus.PAUSED)):
            row = issue(session, f"2014-{number}", number, status, None)
            for person in people:
                session.add(
                    Delivery(
                        issue_id=row.id,
                        subscriber_id=person.id,
                        variant="alla",
                        status=DeliveryStatus.SENT if person.id % 2 else DeliveryStatus.PENDING,
                        created_at=ancient,
                        updated_at=ancient,
                        sent_at=ancient,
                    )
                )
    tight = RetentionPeriods(deliveries_days=1, consent_days=1, audit_days=1, bounce_mail_days=1)
    assert run(session_factory, tight).counts()["deliveries"] == 0
    with session_factory() as session:
        assert len(session.scalars(select(Delivery.id)).all()) == 8
        assert session.scalars(select(DeliveryRollup)).all() == []


def test_follow_up_figures_stay_true_after_retention(
    session_factory: sessionmaker[Session],
) -> None:
    """An issue sent long ago, a reader who unsubscribed through it and whose consent
    history is past its time as well: rows and events go, the figures do not change."""
    sent = NOW - days(1200)
    with session_factory.begin() as session:
        row = issue(session, "2025-1", 1, IssueStatus.SENT, sent)
        people = []
        for n, status in enumerate((SubscriberStatus.ACTIVE, SubscriberStatus.UNSUBSCRIBED)):
            person = Subscriber(
                email=f"l{n}@example.org",
                email_key=f"l{n}@example.org",
                status=status,
                token_salt=secrets.token_hex(8),
            )
            session.add(person)
            session.flush()
            people.append(person)
            session.add(
                Delivery(
                    issue_id=row.id,
                    subscriber_id=person.id,
                    variant="alla",
                    status=DeliveryStatus.SENT if n == 0 else DeliveryStatus.BOUNCED,
                    sent_at=sent,
                )
            )
        event(session, "h-left", ConsentEventKind.SUBSCRIBED, sent - days(30), person=people[1])
        event(
            session,
            "h-left",
            ConsentEventKind.UNSUBSCRIBED,
            sent + SECOND,
            person=people[1],
            details={"issue": "2025-1", "variant": "alla"},
        )
    with session_factory() as session:
        issue_row = session.scalars(select(Issue)).one()
        before = issue_figures(session, issue_row)

    report = run(session_factory)
    assert report.counts()["deliveries"] == 2 and report.counts()["consent"] == 2

    with session_factory() as session:
        assert session.scalars(select(Delivery)).all() == []
        assert session.scalars(select(ConsentEvent)).all() == []
        after = issue_figures(session, session.scalars(select(Issue)).one())
    assert after.total == before.total
    assert before.total.unsubscriptions == 1


def test_the_boundary_moves_with_now(session_factory: sessionmaker[Session]) -> None:
    """A row exactly at its time stays today and goes one second later."""
    with session_factory.begin() as session:
        build(session, NOW)
    run(session_factory)
    with session_factory() as session:
        later = apply_retention(session, PERIODS, NOW + SECOND)
    assert later.counts() == {
        "deliveries": 3,
        "bounce_mail": 1,
        "unconfirmed": 1,
        "consent": 2,
        "audit": 1,
    }
