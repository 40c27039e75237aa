"""Login throttling tells nobody which editor addresses exist and locks nobody out: a known and
an unknown address get the same answers (text, status, roughly the same time) through the
lock; a stranger guessing from one client is throttled there, while the real editor on another
client still signs in with the right password; and the client is the one the reverse proxy
names when ``TRYGGNEWS_PROXY_COUNT`` says to trust it."""

from __future__ import annotations

import dataclasses
import re
import time
from datetime import timedelta

from editor_helpers import ADMIN, KOMMUN, PASSWORD, POLIS, csrf_of
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import FixedClock
from tryggnews.config import Settings
from tryggnews.db.models import User
from tryggnews.editors.accounts import LOCK_MINUTES, MAX_FAILED_LOGINS
from tryggnews.transports.outbox import MaildirTransport
from tryggnews.web.app import create_app

STRANGER = "203.0.113.66"
EDITOR = "198.51.100.7"
_CSRF = re.compile(r'name="csrf_token" value="[^"]+"')


def attempt(
    client: FlaskClient, address: str, password: str, remote: str, **headers: str
) -> tuple[int, str]:
    page = client.get("/redaktion/logga-in", environ_base={"REMOTE_ADDR": remote})
    response = client.post(
        "/redaktion/logga-in",
        data={"email": address, "password": password, "csrf_token": csrf_of(page.text)},
        environ_base={"REMOTE_ADDR": remote},
        headers=headers,
    )
    # The page without the echoed address and this client's CSRF token.
    text = _CSRF.sub("", response.get_data(as_text=True).replace(address, "ADDRESS"))
    return response.status_code, text


def answers(app: Flask, address: str, tries: int) -> list[tuple[int, str]]:
    client = app.test_client()
    return [attempt(client, address, "fel lösenord 123", STRANGER) for _ in range(tries)]


def test_known_and_unknown_addresses_get_the_same_answers_through_the_lock(
    app: Flask, session_factory: sessionmaker[Session], people: dict[str, int]
) -> None:
    tries = MAX_FAILED_LOGINS + 1
    # This process's CPU time, not the wall clock: the work each answer costs, which is what
    # would tell the two apart, without the noise of whatever else the machine runs.
    started = time.process_time()
    known = answers(app, POLIS, tries)
    known_seconds = time.process_time() - started
    started = time.process_time()
    unknown = answers(app, "finns.inte@polisen.example.se", tries)
    unknown_seconds = time.process_time() - started
    assert [status for status, _ in known] == [401] * MAX_FAILED_LOGINS + [429]
    assert known == unknown
    assert "låst" not in " ".join(text for _, text in known)
    # Same work on both sides (one argon2 hash per try): no timing tells them apart.
    assert abs(known_seconds - unknown_seconds) < 0.5 * max(known_seconds, unknown_seconds)
    with session_factory() as session:
        user = session.get(User, people[POLIS])
        assert user is not None and user.locked_until is not None  # the account lock did trip


def test_a_stranger_is_throttled_but_the_editor_still_gets_in(
    app: Flask, clock: FixedClock, people: dict[str, int]
) -> None:
    stranger = app.test_client()
    for _ in range(MAX_FAILED_LOGINS):
        assert attempt(stranger, KOMMUN, "gissning nummer ett", STRANGER)[0] == 401
    # Even the right password is no use to the stranger now.
    assert attempt(stranger, KOMMUN, PASSWORD, STRANGER)[0] == 429
    # The editor, from their own computer, signs in at once.
    editor = app.test_client()
    status, _ = attempt(editor, KOMMUN, PASSWORD, EDITOR)
    assert status == 302
    assert editor.get("/redaktion/").status_code == 200
    # The stranger keeps going (the account is locked again) …
    clock.advance(timedelta(minutes=LOCK_MINUTES, seconds=1))
    for _ in range(MAX_FAILED_LOGINS):
        attempt(stranger, KOMMUN, "gissning nummer två", STRANGER)
    # … and a client that has failed during the lock is held by it even with the right
    # password: a guesser moving to a new client address gets one try there, not five.
    helper = app.test_client()
    assert attempt(helper, KOMMUN, "en felskrivning", "192.0.2.9")[0] == 401
    assert attempt(helper, KOMMUN, PASSWORD, "192.0.2.9")[0] == 401
    # The editor still gets in.
    again = app.test_client()
    assert attempt(again, KOMMUN, PASSWORD, EDITOR)[0] == 302
    # Other accounts are untouched throughout.
    assert attempt(app.test_client(), ADMIN, PASSWORD, STRANGER)[0] == 302


def test_behind_a_proxy_the_forwarded_client_is_throttled(
    editor_settings: Settings,
    session_factory: sessionmaker[Session],
    transport: MaildirTransport,
    clock: FixedClock,
    people: dict[str, int],
) -> None:
    app = create_app(
        dataclasses.replace(editor_settings, proxy_count=1),
        transport=transport,
        clock=clock,
        session_factory=session_factory,
    )
    app.config["TESTING"] = True
    proxy = "127.0.0.1"
    stranger = app.test_client()
    for _ in range(MAX_FAILED_LOGINS):
        attempt(stranger, KOMMUN, "gissning", proxy, **{"X-Forwarded-For": STRANGER})
    assert attempt(stranger, KOMMUN, PASSWORD, proxy, **{"X-Forwarded-For": STRANGER})[0] == 429
    editor = app.test_client()
    assert attempt(editor, KOMMUN, PASSWORD, proxy, **{"X-Forwarded-For": EDITOR})[0] == 302
