"""Signed, purpose-scoped tokens for the links in every email: manage, unsubscribe, confirm.

A token signs ``[subscriber_id, token_salt]`` with the secret key and a salt per
purpose, so a preference link cannot be replayed as an unsubscribe link, and a
token for one person cannot be edited into another's. Rotating a subscriber's
``token_salt`` revokes every link already sent to them: the signature still
verifies, but the caller's comparison with the stored salt fails. The caller makes
that comparison; this module knows nothing of the database.

Tokens are URL-safe ASCII (``A–Z a–z 0–9 - _ .``), with no ``=``, so they pass
through URLs, ``mailto:`` subjects and quoted-printable unchanged.
"""

from __future__ import annotations

import enum
import hmac
import re
from dataclasses import dataclass
from typing import Any

from itsdangerous import (
    BadData,
    BadPayload,
    BadSignature,
    Serializer,
    SignatureExpired,
    Signer,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)
from itsdangerous.encoding import base64_encode

from tryggnews.errors import TokenError

# What every token this module makes consists of; the message builder relies on it.
TOKEN_ALPHABET = re.compile(r"[A-Za-z0-9_.\-]+")
# A salt JSON writes as it is, between quotes.
_PLAIN_SALT = re.compile(r"[A-Za-z0-9_\-]+")


class TokenPurpose(enum.StrEnum):
    """What a token is for; each purpose signs with its own salt."""

    MANAGE = "manage"
    UNSUBSCRIBE = "unsubscribe"
    CONFIRM = "confirm"


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says; check ``token_salt`` against the stored subscriber."""

    subscriber_id: int
    token_salt: str


def _dump_plain(serializer: Serializer[str], obj: Any) -> bytes:
    # JSON and URL-safe base64 as the stock URL-safe serializers do, minus the zlib try.
    return base64_encode(Serializer.dump_payload(serializer, obj))


class _UntimedSerializer(URLSafeSerializer):
    """A ``URLSafeSerializer`` that reuses its signer and skips the zlib attempt.

    itsdangerous builds a new ``Signer`` and tries ``zlib.compress`` on every
    ``dumps``; for a 50-byte payload of an id and a random salt compression never
    wins and costs as much as the signing, and signing runs twice per message.
    Tokens stay readable by the stock serializers (``loads`` takes both forms).
    """

    _signer: Signer | None = None

    def dump_payload(self, obj: Any) -> bytes:
        return _dump_plain(self, obj)

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        if salt is not None and salt != self.salt:
            return super().make_signer(salt)
        if self._signer is None:
            self._signer = super().make_signer(salt)
        return self._signer


class _TimedSerializer(URLSafeTimedSerializer):
    """The same speed-ups for timestamped tokens; the time is taken at sign time."""

    _signer: Signer | None = None

    def dump_payload(self, obj: Any) -> bytes:
        return _dump_plain(self, obj)

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        if salt is not None and salt != self.salt:
            return super().make_signer(salt)
        if self._signer is None:
            self._signer = super().make_signer(salt)
        return self._signer


class TokenSigner:
    """Makes and verifies the tokens in links; one instance per process.

    The serializers are built once here, not per token: signing runs twice for
    every message sent.
    """

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("TokenSigner needs a non-empty secret key")
        self._serializers: dict[TokenPurpose, URLSafeSerializer | URLSafeTimedSerializer] = {
            TokenPurpose.MANAGE: _UntimedSerializer(secret_key, salt="tryggnews.manage"),
            TokenPurpose.UNSUBSCRIBE: _UntimedSerializer(secret_key, salt="tryggnews.unsubscribe"),
            # Confirmation links expire (the caller passes max_age), so they carry a time.
            TokenPurpose.CONFIRM: _TimedSerializer(secret_key, salt="tryggnews.confirm"),
        }
        # The keyed HMAC state of each link purpose, derived once: ``link_tokens`` copies
        # it per message instead of deriving the key and keying a new HMAC per token.
        self._link_macs = {
            purpose: _keyed_mac(self._serializers[purpose].make_signer())
            for purpose in (TokenPurpose.MANAGE, TokenPurpose.UNSUBSCRIBE)
        }

    def manage_token(self, subscriber_id: int, token_salt: str) -> str:
        """Token for the preference page (``BASE_URL/p/<token>``); never expires."""
        return self._sign(TokenPurpose.MANAGE, subscriber_id, token_salt)

    def unsubscribe_token(self, subscriber_id: int, token_salt: str) -> str:
        """Token for one-click unsubscribe (``BASE_URL/u/<token>``); never expires."""
        return self._sign(TokenPurpose.UNSUBSCRIBE, subscriber_id, token_salt)

    def link_tokens(self, subscriber_id: int, token_salt: str) -> tuple[str, str]:
        """``(manage_token, unsubscribe_token)``: the same two tokens, made as every
        message needs them — the payload serialised once for both, each signature
        from the purpose's precomputed HMAC state (``hmac.copy``)."""
        _check_claims(subscriber_id, token_salt)
        if _PLAIN_SALT.fullmatch(token_salt):
            # What compact JSON makes of [id, salt] when the salt needs no escaping
            # (every salt we generate is hex), without building an encoder per call.
            payload = base64_encode(f'[{subscriber_id},"{token_salt}"]'.encode("ascii"))
        else:
            payload = self._serializers[TokenPurpose.MANAGE].dump_payload(
                [subscriber_id, token_salt]
            )
        manage = self._link_macs[TokenPurpose.MANAGE].copy()
        manage.update(payload)
        unsubscribe = self._link_macs[TokenPurpose.UNSUBSCRIBE].copy()
        unsubscribe.update(payload)
        text = payload.decode("ascii")
        return (
            f"{text}.{base64_encode(manage.digest()).decode('ascii')}",
            f"{text}.{base64_encode(unsubscribe.digest()).decode('ascii')}",
        )

    def confirm_token(self, subscriber_id: int, token_salt: str) -> str:
        """Token for the double opt-in link; timestamped, checked with ``max_age``."""
        return self._sign(TokenPurpose.CONFIRM, subscriber_id, token_salt)

    def verify(
        self, purpose: TokenPurpose | str, token: str, *, max_age: int | None = None
    ) -> TokenClaims:
        """Return the claims of a valid ``purpose`` token, or raise ``TokenError``.

        ``max_age`` (seconds) applies to confirm tokens only; the other purposes
        carry no time. The claims' ``token_salt`` must still be compared with the
        subscriber's current one by the caller: a rotated salt means a revoked link.
        """
        purpose = TokenPurpose(purpose)
        serializer = self._serializers[purpose]
        if max_age is not None and not isinstance(serializer, URLSafeTimedSerializer):
            raise ValueError(f"{purpose} tokens carry no time: max_age applies to confirm only")
        if not isinstance(token, str) or not TOKEN_ALPHABET.fullmatch(token):
            raise TokenError("malformed", f"{purpose} token is not a token: unexpected characters")
        try:
            if isinstance(serializer, URLSafeTimedSerializer):
                payload = serializer.loads(token, max_age=max_age)
            else:
                payload = serializer.loads(token)
        except SignatureExpired as exc:
            raise TokenError("expired", f"{purpose} token has expired: {exc}") from None
        except BadPayload:
            raise TokenError("malformed", f"{purpose} token has an unreadable payload") from None
        except BadSignature:
            other = self._purpose_that_signed(token, purpose)
            if other is not None:
                raise TokenError(
                    "wrong-purpose", f"a {other} token was used as a {purpose} token"
                ) from None
            raise TokenError(
                "tampered", f"{purpose} token has a bad signature (tampered or foreign key)"
            ) from None
        return _claims(purpose, payload)

    def _sign(self, purpose: TokenPurpose, subscriber_id: int, token_salt: str) -> str:
        _check_claims(subscriber_id, token_salt)
        return self._serializers[purpose].dumps([subscriber_id, token_salt])

    def _purpose_that_signed(self, token: str, tried: TokenPurpose) -> TokenPurpose | None:
        """Which other purpose's key signed ``token``, for a clearer log line; slow path only."""
        for purpose, serializer in self._serializers.items():
            if purpose == tried:
                continue
            try:
                serializer.loads(token)
            except BadData:
                continue
            return purpose
        return None


