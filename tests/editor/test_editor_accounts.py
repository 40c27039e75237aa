"""Accounts: argon2 hashes, lockout after repeated failures, one-use password links, the CLI."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from editor_helpers import KOMMUN, PASSWORD, POLIS, START, outbox_messages
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.cli import cli
from tryggnews.config import Settings
from tryggnews.content.audit import AuditLogError
from tryggnews.db.models import AuditEvent, User
from tryggnews.editors.accounts import (
    LOCK_MINUTES,
    MAX_FAILED_LOGINS,
    LoginError,
    PasswordLinkError,
    PasswordLinks,
    authenticate,
    find_user,
    set_active,
    set_password,
)


def test_passwords_are_stored_as_argon2id_hashes(
    session_factory: sessionmaker[Session], people: dict[str, int]
) -> None:
    with session_factory() as session:
        user = session.get(User, people[POLIS])
        assert user is not None and user.password_hash is not None
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_repeated_failures_lock_the_account_until_the_lock_expires(
    session_factory: sessionmaker[Session], people: dict[str, int]
) -> None:
    now = START
    for _ in range(MAX_FAILED_LOGINS - 1):
        with session_factory.begin() as session, pytest.raises(LoginError, match="Fel e-post"):
            authenticate(session, POLIS, "fel lösenord", now=now)
    # The lock reads like any other refusal: it tells nobody the address has an account.
    with session_factory.begin() as session, pytest.raises(LoginError, match="Fel e-post"):
        authenticate(session, POLIS, "fel lösenord", now=now)
    with session_factory() as session:
        locked = session.get(User, people[POLIS])
        assert locked is not None
        assert locked.locked_until == now + timedelta(minutes=LOCK_MINUTES)
    # The right password is refused too while the lock lasts, for whoever was guessing…
    with session_factory.begin() as session, pytest.raises(LoginError, match="Fel e-post"):
        authenticate(session, POLIS, PASSWORD, now=now + timedelta(minutes=LOCK_MINUTES - 1))
    # …but a client that has not failed (lock_applies=False) gets in with it.
    with session_factory() as session:
        user = authenticate(session, POLIS, PASSWORD, now=now, lock_applies=False)
        assert user.email == POLIS
        session.rollback()
    with session_factory.begin() as session:
        user = authenticate(session, POLIS, PASSWORD, now=now + timedelta(minutes=LOCK_MINUTES))
        assert user.failed_logins == 0 and user.locked_until is None
    with session_factory() as session:
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions.count("auth.login_failed") == MAX_FAILED_LOGINS - 1
    assert "auth.locked" in actions and actions[-1] == "auth.login"


def test_unknown_and_disabled_accounts_get_the_same_answer(
    session_factory: sessionmaker[Session], people: dict[str, int]
) -> None:
    with session_factory.begin() as session:
        user = find_user(session, KOMMUN)
        assert user is not None
        set_active(session, user, False, actor="test", now=START)
    messages = []
    for address, password in (("ingen@example.se", PASSWORD), (KOMMUN, PASSWORD)):
        with session_factory() as session, pytest.raises(LoginError) as refused:
            authenticate(session, address, password, now=START)
        messages.append(str(refused.value))
    assert messages[0] == messages[1] == "Fel e-postadress eller lösenord."


def test_a_password_link_works_once_and_expires(
    session_factory: sessionmaker[Session], people: dict[str, int], settings: Settings
) -> None:
    links = PasswordLinks(settings.secret_key)
    with session_factory() as session:
        user = session.get(User, people[POLIS])
        assert user is not None
        token = links.make(user, now=START)
        old = links.make(user, now=START - timedelta(days=4))
        assert links.check(session, token, now=START + timedelta(hours=1)).id == user.id
        with pytest.raises(PasswordLinkError):
            links.check(session, old, now=START)
        with pytest.raises(PasswordLinkError):
            links.check(session, token[:-2] + "xx", now=START)
        other_purpose = PasswordLinks(settings.secret_key + "x").make(user, now=START)
        with pytest.raises(PasswordLinkError):
            links.check(session, other_purpose, now=START)
        set_password(session, user, "ett helt nytt lösenord", actor=user.email, now=START)
        with pytest.raises(PasswordLinkError, match="redan använd"):
            links.check(session, token, now=START)


def test_the_audit_log_refuses_changes(
    session_factory: sessionmaker[Session], people: dict[str, int]
) -> None:
    with session_factory() as session:
        entry = session.scalars(select(AuditEvent)).first()
        assert entry is not None
        entry.actor = "someone else"
        with pytest.raises(AuditLogError, match="append-only"):
            session.flush()
        session.rollback()
        session.delete(session.scalars(select(AuditEvent)).first())
        with pytest.raises(AuditLogError):
            session.flush()


def _run(settings: Settings, args: list[str], stdin: str | None = None) -> tuple[int, str]:
    env = {
        "TRYGGNEWS_DATABASE_URL": settings.database_url,
        "TRYGGNEWS_SECRET_KEY": settings.secret_key,
        "TRYGGNEWS_OUTBOX_DIR": str(settings.outbox_dir),
    }
    result = CliRunner().invoke(cli, args, input=stdin, env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_cli_adds_lists_and_disables_accounts(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    code, out = _run(
        settings,
        ["users", "add", "Ny.Redaktor@Polisen.example.se", "--org", "polis", "--password-stdin"],
        stdin="ett långt nytt lösenord\n",
    )
    assert code == 0, out
    code, out = _run(
        settings,
        ["users", "add", "chef@kommun.example.se", "--org", "kommun", "--role", "admin"],
        stdin="kort\nkort\n",
    )
    assert code == 2 and "minst 12 tecken" in out
    code, out = _run(
        settings,
        ["users", "add", "chef@kommun.example.se", "--org", "kommun", "--send-link"],
    )
    assert code == 0 and "/redaktion/losenord/" in out, out
    [invite] = outbox_messages(settings.outbox_dir)
    assert invite["To"] == "chef@kommun.example.se"
    assert "/redaktion/losenord/" in invite.get_content()
    code, out = _run(
        settings,
        ["users", "add", "ny.redaktor@polisen.example.se", "--org", "polis", "--send-link"],
    )
    assert code == 2 and "finns redan" in out
    code, out = _run(settings, ["users", "disable", "ny.redaktor@polisen.example.se"])
    assert code == 0, out
    code, out = _run(settings, ["users", "list"])
    assert "ny.redaktor@polisen.example.se" in out and "disabled" in out
    assert "no password yet" in out
    with session_factory() as session:
        user = find_user(session, "ny.redaktor@polisen.example.se")
        assert user is not None and not user.active
        with pytest.raises(LoginError):
            authenticate(session, user.email, "ett långt nytt lösenord", now=START)
    code, out = _run(settings, ["users", "disable", "saknas@example.se"])
    assert code == 2 and "no account" in out
