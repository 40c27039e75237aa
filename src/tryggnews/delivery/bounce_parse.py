"""What one message in the bounce mailbox says: a hard or soft bounce, an auto-reply, or nothing.

Pure: bytes in, a ``ParsedBounce`` out; no database. ``bounce_mail`` ties the result
to a ledger row.

In this order:

1. a delivery status notification (RFC 3464, ``multipart/report``): each recipient
   block's ``Action`` and ``Status`` decide — ``failed`` with ``5.x.x`` is hard,
   ``failed`` with ``4.x.x`` or ``x.2.2`` (mailbox full) is soft, ``delayed`` is
   only a warning (the server is still trying) and changes nothing;
2. an auto-reply ("frånvarande", "Automatiskt svar", out of office: ``Auto-Submitted:
   auto-replied``, ``X-Autoreply``, ``Precedence: auto_reply`` or such a subject)
   that does not come from a mailer daemon: ignored;
3. the non-standard bounces real servers send (Exim, qmail, old Exchange …):
   Mailman's detectors in ``flufl.bounce`` (``all_failures``) find the failed
   addresses; the text decides hard or soft (a ``4.x.x`` code, "mailbox full",
   "quota");
4. anything else is not recognised as a bounce: kept and reported, never guessed.

Whatever the kind, the places a VERP address can appear are collected
(``verp_texts``: the recipient headers the receiving server adds, the returned
message's ``Return-Path``, then the whole text), and the Message-IDs of the
returned message (``original_message_ids``).
"""

from __future__ import annotations

import email
import enum
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32

from flufl.bounce import all_failures

# Headers where the receiving side writes the address the bounce was delivered to.
_RECIPIENT_HEADERS = (
    "Delivered-To",
    "X-Original-To",
    "Envelope-To",
    "X-Envelope-To",
    "X-Rcpt-To",
    "To",
    "Cc",
)
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
# A basic SMTP reply code at the start of a line of the bounce text ("550 No such user").
_REPLY = re.compile(r"^\s*([45])\d\d[ -]", re.MULTILINE)
_FULL = re.compile(
    r"mailbox (?:is )?full|over ?quota|quota (?:exceeded|full)|exceeded (?:the )?(?:storage|quota)"
    r"|insufficient (?:system )?storage|brevlådan är full",
    re.IGNORECASE,
)
_AUTO_SUBJECT = re.compile(
    r"frånvarande|autosvar|automatiskt svar|out of (?:the )?office|auto[- ]?reply|"
    r"automatic reply|vacation|semester|abwesend|fraværende|poissa",
    re.IGNORECASE,
)
_DAEMON = re.compile(r"mailer-daemon|postmaster|mail delivery (?:subsystem|system)", re.IGNORECASE)
# Enough to find any address in a real bounce; a bigger message is read only this far.
MAX_TEXT = 512 * 1024
MAX_DETAIL = 300


class BounceKind(enum.StrEnum):
    HARD = "hard"
    SOFT = "soft"
    AUTO_REPLY = "auto-reply"
    DELAY = "ignored"  # a delay warning: the server is still trying
    NONE = "none"  # not recognised as a bounce


@dataclass(frozen=True)
class ParsedBounce:
    """What a message says; ``recipients`` are the failed addresses it names (the
    Original-Recipient when given, else the Final-Recipient), ``status`` the first
    enhanced status code, ``reason`` why it is ``NONE``."""

    key: str
    message_id: str | None
    kind: BounceKind
    recipients: tuple[str, ...] = ()
    status: str = ""
    diagnostic: str = ""
    verp_texts: tuple[str, ...] = ()
    original_message_ids: tuple[str, ...] = ()
    reason: str = ""

    @property
    def summary(self) -> str:
        """The status and the server's words, short, for the ledger and the report."""
        text = " ".join(part for part in (self.status, self.diagnostic) if part)
        return text[:MAX_DETAIL]


def message_key(raw: bytes, message_id: str | None) -> str:
    """The key a processed message is remembered by: its Message-ID, or its bytes."""
    if message_id:
        return "mid:" + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()
    return "raw:" + hashlib.sha256(raw).hexdigest()


def read_bounce(raw: bytes) -> ParsedBounce:
    """Parse one message from the bounce mailbox (never raises on malformed input)."""
    msg = email.message_from_bytes(raw, policy=compat32)
    message_id = _header(msg, "Message-ID").strip() or None
    if message_id is not None:
        message_id = message_id[:300]
    key = message_key(raw, message_id)
    returned = list(_returned_headers(msg))
    verp_texts = (
        *(value for name in _RECIPIENT_HEADERS for value in _headers(msg, name)),
        *(value for headers in returned for value in _headers(headers, "Return-Path")),
        _text(msg),
    )
    original_ids = tuple(
        value.strip() for headers in returned for value in _headers(headers, "Message-ID")
    )
    common = ParsedBounce(
        key=key,
        message_id=message_id,
        kind=BounceKind.NONE,
        verp_texts=verp_texts,
        original_message_ids=original_ids,
    )

    blocks = list(_dsn_blocks(msg))
    if blocks:
        return _from_dsn(blocks, common)
    from_daemon = bool(
        _DAEMON.search(_header(msg, "From"))
        or _header(msg, "Return-Path").strip() == "<>"
        or _header(msg, "X-Failed-Recipients")
    )
    if _is_auto_reply(msg) and not from_daemon:
        return replace(common, kind=BounceKind.AUTO_REPLY)
    try:
        temporary, permanent = all_failures(msg)
    except Exception as exc:  # a detector tripping over a malformed message
        return replace(
            common,
            kind=BounceKind.NONE,
            reason="not recognised as a bounce (the bounce detectors could not read it: "
            f"{type(exc).__name__})",
        )
    text = _text(msg)
    status = _first_status(text)
    if permanent:
        reply = _REPLY.search(text)
        soft = (
            bool(_FULL.search(text))
            or _is_soft_status(status)
            or (not status and reply is not None and reply.group(1) == "4")
        )
        return replace(
            common,
            kind=BounceKind.SOFT if soft else BounceKind.HARD,
            recipients=tuple(sorted(a.decode("ascii", "replace") for a in permanent)),
            status=status,
            diagnostic=_diagnostic_line(text, status),
        )
    if temporary:
        return replace(
            common,
            kind=BounceKind.DELAY,
            recipients=tuple(sorted(a.decode("ascii", "replace") for a in temporary)),
        )
    if _is_auto_reply(msg):
        return replace(common, kind=BounceKind.AUTO_REPLY)
    return replace(
        common,
        kind=BounceKind.NONE,
        reason="not recognised as a bounce (no delivery status report, no failed address found)",
    )


