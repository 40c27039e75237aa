"""Editor and administrator accounts: argon2 passwords, lockout, set-password links.

Passwords are hashed with argon2id (argon2-cffi's RFC 9106 defaults). After
``MAX_FAILED_LOGINS`` wrong passwords in a row an account is locked for
``LOCK_MINUTES``. The lock holds back whoever has been guessing: during it a correct
password is refused from a client that has failed for this address itself
(``lock_applies``, which the caller decides from its per-client record), but taken
from a client that has not, so a stranger's failures never keep the real editor
out. Every refusal reads the same, locked or not, known address or not, and unknown
addresses cost the same hashing time as known ones, so neither the answer nor its
timing tells which addresses have accounts.

A set-password link carries the user id, an expiry and a fingerprint of the current
password hash: setting a password changes the hash, so each link works once.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.content import audit
from tryggnews.content.organisations import SIGNING_ORGANISATIONS
from tryggnews.content.text import text_problems
from tryggnews.db.models import User, UserRole
from tryggnews.editors.sessions import RevokeReason, revoke_all
from tryggnews.errors import NotFoundError, TryggnewsError, ValidationError

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
PASSWORD_MIN_LENGTH = 12
SET_PASSWORD_HOURS = 72

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the address is unknown, so that case takes as long as a
    real one. Made on first use: hashing costs most of a second, and every command-line
    run would otherwise pay it at import."""
    return _hasher.hash("tryggnews-no-such-user")


def prepare_login_timing() -> None:
    """Make the dummy hash now (the web app does at start), so even the first login
    with an unknown address takes as long as one with a known address."""
    _dummy_hash()


class LoginError(TryggnewsError):
    """A login was refused; the message is Swedish and safe to show (names no account)."""

    def __init__(self, message: str, *, locked_until: datetime | None = None) -> None:
        self.locked_until = locked_until
        super().__init__(message)


class PasswordLinkError(TryggnewsError):
    """A set-password link is invalid, used or expired; the message is Swedish."""


