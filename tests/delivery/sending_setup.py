"""A real issue (the sample blocks, rendered by the real templates) and many subscribers.

For tests that send through the CLI or a worker process: ``prepare_issue`` fills
the database and, with ``start=True``, snapshots the audience and marks the issue
``sending`` the way ``issue send`` would, without delivering anything.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from tryggnews import wiring
from tryggnews.clock import SystemClock
from tryggnews.config import Settings
from tryggnews.content.issues import add_block, create_issue
from tryggnews.db.models import Subscriber, SubscriberStatus
from tryggnews.sample.loader import load_sample_blocks
from tryggnews.transports.outbox import MaildirTransport

ISSUE_KEY = "2027-1"
REPO_ROOT = Path(__file__).resolve().parents[2]


def address(number: int) -> str:
    return f"person{number:05d}@example.org"


def add_subscribers(session_factory: sessionmaker[Session], count: int, *, start: int = 0) -> None:
    """``count`` active subscribers ``person00000@example.org`` …, by Core bulk insert."""
    now = datetime.now(UTC)
    rows = [
        {
            "email": address(n),
            "email_key": address(n),
            "name": None,
            "language": "sv",
            "audiences": [],
            "topics": [],
            "status": SubscriberStatus.ACTIVE,
            "token_salt": secrets.token_hex(8),
            "source": "test",
            "legal_basis": "public-task",
            "soft_bounces": 0,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(start, start + count)
    ]
    with session_factory.begin() as session:
        session.execute(insert(Subscriber), rows)


def start_sending(settings: Settings, session_factory: sessionmaker[Session], key: str) -> None:
    """Snapshot issue ``key``'s audience and mark it ``sending``, delivering nothing."""
    wiring.publisher(settings).send(
        session_factory,
        key,
        transport=MaildirTransport(settings.outbox_dir),
        signer=wiring.signer(settings),
        clock=SystemClock(),
        worker_id="test-setup",
        batch_size=100,
        deliver=False,
        require_approval=False,  # delivery is under test here, not approval
    )


def prepare_issue(
    settings: Settings,
    session_factory: sessionmaker[Session],
    subscribers: int,
    *,
    start: bool = True,
) -> str:
    """The sample issue with ``subscribers`` receivers; snapshotted and ``sending`` if ``start``."""
    with session_factory.begin() as session:
        blocks = load_sample_blocks(session, author="test", vocabulary=wiring.vocabulary(settings))
        issue = create_issue(
            session,
            key=ISSUE_KEY,
            year=2027,
            number=1,
            title="Trygg i Österåker nummer 1",
            subject="Trygg i Österåker: påsklov och grannsamverkan",
            preheader="Påsklov, grannsamverkan och vårens aktiviteter.",
            intro_md="Hej! Här kommer vårens nyhetsbrev.",
        )
        for block in blocks:
            add_block(session, issue, block)
    add_subscribers(session_factory, subscribers)
    if start:
        start_sending(settings, session_factory, ISSUE_KEY)
    return ISSUE_KEY


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a ``tryggnews`` subprocess using the same database and settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRYGGNEWS_")}
    env.update(
        {
            "TRYGGNEWS_DATABASE_URL": settings.database_url,
            "TRYGGNEWS_SECRET_KEY": settings.secret_key,
            "TRYGGNEWS_TEMPLATES_DIR": str(settings.templates_dir),
            "TRYGGNEWS_SCHEDULE": str(settings.schedule),
            "TRYGGNEWS_AUDIENCES": str(settings.audiences),
            "TRYGGNEWS_OUTBOX_DIR": str(settings.outbox_dir),
        }
    )
    env.update({f"TRYGGNEWS_{k.upper()}": v for k, v in extra.items()})
    return env


def worker_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "tryggnews", "worker", *args]


def smtp_env(port: int, **extra: str) -> Mapping[str, str]:
    return {
        "transport": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": str(port),
        "smtp_security": "none",
        **extra,
    }
