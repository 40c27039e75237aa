"""Sent issues for the archive tests: blocks made through the content functions, an
issue really sent through the Publisher to real subscribers into a Maildir outbox."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from tryggnews import wiring
from tryggnews.clock import FixedClock
from tryggnews.config import Settings
from tryggnews.content.blocks import BlockInput, create_block
from tryggnews.content.issues import add_block, create_issue, get_block
from tryggnews.content.vocabulary import load_vocabulary
from tryggnews.db.models import Block, IssueStatus, Subscriber, SubscriberStatus
from tryggnews.transports.outbox import MaildirTransport

VOCABULARY = load_vocabulary(Path(__file__).resolve().parents[2] / "audiences.toml")
SENT = datetime(2027, 2, 15, 7, 0, tzinfo=UTC)
READERS = ("lisa.berg@example.org", "ahmed.ali@example.org", "personal@example.org")


@dataclass(frozen=True)
class Part:
    title: str
    area: str = "gemensamt"
    audiences: tuple[str, ...] = ()
    body: str = ""
    web_public: bool = True
    extra: dict[str, str] = field(default_factory=dict)


def send_issue(
    settings: Settings,
    sessions: sessionmaker[Session],
    key: str,
    parts: list[Part],
    *,
    title: str = "Stöd efter brott",
    intro: str = "Våren är här, och med den **trygghetsvandringarna**.",
    staff_only: bool = False,
    deliver: bool = True,
    before_send: Callable[[Session, int, dict[str, int]], None] | None = None,
) -> dict[str, int]:
    """Create the issue with ``parts`` and send it; returns the block ids by title.

    ``staff_only``: the issue is marked sent as the sender leaves it, without a send
    (lint would refuse it: the non-staff readers' variants would be empty).
    ``deliver=False``: the send is started (snapshot, status "sending") and stops there.
    ``before_send(session, issue_id, ids)`` runs in the transaction that makes the issue.
    """
    year, number = (int(x) for x in key.split("-"))
    ids: dict[str, int] = {}
    with sessions.begin() as session:
        _readers(session)
        issue = create_issue(
            session,
            key=key,
            year=year,
            number=number,
            title=title,
            intro_md=intro,
            preheader=f"{title}: nytt från kommunen och polisen",
            planned_send_at=SENT + timedelta(days=number),
        )
        for part in parts:
            block = create_block(
                session,
                BlockInput(
                    title=part.title,
                    body_md=part.body or f"Text om {part.title.lower()}.",
                    organisation="polis",
                    focus_area=part.area,
                    audiences=list(part.audiences),
                    author="test",
                    status="approved",
                    **part.extra,  # type: ignore[arg-type]
                ),
                VOCABULARY,
            )
            stored: Block = get_block(session, block.id)
            stored.web_public = part.web_public
            add_block(session, issue, stored)
            ids[part.title] = block.id
        if before_send is not None:
            session.flush()
            before_send(session, issue.id, ids)
        if staff_only:
            issue.status = IssueStatus.SENT
            issue.sent_at = SENT + timedelta(days=number)
            return ids
    transport = MaildirTransport(settings.outbox_dir)
    try:
        wiring.publisher(settings).send(
            sessions,
            key,
            transport=transport,
            signer=wiring.signer(settings),
            clock=FixedClock(SENT + timedelta(days=number)),
            worker_id="test",
            batch_size=10,
            require_approval=False,
            deliver=deliver,
        )
    finally:
        transport.close()
    return ids


def _readers(session: Session) -> None:
    if session.query(Subscriber).count():
        return
    for address, audiences in zip(
        READERS, (["parents-7-9"], ["senior"], ["staff-skola"]), strict=True
    ):
        session.add(
            Subscriber(
                email=address,
                email_key=address.casefold(),
                audiences=audiences,
                topics=[],
                status=SubscriberStatus.ACTIVE,
                token_salt=secrets.token_hex(8),
            )
        )
    session.flush()


__all__ = ["READERS", "SENT", "Part", "send_issue"]