def _check_claims(subscriber_id: int, token_salt: str) -> None:
    # bool is an int subclass; an id of True would sign as 1.
    if type(subscriber_id) is not int or subscriber_id <= 0:
        raise ValueError(f"subscriber id must be a positive int, got {subscriber_id!r}")
    if not token_salt:
        raise ValueError("token_salt must not be empty")


def _keyed_mac(signer: Signer) -> hmac.HMAC:
    """The HMAC ``signer`` signs with, keyed and empty (itsdangerous's ``HMACAlgorithm``
    over the derived key; ``link_tokens`` checks against ``dumps`` in the tests)."""
    if signer.sep != b"." or not hasattr(signer.algorithm, "digest_method"):
        raise ValueError("link tokens need itsdangerous's HMAC signer with '.' as separator")
    return hmac.new(signer.derive_key(), digestmod=signer.algorithm.digest_method)


def _claims(purpose: TokenPurpose, payload: Any) -> TokenClaims:
    # A valid signature on an unexpected shape means a token made by something else
    # with our key; refuse it rather than guess.
    if (
        isinstance(payload, list)
        and len(payload) == 2
        and type(payload[0]) is int
        and isinstance(payload[1], str)
        and payload[1]
    ):
        return TokenClaims(subscriber_id=payload[0], token_salt=payload[1])
    raise TokenError("malformed", f"{purpose} token payload is not [subscriber_id, token_salt]")
