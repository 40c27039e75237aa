"""Signed link tokens: valid ones verify; tampered, foreign-purpose, expired ones are refused.

Also: tokens are URL-safe ASCII without "=", carry the subscriber's salt so that
rotating it revokes old links, and stay readable by itsdangerous's stock serializer.
"""

from __future__ import annotations

import re

import pytest
from itsdangerous import URLSafeSerializer

from tryggnews.errors import TokenError, TryggnewsError
from tryggnews.subscribers.tokens import TokenClaims, TokenPurpose, TokenSigner

SECRET = "test-secret-key-that-is-long-enough-0123456789"
SALT = "3f6c0a9d1e2b4c5d8e7f6a5b4c3d2e1f"


@pytest.fixture
def signer() -> TokenSigner:
    return TokenSigner(SECRET)


def _make(signer: TokenSigner, purpose: TokenPurpose, subscriber_id: int, salt: str) -> str:
    return {
        TokenPurpose.MANAGE: signer.manage_token,
        TokenPurpose.UNSUBSCRIBE: signer.unsubscribe_token,
        TokenPurpose.CONFIRM: signer.confirm_token,
    }[purpose](subscriber_id, salt)


@pytest.mark.parametrize("purpose", list(TokenPurpose))
def test_valid_token_round_trips(signer: TokenSigner, purpose: TokenPurpose) -> None:
    token = _make(signer, purpose, 4711, SALT)
    assert signer.verify(purpose, token) == TokenClaims(subscriber_id=4711, token_salt=SALT)
    assert signer.verify(purpose.value, token).subscriber_id == 4711


@pytest.mark.parametrize("purpose", list(TokenPurpose))
@pytest.mark.parametrize("salt", [SALT, "a" * 64, "x"])
def test_tokens_are_url_safe_ascii_without_equals(
    signer: TokenSigner, purpose: TokenPurpose, salt: str
) -> None:
    token = _make(signer, purpose, 123456789, salt)
    assert re.fullmatch(r"[A-Za-z0-9_.\-]+", token)
    assert "=" not in token


@pytest.mark.parametrize("position", [2, 20, -3])
def test_tampered_token_is_refused(signer: TokenSigner, position: int) -> None:
    token = signer.unsubscribe_token(12, SALT)
    chars = list(token)
    chars[position] = "A" if chars[position] != "A" else "B"
    with pytest.raises(TokenError) as caught:
        signer.verify(TokenPurpose.UNSUBSCRIBE, "".join(chars))
    assert caught.value.reason in ("tampered", "malformed")
    assert isinstance(caught.value, TryggnewsError)


def test_token_signed_with_another_key_is_tampered(signer: TokenSigner) -> None:
    foreign = TokenSigner("another-secret-key-that-is-long-enough-987").manage_token(12, SALT)
    with pytest.raises(TokenError, match="bad signature") as caught:
        signer.verify(TokenPurpose.MANAGE, foreign)
    assert caught.value.reason == "tampered"


@pytest.mark.parametrize(
    ("made_as", "used_as"),
    [
        (TokenPurpose.MANAGE, TokenPurpose.UNSUBSCRIBE),
        (TokenPurpose.UNSUBSCRIBE, TokenPurpose.MANAGE),
        (TokenPurpose.CONFIRM, TokenPurpose.UNSUBSCRIBE),
        (TokenPurpose.MANAGE, TokenPurpose.CONFIRM),
    ],
)
def test_token_for_another_purpose_is_refused(
    signer: TokenSigner, made_as: TokenPurpose, used_as: TokenPurpose
) -> None:
    token = _make(signer, made_as, 12, SALT)
    with pytest.raises(TokenError, match=f"a {made_as} token was used as a {used_as} token") as e:
        signer.verify(used_as, token)
    assert e.value.reason == "wrong-purpose"


def test_rotated_salt_no_longer_matches(signer: TokenSigner) -> None:
    # The signature stays valid; the caller's comparison with the stored salt revokes it.
    old_link = signer.manage_token(12, SALT)
    rotated = "0" * 32
    claims = signer.verify(TokenPurpose.MANAGE, old_link)
    assert claims.token_salt == SALT != rotated
    assert (
        signer.verify(TokenPurpose.MANAGE, signer.manage_token(12, rotated)).token_salt == rotated
    )


def test_confirm_token_expires(signer: TokenSigner) -> None:
    token = signer.confirm_token(12, SALT)
    assert signer.verify(TokenPurpose.CONFIRM, token, max_age=3600).subscriber_id == 12
    # itsdangerous measures age in whole seconds from the signing time; a negative
    # max_age makes any token too old without waiting or touching the clock.
    with pytest.raises(TokenError, match="expired") as caught:
        signer.verify(TokenPurpose.CONFIRM, token, max_age=-1)
    assert caught.value.reason == "expired"


def test_max_age_only_applies_to_confirm_tokens(signer: TokenSigner) -> None:
    with pytest.raises(ValueError, match="confirm only"):
        signer.verify(TokenPurpose.MANAGE, signer.manage_token(1, SALT), max_age=10)


@pytest.mark.parametrize("garbage", ["", "not a token", "abc=def", "åäö", "a/b"])
def test_garbage_is_malformed(signer: TokenSigner, garbage: str) -> None:
    with pytest.raises(TokenError) as caught:
        signer.verify(TokenPurpose.UNSUBSCRIBE, garbage)
    assert caught.value.reason == "malformed"


def test_stock_serializer_reads_our_tokens() -> None:
    # The speed-ups (no zlib attempt, a reused signer) do not change the format.
    token = TokenSigner(SECRET).unsubscribe_token(99, SALT)
    stock = URLSafeSerializer(SECRET, salt="tryggnews.unsubscribe")
    assert stock.loads(token) == [99, SALT]
    assert stock.dumps([99, SALT]) == token


@pytest.mark.parametrize(("subscriber_id", "salt"), [(0, SALT), (-1, SALT), (1, ""), (True, SALT)])
def test_bad_claims_are_not_signed(signer: TokenSigner, subscriber_id: int, salt: str) -> None:
    with pytest.raises(ValueError):
        signer.manage_token(subscriber_id, salt)


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        TokenSigner("")
