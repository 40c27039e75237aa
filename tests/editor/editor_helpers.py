"""Shared data and helpers of the editor tests: accounts, a block, logging in, the outbox."""

from __future__ import annotations

import dataclasses
import email
import mailbox
import re
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.content.blocks import BlockInput
from tryggnews.db.models import Block, Issue, User

PASSWORD = "ett långt lösenord 2027"
START = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)
ADMIN = "admin@kommun.example.se"
POLIS = "kommunpolis@polisen.example.se"
KOMMUN = "trygghet@kommun.example.se"
POLIS2 = "polis2@polisen.example.se"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def block_input(title: str, organisation: str, **changes: object) -> BlockInput:
    data = BlockInput(
        title=title,
        body_md=f"Text om {title.lower()}. Ring 114 14 om du vill tipsa polisen.",
        organisation=organisation,
        focus_area="andts",
        author="test@example.se",
    )
    return dataclasses.replace(data, **changes)  # type: ignore[arg-type]


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client: FlaskClient, address: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns a CSRF token valid for the session."""
    page = client.get("/redaktion/logga-in")
    response = client.post(
        "/redaktion/logga-in",
        data={"email": address, "password": password, "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 302, response.text
    return csrf_of(client.get("/redaktion/").text)


def outbox_messages(outbox_dir: Path) -> list[EmailMessage]:
    box = mailbox.Maildir(outbox_dir, create=False)
    try:
        return [
            email.message_from_bytes(box.get_bytes(key), policy=policy.default)  # type: ignore[misc,unused-ignore]
            for key in box.iterkeys()
        ]
    finally:
        box.close()


def issue_row(session_factory: sessionmaker[Session], issue_id: int) -> Issue:
    with session_factory() as session:
        found = session.get(Issue, issue_id)
        assert found is not None
        return found


def block_row(session_factory: sessionmaker[Session], block_id: int) -> Block:
    with session_factory() as session:
        found = session.get(Block, block_id)
        assert found is not None
        return found


def user_row(session_factory: sessionmaker[Session], user_id: int) -> User:
    with session_factory() as session:
        found = session.get(User, user_id)
        assert found is not None
        return found
