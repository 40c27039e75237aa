"""SMTP apart from any connection: where to connect, what a reply means, bytes as sent.

Separate from the lane and the transport because none of it holds a connection
or a thread: ``SmtpConfig`` and ``is_loopback`` are settings, ``classify`` is the
meaning of a reply, ``to_crlf``, ``to_wire`` and ``envelope_line`` are the bytes on the wire.

What the server's answers mean (see ``classify``):

==========================  ====================================================
4xx, a timeout, a dropped   ``retry`` (the ledger retries with backoff); the
connection                  connection is renewed for the next message
5.1.x (bad address)         ``bounced``: the sender suppresses the address
5.7.x, 530/535 (policy,     the whole send stops (``TransportStoppedError``):
authentication)             the fault is ours and every message would fail
other 5xx                   ``failed`` for that message only
==========================  ====================================================
"""

from __future__ import annotations

import ipaddress
import re
import smtplib
from dataclasses import dataclass

from tryggnews.transports.base import OutgoingMessage, SendResult, SendStatus

_ENHANCED = re.compile(rb"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")
# Authentication required / failed / too weak, when the server gives no enhanced code.
_AUTH_CODES = (530, 534, 535, 538)


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to connect; built from the ``TRYGGNEWS_SMTP_*`` settings."""

    host: str
    port: int
    security: str
    envelope_from: str
    username: str = ""
    password: str = ""
    timeout: float = 30
    messages_per_connection: int = 100


class StopReply(Exception):
    """A reply that means no message can be sent; ends the whole send."""


def classify(code: int, reply: bytes, *, stage: str) -> SendStatus:
    """What an SMTP error reply to MAIL, RCPT or DATA means for the message.

    Raises ``StopReply`` for replies that mean no message can go out: 5.7.x and
    authentication codes anywhere, and any 5xx to MAIL FROM (our own address).
    """
    detail = f"{code} {reply.decode('utf-8', 'replace')}".strip()
    enhanced = _ENHANCED.match(reply)
    if 400 <= code < 500:
        return SendStatus.RETRY
    if code in _AUTH_CODES or (enhanced and enhanced.group(1, 2) == (b"5", b"7")):
        raise StopReply(f"{stage}: {detail}")
    if stage == "MAIL FROM":
        raise StopReply(
            f"the server refuses our sender address (TRYGGNEWS_SENDER_ADDRESS): {detail}"
        )
    if enhanced and enhanced.group(1, 2) == (b"5", b"1"):
        return SendStatus.BOUNCED
    return SendStatus.FAILED


def to_crlf(raw: bytes) -> bytes:
    """Line endings as SMTP wants them, converted once (the template makes ``\\n``)."""
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n")
    return raw.replace(b"\n", b"\r\n")


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def to_wire(crlf: bytes) -> bytes:
    """A CRLF message as sent after DATA's 354: dot-stuffed, ending with ``.\\r\\n``.

    What ``smtplib.SMTP.data`` does, except the dot-stuffing: smtplib runs a
    multi-line regular expression over the whole message. A line can only start with
    a dot right after a CRLF (or at the very start), so ``bytes.replace`` does the
    same. Still a scan and a copy of the whole message: messages the sender built
    in the ``wire`` form (``MessageForm``) skip it.
    """
    stuffed = crlf.replace(b"\r\n.", b"\r\n..")
    if stuffed.startswith(b"."):
        stuffed = b"." + stuffed
    if not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    return stuffed + b".\r\n"


# A bare ASCII address, which the envelope carries as ``<address>`` unchanged.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9.\-]+")


def envelope_line(verb: str, address: str, options: str = "") -> bytes:
    """``MAIL FROM:<address>`` or ``RCPT TO:<address>`` as sent, with its CRLF.

    What ``smtplib.SMTP.mail`` and ``rcpt`` send, without their ``quoteaddr``, which
    parses every address with ``email.utils.parseaddr`` (pure Python) — twice a
    message. The addresses here are already plain ASCII (``ascii_address``);
    anything else still goes through ``quoteaddr``. Like smtplib's ``putcmd``, a line
    break inside the command is refused rather than sent as a second command.
    """
    if _PLAIN_ADDRESS.fullmatch(address):
        return f"{verb}:<{address}>{options}\r\n".encode("ascii")
    line = f"{verb}:{smtplib.quoteaddr(address)}{options}"
    if "\r" in line or "\n" in line:
        raise ValueError("a line break in an SMTP command is not allowed")
    return f"{line}\r\n".encode("ascii")


def make_retry(message: OutgoingMessage, detail: str) -> SendResult:
    return SendResult(message.delivery_id, SendStatus.RETRY, detail)


def to_text(code: int, reply: bytes) -> str:
    return f"{code} {reply.decode('utf-8', 'replace')}".strip()


def to_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "replace")
