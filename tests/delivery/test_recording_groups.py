"""Recording a group of answers and claiming a batch, row by row, on SQLite and PostgreSQL.

Accepted answers are written as one statement for the whole group and a claimed
batch is read back by one list parameter (``delivery.rowsets``); these tests pin
down every column those statements touch: a group mixing every kind of answer and
every awkward case leaves each row exactly as described in ``record_results``, and
large batches keep each row's own values (Message-IDs with quotes, backslashes and
non-ASCII included).
"""

from __future__ import annotations

import random
import secrets
from datetime import timedelta
from typing import Any

from delivery_factories import T0, make_issue, make_planner
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tryggnews.db.models import Delivery, DeliveryStatus, Subscriber, SubscriberStatus
from tryggnews.delivery.claims import claim_batch
from tryggnews.delivery.ledger import snapshot_audience
from tryggnews.delivery.results import DEFAULT_GIVE_UP_AFTER, record_results, retry_delay
from tryggnews.transports.base import SendResult, SendStatus

LEASE_UNTIL = T0 + timedelta(minutes=10)


def _issue_with(session: Session, count: int) -> int:
    issue = make_issue(session)
    session.add_all(
        Subscriber(
            email=f"p{n}@example.org",
            email_key=f"p{n}@example.org",
            name=f"Person {n}",
            status=SubscriberStatus.ACTIVE,
            audiences=[],
            topics=[],
            token_salt=secrets.token_hex(16),
        )
        for n in range(count)
    )
    session.flush()
    snapshot_audience(session, issue.id, make_planner(session), now=T0)
    return issue.id


def _rows(session: Session, issue_id: int) -> dict[int, tuple[Any, ...]]:
    """Every column recording may touch, by delivery id."""
    d = Delivery
    rows = session.execute(
        select(
            d.id,
            d.status,
            d.message_id,
            d.sent_at,
            d.last_error,
            d.claimed_by,
            d.claimed_until,
            d.next_attempt_at,
            d.updated_at,
            d.attempts,
        ).where(d.issue_id == issue_id)
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def test_a_mixed_group_leaves_each_row_as_described(session: Session) -> None:
    issue_id = _issue_with(session, 10)
    claimed = claim_batch(session, issue_id, worker_id="w1", limit=10, now=T0)
    a1, a2, sent, taken, bounced, failed, later, old, lost, idle = (c.delivery_id for c in claimed)
    first_answer = T0 + timedelta(seconds=10)
    record_results(
        session,
        [SendResult(sent, SendStatus.ACCEPTED)],
        now=first_answer,
        worker_id="w1",
        message_ids={sent: "<first@trygg.example.se>"},
    )
    # Another worker took two rows over (our lease ran out); one row is older than
    # the retry limit.
    session.execute(update(Delivery).where(Delivery.id.in_([taken, lost])).values(claimed_by="w2"))
    session.execute(
        update(Delivery)
        .where(Delivery.id == old)
        .values(created_at=T0 - DEFAULT_GIVE_UP_AFTER - timedelta(hours=1))
    )
    session.commit()
    before = _rows(session, issue_id)

    now = T0 + timedelta(seconds=30)
    odd_id = '<2027-1.1."q"\\b.ö@trygg.example.se>'
    record_results(
        session,
        [
            SendResult(a1, SendStatus.ACCEPTED),
            SendResult(a2, SendStatus.ACCEPTED),
            SendResult(sent, SendStatus.ACCEPTED),
            SendResult(taken, SendStatus.ACCEPTED),
            SendResult(bounced, SendStatus.BOUNCED, "550 5.1.1 no such user"),
            SendResult(failed, SendStatus.FAILED),
            SendResult(later, SendStatus.RETRY, "451 4.3.2 busy"),
            SendResult(old, SendStatus.RETRY, "421 closing"),
            SendResult(lost, SendStatus.BOUNCED, "550 5.1.1 gone"),
            # A second answer for a row: the first one counts.
            SendResult(a1, SendStatus.FAILED, "554 late"),
            SendResult(a2, SendStatus.ACCEPTED),
        ],
        now=now,
        worker_id="w1",
        message_ids={a1: odd_id, sent: "<second@trygg.example.se>", taken: "<t@x.se>"},
        rng=random.Random(5),
    )
    session.commit()

    after = _rows(session, issue_id)
    done = (None, None, None)  # claimed_by, claimed_until, next_attempt_at
    next_at = now + retry_delay(1, random.Random(5))
    assert after[a1] == (DeliveryStatus.SENT, odd_id, now, None, *done, now, 1)
    assert after[a2] == (DeliveryStatus.SENT, None, now, None, *done, now, 1)
    assert after[sent] == before[sent]
    assert after[sent][:3] == (DeliveryStatus.SENT, "<first@trygg.example.se>", first_answer)
    # Accepted is recorded whoever holds the claim: the message went out.
    assert after[taken] == (DeliveryStatus.SENT, "<t@x.se>", now, None, *done, now, 1)
    assert after[bounced] == (
        DeliveryStatus.BOUNCED,
        None,
        None,
        "550 5.1.1 no such user",
        *done,
        now,
        1,
    )
    assert after[failed] == (DeliveryStatus.FAILED, None, None, None, *done, now, 1)
    assert after[later] == (
        DeliveryStatus.RETRY,
        None,
        None,
        "451 4.3.2 busy",
        None,
        None,
        next_at,
        now,
        1,
    )
    assert after[old] == (
        DeliveryStatus.FAILED,
        None,
        None,
        f"gave up after {DEFAULT_GIVE_UP_AFTER}: 421 closing",
        *done,
        now,
        1,
    )
    # Not ours any more, and not accepted: the other worker's answer will count.
    assert after[lost] == before[lost]
    assert after[lost][:1] + after[lost][4:6] == (DeliveryStatus.CLAIMED, "w2", LEASE_UNTIL)
    assert (
        after[idle]
        == before[idle]
        == (
            DeliveryStatus.CLAIMED,
            None,
            None,
            None,
            "w1",
            LEASE_UNTIL,
            None,
            T0,
            1,
        )
    )


def test_large_batches_keep_each_rows_own_values(session: Session) -> None:
    issue_id = _issue_with(session, 1200)
    subscribers = {
        s.id: (s.email, s.name, s.token_salt) for s in session.scalars(select(Subscriber))
    }
    # One claim of more rows than SQLite once allowed parameters in a statement.
    claimed = claim_batch(session, issue_id, worker_id="w1", limit=1500, now=T0)
    assert len(claimed) == 1200
    assert [c.delivery_id for c in claimed] == sorted(c.delivery_id for c in claimed)
    assert {c.subscriber_id: (c.email, c.name, c.token_salt) for c in claimed} == subscribers

    ids = {c.delivery_id: f'<2027-1.{c.delivery_id}."{c.email}"\\å@x.se>' for c in claimed}
    now = T0 + timedelta(minutes=1)
    record_results(
        session,
        [SendResult(i, SendStatus.ACCEPTED) for i in ids],
        now=now,
        worker_id="w1",
        message_ids=ids,
    )
    session.commit()
    rows = _rows(session, issue_id)
    assert {i: row[:3] for i, row in rows.items()} == {
        i: (DeliveryStatus.SENT, message_id, now) for i, message_id in ids.items()
    }
    assert claim_batch(session, issue_id, worker_id="w2", limit=10, now=now) == []