def normalise_user_email(raw: str) -> str:
    """The stored form of an account address: validated, case-folded."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(f"e-postadress {raw.strip()!r}: {exc}") from None
    return result.normalized.lower()


def password_problems(password: str) -> list[str]:
    """Why a new password is refused (Swedish); empty when it is acceptable."""
    problems = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append(f"lösenordet behöver minst {PASSWORD_MIN_LENGTH} tecken")
    if password.strip() != password:
        problems.append("lösenordet får inte börja eller sluta med mellanslag")
    return problems


def hash_password(password: str) -> str:
    problems = password_problems(password)
    if problems:
        raise ValidationError("; ".join(problems))
    return _hasher.hash(password)


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"no user with id {user_id} (see `tryggnews users list`)")
    return user


def list_users(session: Session) -> Sequence[User]:
    return list(session.scalars(select(User).order_by(User.organisation_key, User.email)))


def create_user(
    session: Session,
    *,
    email: str,
    organisation: str,
    role: str,
    name: str = "",
    password: str | None = None,
    actor: str,
    now: datetime,
) -> User:
    """Add an account; without ``password`` it can log in only after a set-password link."""
    address = normalise_user_email(email)
    problems = []
    if organisation not in SIGNING_ORGANISATIONS:
        problems.append(f"organisation: välj {' eller '.join(SIGNING_ORGANISATIONS)}")
    if role not in {r.value for r in UserRole}:
        problems.append(f"roll: välj {' eller '.join(r.value for r in UserRole)}")
    if find_user(session, address) is not None:
        problems.append(f"e-postadress: det finns redan ett konto för {address}")
    if password is not None:
        problems += password_problems(password)
    problems += text_problems([("namn", name.strip())])
    if problems:
        raise ValidationError("; ".join(problems))
    user = User(
        email=address,
        name=name.strip(),
        organisation_key=organisation,
        role=UserRole(role),
        password_hash=_hasher.hash(password) if password is not None else None,
        password_changed_at=now if password is not None else None,
        active=True,
        failed_logins=0,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id,
        details={"email": address, "organisation": organisation, "role": role},
        at=now,
    )
    return user


def authenticate(
    session: Session, email: str, password: str, *, now: datetime, lock_applies: bool = True
) -> User:
    """The active user with this address and password, or ``LoginError``.

    Counts failures and locks the account after ``MAX_FAILED_LOGINS``; the caller
    commits the session either way so the count is kept. ``lock_applies`` False
    (the client asking has not failed for this address lately) lets a correct
    password through a lock; a wrong one still counts. The message is the same for
    every refusal.
    """
    refused = LoginError("Fel e-postadress eller lösenord.")
    if not password:
        # Never valid for anyone, so answering at once tells nothing about the address.
        raise refused
    user = find_user(session, email) if "@" in email else None
    if user is None or not user.active or user.password_hash is None:
        _verify(_dummy_hash(), password)
        raise refused
    locked = user.locked_until is not None and user.locked_until > now
    if locked and lock_applies:
        _verify(_dummy_hash(), password)
        raise refused
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS and not locked:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
            audit.record(
                session,
                actor=user.email,
                action="auth.locked",
                object_type="user",
                object_id=user.id,
                details={"minutes": LOCK_MINUTES},
                at=now,
            )
            raise refused
        audit.record(
            session,
            actor=user.email,
            action="auth.login_failed",
            object_type="user",
            object_id=user.id,
            at=now,
        )
        raise refused
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    audit.record(
        session,
        actor=user.email,
        action="auth.login",
        object_type="user",
        object_id=user.id,
        at=now,
    )
    return user


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def set_password(session: Session, user: User, password: str, *, actor: str, now: datetime) -> None:
    """Set a new password; every session of the account ends."""
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    user.failed_logins = 0
    user.locked_until = None
    revoke_all(session, user.id, now=now, reason=RevokeReason.RESET)
    audit.record(
        session,
        actor=actor,
        action="auth.password_set",
        object_type="user",
        object_id=user.id,
        at=now,
    )


def set_active(session: Session, user: User, active: bool, *, actor: str, now: datetime) -> None:
    """Disable or re-enable an account; a disabled account's sessions end at once
    (and stay ended: enabling it again brings none back)."""
    user.active = active
    if not active:
        revoke_all(session, user.id, now=now, reason=RevokeReason.DISABLED)
    audit.record(
        session,
        actor=actor,
        action="user.enable" if active else "user.disable",
        object_type="user",
        object_id=user.id,
        details={"email": user.email},
        at=now,
    )


def sign_out_everywhere(session: Session, user: User, *, actor: str, now: datetime) -> int:
    """End every session of ``user`` (a lost laptop, a shared computer); returns how many."""
    ended = revoke_all(session, user.id, now=now, reason=RevokeReason.EVERYWHERE)
    audit.record(
        session,
        actor=actor,
        action="user.sign_out_everywhere",
        object_type="user",
        object_id=user.id,
        details={"email": user.email, "sessions": ended},
        at=now,
    )
    return ended


def unlock(session: Session, user: User, *, actor: str, now: datetime) -> None:
    user.locked_until = None
    user.failed_logins = 0
    audit.record(
        session,
        actor=actor,
        action="user.unlock",
        object_type="user",
        object_id=user.id,
        details={"email": user.email},
        at=now,
    )


@dataclass(frozen=True)
class PasswordLinks:
    """Makes and checks set-password tokens (itsdangerous, a purpose of their own)."""

    secret_key: str

    @property
    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret_key, salt="tryggnews.set-password")

    def make(self, user: User, *, now: datetime) -> str:
        expires = int((now + timedelta(hours=SET_PASSWORD_HOURS)).timestamp())
        token: str = self._serializer.dumps([user.id, expires, _fingerprint(user)])
        return token

    def check(self, session: Session, token: str, *, now: datetime) -> User:
        """The account the link is for, or ``PasswordLinkError``."""
        invalid = PasswordLinkError(
            "Länken fungerar inte: den är ofullständig, redan använd eller för gammal. "
            "Be en administratör om en ny."
        )
        try:
            payload = self._serializer.loads(token)
        except BadData:
            raise invalid from None
        if not (isinstance(payload, list) and len(payload) == 3):
            raise invalid
        user_id, expires, fingerprint = payload
        if not isinstance(user_id, int) or not isinstance(expires, int):
            raise invalid
        user = session.get(User, user_id)
        if user is None or not user.active or fingerprint != _fingerprint(user):
            raise invalid
        if now.timestamp() > expires:
            raise invalid
        return user


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:12]
