"""No email address in a log record at INFO or above, on the real paths that handle
addresses: a sign-up with its confirmation, "email me my link", a send to every
subscriber, and a one-click unsubscribe. Records are read as logged (before any
formatter), from every logger, so a new log line that names a person fails here."""

from __future__ import annotations

import logging
import re

import pytest
from public_site import Site, confirmed, site_fixture  # noqa: F401
from sends import send_sample_issue
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.config import Settings
from tryggnews.subscribers.emails import mask_addresses

ADDRESS = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")


def visible_text(record: logging.LogRecord) -> str:
    """The message and every extra field, as a log collector would store them."""
    standard = logging.LogRecord("", 0, "", 0, "", (), None).__dict__
    extras = [str(v) for k, v in record.__dict__.items() if k not in standard]
    return " ".join([record.getMessage(), *extras])


def test_no_address_at_info_or_above(
    site: Site,
    settings: Settings,
    session_factory: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    tokens = confirmed(site, "anna.ek@example.org")
    assert site.submit("/min-lank", email="anna.ek@example.org").status_code in (200, 303)
    site.mails()  # wait for the background mailer
    summary = send_sample_issue(settings, session_factory, 4, batch_size=2)
    assert summary.sent == 5  # four imported and Anna
    unsubscribed = site.post(f"/u/{tokens['unsubscribe']}", {"List-Unsubscribe": "One-Click"})
    assert unsubscribed.status_code == 200

    seen = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert any(r.name == "tryggnews.delivery.sender" for r in seen), "the send logged nothing"
    leaks = [
        f"{r.levelname} {r.name}: {visible_text(r)}"
        for r in seen
        if ADDRESS.search(visible_text(r))
    ]
    assert leaks == []


def test_mask_keeps_the_domain_and_drops_the_person() -> None:
    text = "to anna.ek+nyhetsbrev@example.org, bo@mail.example.se; 5.1.1 user unknown"
    assert mask_addresses(text) == "to …@example.org, …@mail.example.se; 5.1.1 user unknown"
    assert not ADDRESS.search(mask_addresses(text))
