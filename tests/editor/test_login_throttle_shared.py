"""Login throttling holds across processes: two apps, each with its own engine, on one
database (SQLite file and PostgreSQL) count one stranger's failures together."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from editor_helpers import KOMMUN, PASSWORD
from flask import Flask
from sqlalchemy import Engine
from test_login_throttle import EDITOR, STRANGER, attempt

from tryggnews.clock import FixedClock
from tryggnews.config import Settings
from tryggnews.db.engine import make_engine, make_session_factory
from tryggnews.editors.accounts import MAX_FAILED_LOGINS
from tryggnews.transports.outbox import MaildirTransport
from tryggnews.web.app import create_app
from tryggnews.web.editor.services import LOGIN_ATTEMPTS_PER_ADDRESS


@pytest.fixture
def second_app(
    editor_settings: Settings,
    db_url: str,
    engine: Engine,
    transport: MaildirTransport,
    clock: FixedClock,
) -> Iterator[Flask]:
    """Another app on the same database with connections of its own: another process."""
    other = make_engine(db_url)
    app = create_app(
        editor_settings,
        transport=transport,
        clock=clock,
        session_factory=make_session_factory(other),
    )
    app.config["TESTING"] = True
    yield app
    other.dispose()


def test_failures_on_two_apps_add_up(app: Flask, second_app: Flask, people: dict[str, int]) -> None:
    clients = [app.test_client(), second_app.test_client()]
    statuses = [
        attempt(clients[n % 2], KOMMUN, "gissning", STRANGER)[0] for n in range(MAX_FAILED_LOGINS)
    ]
    assert statuses == [401] * MAX_FAILED_LOGINS
    # Each app alone has seen fewer than the limit; together they refuse the stranger.
    for client in clients:
        assert attempt(client, KOMMUN, PASSWORD, STRANGER)[0] == 429
    # The editor, on another client, is not held back by either.
    assert attempt(second_app.test_client(), KOMMUN, PASSWORD, EDITOR)[0] == 302


def test_attempts_per_client_on_two_apps_add_up(
    app: Flask, second_app: Flask, people: dict[str, int]
) -> None:
    clients = [app.test_client(), second_app.test_client()]
    # Many addresses from one client: the per-client limit, counted by both apps together.
    statuses = [
        attempt(clients[n % 2], f"okand{n}@example.org", "fel", STRANGER)[0]
        for n in range(LOGIN_ATTEMPTS_PER_ADDRESS + 2)
    ]
    assert statuses == [401] * LOGIN_ATTEMPTS_PER_ADDRESS + [429] * 2
