"""Fixtures for the editors' workspace: an app on a real database, four accounts, an issue."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from editor_helpers import ADMIN, KOMMUN, PASSWORD, POLIS, POLIS2, START, block_input
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import FixedClock
from tryggnews.config import Settings
from tryggnews.content.blocks import create_block
from tryggnews.content.issues import add_block, create_issue
from tryggnews.content.vocabulary import load_vocabulary
from tryggnews.editors.accounts import create_user, hash_password
from tryggnews.transports.outbox import MaildirTransport
from tryggnews.web.app import create_app

VOCABULARY = load_vocabulary(Path(__file__).resolve().parents[2] / "audiences.toml")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def editor_settings(settings: Settings, tmp_path: Path) -> Settings:
    return dataclasses.replace(settings, media_dir=tmp_path / "media")


@pytest.fixture
def transport(editor_settings: Settings) -> Iterator[MaildirTransport]:
    outbox = MaildirTransport(editor_settings.outbox_dir)
    yield outbox
    outbox.close()


@pytest.fixture
def app(
    editor_settings: Settings,
    session_factory: sessionmaker[Session],
    transport: MaildirTransport,
    clock: FixedClock,
) -> Flask:
    app = create_app(
        editor_settings, transport=transport, clock=clock, session_factory=session_factory
    )
    app.config["TESTING"] = True
    return app


@pytest.fixture(scope="session")
def password_hash() -> str:
    # argon2 is slow on purpose (~0.4 s here): hash the shared test password once.
    return hash_password(PASSWORD)


@pytest.fixture
def people(session_factory: sessionmaker[Session], password_hash: str) -> dict[str, int]:
    """Account ids: an admin (kommun), a police editor, a kommun editor, a second police editor.

    Every account's password is ``PASSWORD``.
    """
    ids = {}
    with session_factory.begin() as session:
        for address, org, role, name in (
            (ADMIN, "kommun", "admin", "Ada Admin"),
            (POLIS, "polis", "editor", "Pelle Polis"),
            (KOMMUN, "kommun", "editor", "Kim Kommun"),
            (POLIS2, "polis", "editor", ""),
        ):
            user = create_user(
                session,
                email=address,
                organisation=org,
                role=role,
                name=name,
                actor="test",
                now=START,
            )
            user.password_hash = password_hash
            user.password_changed_at = START
            ids[address] = user.id
    return ids


@pytest.fixture
def issue_with_blocks(
    session_factory: sessionmaker[Session], people: dict[str, int]
) -> dict[str, int]:
    """Issue 2027-1 with one police block and one kommun block (ids by name)."""
    with session_factory.begin() as session:
        issue = create_issue(
            session,
            key="2027-1",
            year=2027,
            number=1,
            title="Stöd efter brott och ett tryggt sportlov",
            preheader="Brottsofferdagen och råd inför sportlovet.",
            intro_md="Välkommen till årets första nyhetsbrev.",
            planned_send_at=datetime(2027, 2, 15, 7, 0, tzinfo=UTC),
        )
        polis = create_block(session, block_input("Langning inför sportlovet", "polis"), VOCABULARY)
        kommun = create_block(
            session,
            block_input("Nattvandring i Åkersberga", "kommun", focus_area="offentlig-miljo"),
            VOCABULARY,
        )
        add_block(session, issue, polis)
        add_block(session, issue, kommun)
        return {"issue": issue.id, "polis_block": polis.id, "kommun_block": kommun.id}
