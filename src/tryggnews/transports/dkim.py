"""DKIM signing (dkimpy) of the exact bytes a transport sends.

relaxed/relaxed canonicalisation, rsa-sha256, and an explicit header list:
dkimpy's default leaves out ``List-Unsubscribe-Post`` and ``Feedback-ID``, and a
receiver (Gmail, Yahoo) only trusts one-click unsubscribe when both
List-Unsubscribe headers are signed. ``l=`` (body length) is never used: it lets
anyone append content under our signature.

A header in the list that a message lacks (``Feedback-ID`` is optional) is
signed as absent, so nobody can add it later without breaking the signature.
"""

from __future__ import annotations

from pathlib import Path

import dkim

from tryggnews.errors import ConfigError

SIGNED_HEADERS: tuple[bytes, ...] = (
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"List-Id",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"Feedback-ID",
    b"MIME-Version",
    b"Content-Type",
)


class DkimSigner:
    """Signs finished messages (CRLF line endings) for one domain and selector."""

    def __init__(self, *, domain: str, selector: str, private_key: bytes) -> None:
        if not domain or not selector:
            raise ConfigError("DKIM needs both TRYGGNEWS_DKIM_DOMAIN and TRYGGNEWS_DKIM_SELECTOR")
        self.domain = domain.encode("ascii")
        self.selector = selector.encode("ascii")
        self._key = private_key
        # Sign a tiny message now so a bad key stops the send before it starts.
        try:
            self.sign(b"From: a@" + self.domain + b"\r\nSubject: test\r\n\r\ntest\r\n")
        except dkim.DKIMException as exc:
            raise ConfigError(
                f"TRYGGNEWS_DKIM_PRIVATE_KEY_FILE: the key cannot sign ({exc}); "
                "give a PEM RSA private key"
            ) from None

    @classmethod
    def from_file(cls, *, domain: str, selector: str, key_file: str) -> DkimSigner:
        """A signer with the PEM key in ``key_file``; ``ConfigError`` names the setting."""
        if not key_file:
            raise ConfigError(
                "TRYGGNEWS_DKIM_DOMAIN is set but TRYGGNEWS_DKIM_PRIVATE_KEY_FILE is empty"
            )
        try:
            key = Path(key_file).read_bytes()
        except OSError as exc:
            raise ConfigError(
                f"TRYGGNEWS_DKIM_PRIVATE_KEY_FILE={key_file}: cannot read it ({exc.strerror})"
            ) from None
        return cls(domain=domain, selector=selector, private_key=key)

    def sign(self, message: bytes) -> bytes:
        """``message`` with its DKIM-Signature header in front: the bytes to send."""
        header: bytes = dkim.sign(
            message,
            self.selector,
            self.domain,
            self._key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=list(SIGNED_HEADERS),
            length=False,
            linesep=b"\r\n",
        )
        return header + message
