"""Reading the bounce mailbox on every pass, when one is configured.

Separate from the other jobs because it reads mail rather than sending it: a
whole ``delivery.bounce_mailbox.fetch_bounces`` run, reported as actions — one
with the counts when anything was read, one per message that could not be tied
to a delivery (kept in the mailbox for a person), and an ``error`` when the
mailbox cannot be reached (the next pass tries again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from ssl import SSLContext

from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock
from tryggnews.delivery.bounce_mail import BounceRules
from tryggnews.delivery.bounce_mailbox import (
    BounceMailbox,
    MailboxConfig,
    fetch_bounces,
    open_mailbox,
)
from tryggnews.errors import TryggnewsError
from tryggnews.scheduler.actions import Action


def fetch_bounce_mail(
    session_factory: sessionmaker[Session],
    clock: Clock,
    *,
    mailbox: MailboxConfig,
    rules: BounceRules,
    opener: Callable[[MailboxConfig, SSLContext | None], BounceMailbox] = open_mailbox,
) -> list[Action]:
    """One run over the bounce mailbox; ``opener`` is the seam tests set TLS through."""
    try:
        box = opener(mailbox, None)
    except TryggnewsError as exc:
        return [Action("error", "bounces", str(exc))]
    try:
        summary = fetch_bounces(session_factory, box, rules=rules, clock=clock)
    except TryggnewsError as exc:
        return [Action("error", "bounces", str(exc))]
    finally:
        box.close()
    total = (
        summary.hard
        + summary.soft
        + summary.auto_replies
        + summary.ignored
        + summary.unattributed
        + summary.already
    )
    actions = [Action("bounces", mailbox.describe(), summary.line())] if total else []
    actions += [Action("unattributed", "bounce", line) for line in summary.unattributed_lines]
    return actions


@dataclass(frozen=True)
class BounceFetch:
    """The bounce mailbox and how to read it, as plain values from the settings."""

    mailbox: MailboxConfig
    rules: BounceRules


def bounce_step(
    session_factory: sessionmaker[Session], clock: Clock, fetch: BounceFetch | None
) -> Callable[[], list[Action]] | None:
    """The pass's ``bounces`` job, or None when no bounce mailbox is configured."""
    if fetch is None:
        return None
    return partial(
        fetch_bounce_mail, session_factory, clock, mailbox=fetch.mailbox, rules=fetch.rules
    )
