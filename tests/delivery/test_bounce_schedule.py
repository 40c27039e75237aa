"""The scheduler reads the bounce mailbox on every pass when one is configured (and not
otherwise), and sends scheduled issues with VERP envelope senders."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bounce_helpers import BOUNCE_ADDRESS, corpus, send_with_verp
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews import wiring
from tryggnews.clock import SystemClock
from tryggnews.config import Settings
from tryggnews.db.models import Subscriber, SubscriberStatus
from tryggnews.scheduler.runner import run_pass


def test_a_pass_reads_the_bounce_maildir_when_configured(
    engine: Engine, session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    sent = send_with_verp(session_factory, ["anna@example.org"])["anna@example.org"]
    maildir = tmp_path / "bounces"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.postfix").write_bytes(
        corpus(
            "postfix_hard.eml",
            verp=sent.envelope_from,
            rcpt=sent.recipient,
            message_id=sent.message_id,
        )
    )
    plain = wiring.scheduler_parts(engine, settings, SystemClock())
    assert plain.bounce_fetch is None and plain.options is not None and plain.options.verp is None
    assert run_pass(plain, None, frozenset({"bounces"}))[0] == []

    configured = dataclasses.replace(
        settings, bounce_maildir=str(maildir), bounce_address=BOUNCE_ADDRESS
    )
    parts = wiring.scheduler_parts(engine, configured, SystemClock())
    assert parts.options is not None and parts.options.verp is not None
    actions, _ = run_pass(parts, None, frozenset({"bounces"}))
    assert [a.kind for a in actions] == ["bounces"]
    assert actions[0].detail.startswith("hard 1, soft 0")
    with session_factory() as session:
        assert session.scalars(select(Subscriber.status)).one() == SubscriberStatus.BOUNCED


def test_an_unreachable_mailbox_is_an_error_action_not_a_crash(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    configured = dataclasses.replace(settings, bounce_maildir=str(tmp_path / "saknas"))
    parts = wiring.scheduler_parts(engine, configured, SystemClock())
    actions, _ = run_pass(parts, None, frozenset({"bounces"}))
    assert [a.kind for a in actions] == ["error"]
    assert "TRYGGNEWS_BOUNCE_MAILDIR" in actions[0].detail
