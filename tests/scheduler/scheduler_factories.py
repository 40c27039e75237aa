"""Builders for scheduler tests: a small plan, issues with blocks, subscribers, the outbox.

Real rows in the test database and a real schedule.toml in the test's folder; the
scheduler's parts are built by the same function the CLI uses, with a FixedClock.
"""

from __future__ import annotations

import dataclasses
import email
import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tryggnews import wiring
from tryggnews.clock import Clock
from tryggnews.config import Settings
from tryggnews.db.models import (
    Block,
    BlockStatus,
    Issue,
    IssueBlock,
    IssueStatus,
    Subscriber,
    SubscriberStatus,
)
from tryggnews.scheduler.actions import Action
from tryggnews.scheduler.runner import SchedulerParts, run_pass
from tryggnews.transports.base import OutgoingMessage, ResultCallback, SendResult, SendStatus
from tryggnews.transports.outbox import MaildirTransport

POLIS_EDITOR = "redaktor@polisen.example.org"
KOMMUN_EDITORS = ("trygghet@kommun.example.se", "kommunikation@kommun.example.se")
POLIS_CHIEF = "chef@polisen.example.org"
KOMMUN_CHIEF = "sakerhetschef@kommun.example.se"
ADMIN = "admin@kommun.example.se"


def newsletter_toml(*, auto_fill: bool = False, extra: str = "") -> str:
    return f"""\
[newsletter]
name = "Trygg i Österåker"
timezone = "Europe/Stockholm"
min_issues_per_year = 4
default_send_time = "08:00"
sender_address = "nyhetsbrev@trygg.example.se"
reply_to = "trygghet@kommun.example.se"
administrators = ["{ADMIN}"]
deadline_days_before = 10
reminder_days_before_deadline = [7, 2]
auto_fill = {"true" if auto_fill else "false"}
{extra}
[newsletter.editors]
polis = ["{POLIS_EDITOR}"]
kommun = ["{KOMMUN_EDITORS[0]}", "{KOMMUN_EDITORS[1]}"]

[newsletter.escalation]
polis = ["{POLIS_CHIEF}"]
kommun = ["{KOMMUN_CHIEF}"]
"""


def issue_toml(key: str, send_on: str, send_time: str = "08:00") -> str:
    return f"""
[[issue]]
key = "{key}"
title = "Nummer {key}"
theme = "Tema för {key}"
send_on = {send_on}
send_time = "{send_time}"
"""


def write_plan(folder: Path, issues: Sequence[tuple[str, str]], *, auto_fill: bool = False) -> Path:
    """A schedule.toml with ``(key, send_on)`` issues at 08:00."""
    path = folder / "schedule.toml"
    text = newsletter_toml(auto_fill=auto_fill) + "".join(issue_toml(k, d) for k, d in issues)
    path.write_text(text, encoding="utf-8")
    return path


def plan_ahead(folder: Path) -> Path:
    """A plan whose one issue is six weeks from today: nothing in it is due now, and an
    issue sent today lists "Kommande aktiviteter" only until then (a short newsletter)."""
    ahead = date.today() + timedelta(weeks=6)
    return write_plan(folder, [(f"{ahead.year}-9", ahead.isoformat())])


def parts_for(
    engine: Engine, settings: Settings, clock: Clock, schedule: Path | None = None
) -> SchedulerParts:
    if schedule is not None:
        settings = dataclasses.replace(settings, schedule=schedule)
    return dataclasses.replace(
        wiring.scheduler_parts(engine, settings, clock), worker_id="test-scheduler", batch_size=50
    )


def one_pass(parts: SchedulerParts) -> list[Action]:
    """One scheduler pass, as ``scheduler --once`` or the reconcile job does it."""
    return run_pass(parts, parts.load_schedule())[0]


def make_block(
    session: Session,
    title: str,
    *,
    organisation: str = "polis",
    status: BlockStatus = BlockStatus.APPROVED,
    evergreen: bool = False,
) -> Block:
    block = Block(
        title=title,
        body_md=f"Text om {title.lower()}. Ring 114 14 om du vill tipsa polisen.",
        organisation_key=organisation,
        focus_area_key="tillgrepp",
        audiences=[],
        status=status,
        evergreen=evergreen,
        author="test@example.se",
    )
    session.add(block)
    session.flush()
    return block


def make_issue(
    session: Session,
    key: str,
    planned_send_at: datetime | None,
    *,
    status: IssueStatus = IssueStatus.APPROVED,
    blocks: Sequence[Block] = (),
) -> Issue:
    year, number = (int(part) for part in key.split("-"))
    issue = Issue(
        key=key,
        year=year,
        number=number,
        title=f"Nummer {key}",
        subject=f"Trygg i Österåker {key}",
        preheader="Grannsamverkan och råd inför helgen.",
        intro_md="Hej! Här kommer nyhetsbrevet från kommunen och polisen.",
        planned_send_at=planned_send_at,
        status=status,
    )
    session.add(issue)
    session.flush()
    if not blocks:
        blocks = [make_block(session, f"Grannsamverkan {key}")]
    for position, block in enumerate(blocks, start=1):
        session.add(IssueBlock(issue_id=issue.id, block_id=block.id, position=position))
    session.flush()
    return issue


def make_subscribers(session: Session, count: int = 3) -> list[str]:
    addresses = [f"person{n}@example.org" for n in range(count)]
    for address in addresses:
        session.add(
            Subscriber(
                email=address,
                email_key=address,
                status=SubscriberStatus.ACTIVE,
                token_salt=secrets.token_hex(8),
            )
        )
    session.flush()
    return addresses


def outbox(settings: Settings) -> list[EmailMessage]:
    folder = settings.outbox_dir / "new"
    if not folder.is_dir():
        return []
    return [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for path in sorted(folder.iterdir())
    ]


def notices(settings: Settings, prefix: str = "") -> list[EmailMessage]:
    """The scheduler's own emails (reminders, escalations, alerts), optionally by key prefix."""
    return [
        m
        for m in outbox(settings)
        if m["X-Tryggnews-Notice"] and str(m["X-Tryggnews-Notice"]).startswith(prefix)
    ]


def newsletters(settings: Settings, subject: str) -> list[EmailMessage]:
    return [m for m in outbox(settings) if not m["X-Tryggnews-Notice"] and m["Subject"] == subject]


def recipients(messages: Sequence[EmailMessage]) -> list[str]:
    return sorted(str(m["To"]) for m in messages)


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


class FlakyTransport:
    """A Maildir outbox that answers "try again later" to its first ``failures`` calls."""

    name = "flaky-outbox"

    def __init__(self, path: Path, failures: int) -> None:
        self.inner = MaildirTransport(path)
        self.failures = failures
        self.calls = 0

    def send(
        self, batch: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        self.calls += 1
        if self.calls <= self.failures:
            return [SendResult(m.delivery_id, SendStatus.RETRY, "451 try later") for m in batch]
        return self.inner.send(batch, on_result)

    def close(self) -> None:
        self.inner.close()