@dataclass(frozen=True)
class _Block:
    action: str
    status: str
    recipient: str
    diagnostic: str


def _from_dsn(blocks: list[_Block], common: ParsedBounce) -> ParsedBounce:
    hard = [b for b in blocks if b.action.startswith(("fail", "error")) and _is_hard(b)]
    soft = [b for b in blocks if b.action.startswith(("fail", "error")) and not _is_hard(b)]
    delayed = [b for b in blocks if b.action.startswith("delayed")]
    chosen, kind = (
        (hard, BounceKind.HARD)
        if hard
        else (soft, BounceKind.SOFT)
        if soft
        else (delayed or blocks, BounceKind.DELAY)
    )
    return replace(
        common,
        kind=kind,
        recipients=tuple(b.recipient for b in chosen if b.recipient),
        status=chosen[0].status,
        diagnostic=chosen[0].diagnostic[:MAX_DETAIL],
    )


def _is_hard(block: _Block) -> bool:
    if block.status:
        return not _is_soft_status(block.status)
    return not _FULL.search(block.diagnostic)


def _is_soft_status(status: str) -> bool:
    """4.x.x, and x.2.2 (mailbox full), which many servers give as 5.2.2."""
    if not status:
        return False
    klass, subject, detail = status.split(".")
    return klass == "4" or (subject, detail) == ("2", "2")


def _dsn_blocks(msg: Message) -> Iterator[_Block]:
    """The per-recipient blocks of every ``message/delivery-status`` part."""
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        if isinstance(payload, str):
            # Some servers send the fields unparsed (or base64): read them as header blocks.
            payload = [
                HeaderParser(policy=compat32).parsestr(chunk)
                for chunk in re.split(r"\r?\n\r?\n", payload)
            ]
        for block in payload if isinstance(payload, list) else []:
            if not isinstance(block, Message):
                continue
            action = _header(block, "Action").strip().lower()
            if not action:
                continue  # the per-message block (Reporting-MTA …)
            match = _STATUS.search(_header(block, "Status"))
            yield _Block(
                action=action,
                status=match.group(0) if match else "",
                recipient=_address_field(block, "Original-Recipient")
                or _address_field(block, "Final-Recipient"),
                diagnostic=" ".join(_header(block, "Diagnostic-Code").split()),
            )


def _address_field(block: Message, name: str) -> str:
    """``rfc822; anna@example.se`` → ``anna@example.se`` (also without the type)."""
    value = _header(block, name).strip()
    if ";" in value:
        kind, _, value = value.partition(";")
        if kind.strip().lower() != "rfc822":
            return ""
    value = value.strip().strip("<>").strip()
    return value if "@" in value else ""


def _returned_headers(msg: Message) -> Iterator[Message]:
    """The header blocks of the returned original message, when the bounce carries them."""
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                text = payload.decode("utf-8", "replace")
                yield HeaderParser(policy=compat32).parsestr(text)
        elif kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                yield inner[0]


def _is_auto_reply(msg: Message) -> bool:
    auto = _header(msg, "Auto-Submitted").strip().lower()
    precedence = _header(msg, "Precedence").strip().lower()
    return bool(
        (auto and auto != "no")
        or _header(msg, "X-Autoreply")
        or _header(msg, "X-Autorespond")
        or _header(msg, "X-Auto-Response-Suppress")
        or precedence == "auto_reply"
        or _AUTO_SUBJECT.search(_header(msg, "Subject"))
    )


def _text(msg: Message) -> str:
    """The readable text of every part (headers of returned messages included), bounded."""
    pieces: list[str] = []
    size = 0
    for part in msg.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            chunk = payload[: MAX_TEXT - size].decode("utf-8", "replace")
        else:
            chunk = str(part)[: MAX_TEXT - size]
        pieces.append(chunk)
        size += len(chunk)
        if size >= MAX_TEXT:
            break
    return "\n".join(pieces)


def _first_status(text: str) -> str:
    match = _STATUS.search(text)
    return match.group(0) if match else ""


def _diagnostic_line(text: str, status: str) -> str:
    """The line of the text that carries the status code (or says the mailbox is full)."""
    for line in text.splitlines():
        if (status and status in line) or _FULL.search(line):
            return " ".join(line.split())[:MAX_DETAIL]
    reply = _REPLY.search(text)
    if reply is not None:
        line = text[reply.start() :].splitlines()[0]
        return " ".join(line.split())[:MAX_DETAIL]
    return ""


def _headers(msg: Message, name: str) -> list[str]:
    return [str(value) for value in msg.get_all(name, [])]


def _header(msg: Message, name: str) -> str:
    values = _headers(msg, name)
    return values[0] if values else ""
