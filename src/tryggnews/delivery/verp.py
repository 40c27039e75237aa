"""VERP: an envelope sender per delivery, so a bounce names its ledger row.

With ``TRYGGNEWS_BOUNCE_ADDRESS=bounces@trygg.example.se`` each message's envelope
sender (MAIL FROM, which the receiving side keeps as ``Return-Path``) is
``bounces+<token>@trygg.example.se``. A bounce is sent to that address, so it
arrives carrying the token in its recipient (``To``, ``Delivered-To``,
``X-Original-To``) even when the bounce's body names nobody.

The token is ``<delivery id>-<16 hex digits of HMAC-SHA256>``: digits, a hyphen
and lowercase hex, so a mail server that lowercases the local part changes
nothing, and it is at most 37 characters. The MAC is keyed with the secret key
(through a purpose string, so it is never the same as any other signature), and
a token that does not verify names no delivery: a forged bounce cannot suppress
anyone by guessing ids.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

from tryggnews.delivery.message import ascii_address

_PURPOSE = b"tryggnews-verp-v1"
_MAC_HEX = 16
# RFC 5321: a local part is at most 64 octets.
MAX_LOCAL_PART = 64
# "+" then the longest token: a 20-digit id, "-", the MAC.
_TOKEN_ROOM = 1 + 20 + 1 + _MAC_HEX
_TOKEN = re.compile(rf"([0-9]{{1,20}})-([0-9a-f]{{{_MAC_HEX}}})")
_ADDRESS_IN_TEXT = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9.\-]+")


class VerpAddresses:
    """Makes ``bounces+<token>@domain`` for a delivery and reads the delivery back.

    ``bounce_address`` is the plain mailbox (``TRYGGNEWS_BOUNCE_ADDRESS``); a bad
    one raises ``ValueError`` naming the setting.
    """

    def __init__(self, bounce_address: str, secret_key: str) -> None:
        field = "TRYGGNEWS_BOUNCE_ADDRESS"
        address = ascii_address(bounce_address.strip(), field=field)
        local, _, domain = address.rpartition("@")
        if "+" in local:
            raise ValueError(
                f"{field}={bounce_address}: leave out the '+…' part, the token is added per message"
            )
        if len(local) + _TOKEN_ROOM > MAX_LOCAL_PART:
            raise ValueError(
                f"{field}={bounce_address}: the local part is too long for a token "
                f"(at most {MAX_LOCAL_PART - _TOKEN_ROOM} characters before the @)"
            )
        if not secret_key:
            raise ValueError("VERP needs the secret key (TRYGGNEWS_SECRET_KEY)")
        self.address = address
        self._local = local.lower()
        self._domain = domain.lower()
        self._key = hmac.new(secret_key.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()
        # Keyed once; each message's MAC copies this state (one per message sent).
        self._keyed = hmac.new(self._key, digestmod=hashlib.sha256)

    def _mac(self, delivery_id: int) -> str:
        digest = self._keyed.copy()
        digest.update(str(delivery_id).encode("ascii"))
        return digest.hexdigest()[:_MAC_HEX]

    def token(self, delivery_id: int) -> str:
        if delivery_id < 0:
            raise ValueError("a delivery id is not negative")
        return f"{delivery_id}-{self._mac(delivery_id)}"

    def for_delivery(self, delivery_id: int) -> str:
        """The envelope sender for one delivery's message."""
        local, _, domain = self.address.rpartition("@")
        return f"{local}+{self.token(delivery_id)}@{domain}"

    def delivery_id(self, address: str) -> int | None:
        """The delivery a ``bounces+<token>@domain`` address names, if its token verifies."""
        local, _, domain = address.strip().strip("<>").lower().rpartition("@")
        base, plus, token = local.partition("+")
        if not plus or base != self._local or domain != self._domain:
            return None
        match = _TOKEN.fullmatch(token)
        if match is None:
            return None
        delivery_id = int(match.group(1))
        if not hmac.compare_digest(match.group(2), self._mac(delivery_id)):
            return None
        return delivery_id

    def find(self, texts: Iterable[str]) -> int | None:
        """The first verified delivery id among the addresses in ``texts`` (header values)."""
        for text in texts:
            for candidate in _ADDRESS_IN_TEXT.findall(text):
                found = self.delivery_id(candidate)
                if found is not None:
                    return found
        return None
