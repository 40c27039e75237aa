"""Editor sessions end on the server: a cookie replayed after logout, a disabled account, a
password change or an admin's "sign out everywhere" (web and CLI) no longer opens the workspace;
the cookie carries only a session id, stored hashed; and `?next=` with a line break, a control
character or another host falls back to the dashboard instead of a 500."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner
from editor_helpers import ADMIN, KOMMUN, PASSWORD, POLIS, START, csrf_of, login
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.cli import cli
from tryggnews.config import Settings
from tryggnews.db.models import EditorSession, User
from tryggnews.editors.accounts import set_password

COOKIE = "tryggnews"


def opens_workspace(client: FlaskClient) -> bool:
    response = client.get("/redaktion/")
    if response.status_code == 302:
        assert "/redaktion/logga-in" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def replay(app: Flask, cookie: str) -> FlaskClient:
    """A fresh client presenting a copied session cookie, as an attacker would."""
    other = app.test_client()
    other.set_cookie(COOKIE, cookie)
    return other


def cookie_of(client: FlaskClient) -> str:
    found = client.get_cookie(COOKIE)
    assert found is not None
    return found.value


def test_a_cookie_replayed_after_logout_no_longer_works(app: Flask, people: dict[str, int]) -> None:
    client = app.test_client()
    token = login(client, KOMMUN)
    stolen = cookie_of(client)
    assert opens_workspace(replay(app, stolen))
    assert client.post("/redaktion/logga-ut", data={"csrf_token": token}).status_code == 302
    assert not opens_workspace(client)
    assert not opens_workspace(replay(app, stolen))


def test_the_cookie_holds_only_a_session_id_stored_hashed(
    app: Flask, session_factory: sessionmaker[Session], people: dict[str, int]
) -> None:
    client = app.test_client()
    login(client, KOMMUN)
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    data = serializer.loads(cookie_of(client))
    assert set(data) <= {"sid", "csrf_token", "_flashes", "_permanent"}
    with session_factory() as session:
        [row] = session.scalars(select(EditorSession)).all()
    assert row.user_id == people[KOMMUN] and row.revoked_at is None
    assert row.token_hash == hashlib.sha256(data["sid"].encode()).hexdigest()
    assert data["sid"] not in row.token_hash


def test_password_change_and_disabling_end_every_session(
    app: Flask, session_factory: sessionmaker[Session], people: dict[str, int]
) -> None:
    first, second = app.test_client(), app.test_client()
    login(first, KOMMUN)
    login(second, KOMMUN)
    stolen = cookie_of(first)
    with session_factory.begin() as session:
        user = session.get(User, people[KOMMUN])
        assert user is not None
        set_password(session, user, "ett annat långt lösenord", actor=ADMIN, now=START)
    assert not opens_workspace(first) and not opens_workspace(second)
    assert not opens_workspace(replay(app, stolen))

    editor = app.test_client()
    login(editor, POLIS)
    stolen = cookie_of(editor)
    admin = app.test_client()
    token = login(admin, ADMIN)
    response = admin.post(
        f"/redaktion/anvandare/{people[POLIS]}/aktiv", data={"csrf_token": token, "active": "0"}
    )
    assert response.status_code == 302
    assert not opens_workspace(editor) and not opens_workspace(replay(app, stolen))
    # Enabling the account again does not bring an old session back.
    admin.post(
        f"/redaktion/anvandare/{people[POLIS]}/aktiv", data={"csrf_token": token, "active": "1"}
    )
    assert not opens_workspace(replay(app, stolen))


def test_an_admin_signs_an_editor_out_everywhere(
    app: Flask, session_factory: sessionmaker[Session], people: dict[str, int]
) -> None:
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, POLIS)
    login(phone, POLIS)
    other = app.test_client()
    login(other, KOMMUN)
    admin = app.test_client()
    token = login(admin, ADMIN)
    assert "Logga ut överallt" in admin.get("/redaktion/anvandare/").text
    response = admin.post(
        f"/redaktion/anvandare/{people[POLIS]}/logga-ut-overallt", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert "utloggad överallt" in admin.get("/redaktion/anvandare/").text
    assert not opens_workspace(laptop) and not opens_workspace(phone)
    assert opens_workspace(other) and opens_workspace(admin)
    # The person can sign in again at once.
    login(laptop, POLIS)
    assert opens_workspace(laptop)


def test_the_cli_signs_an_account_out_everywhere(
    app: Flask, settings: Settings, people: dict[str, int]
) -> None:
    client = app.test_client()
    login(client, KOMMUN)
    env = {
        "TRYGGNEWS_DATABASE_URL": settings.database_url,
        "TRYGGNEWS_SECRET_KEY": settings.secret_key,
    }
    runner = CliRunner()
    result = runner.invoke(cli, ["users", "sign-out-everywhere", KOMMUN], env=env)
    assert result.exit_code == 0, result.output
    assert "1 session" in result.output
    assert not opens_workspace(client)
    missing = runner.invoke(cli, ["users", "sign-out-everywhere", "ingen@example.se"], env=env)
    assert missing.exit_code == 2 and "no account" in missing.output


@pytest.mark.parametrize(
    "target",
    [
        "/redaktion/\r\nSet-Cookie: x=1",
        "/redaktion/utskick\n",
        "/redaktion/\x00",
        "/redaktion/\x85",
        "https://evil.example/redaktion/",
        "//evil.example/redaktion/",
        "/redaktionen-falsk",
        "/\\evil.example",
    ],
)
def test_next_with_a_line_break_or_another_host_falls_back_to_the_dashboard(
    app: Flask, people: dict[str, int], target: str
) -> None:
    client = app.test_client()
    page = client.get("/redaktion/logga-in", query_string={"next": target})
    assert page.status_code == 200
    response = client.post(
        "/redaktion/logga-in",
        query_string={"next": target},
        data={"email": KOMMUN, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/redaktion/"


def test_a_safe_next_is_still_followed(app: Flask, people: dict[str, int]) -> None:
    client = app.test_client()
    page = client.get("/redaktion/logga-in")
    response = client.post(
        "/redaktion/logga-in",
        query_string={"next": "/redaktion/utskick/2027-1?flik=block"},
        data={"email": KOMMUN, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert response.headers["Location"] == "/redaktion/utskick/2027-1?flik=block"
