"""Brevo's message versions: a finished MIME message as Brevo's JSON, and a call's body.

Separate from the transport because it is pure translation — bytes in, JSON out,
no HTTP, retries or threads — and can be read and tested on its own.

Brevo takes JSON, not MIME, so each finished message is parsed back with the
standard library (subject, sender, both parts, the list headers) into one
*message version* with one recipient. Parsing costs about a millisecond a
message; Brevo's own rate (≈100 calls a minute) is far below that, and the
transport stays a transport: the same finished messages as SMTP and the outbox
get, so every one of them says exactly what the reader receives.

Correlation: Brevo replaces the Message-ID, and its webhooks name a message by its
own id. Each version therefore carries ``X-Mailin-custom: <our Message-ID>``,
which Brevo echoes in every webhook event, so the bounce webhook finds the ledger
row by the id the ledger already holds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.headerregistry import Address
from typing import Any

from tryggnews.transports.base import OutgoingMessage

# Brevo echoes this header's value in its webhook events (as "X-Mailin-custom").
CORRELATION_HEADER = "X-Mailin-custom"
# Headers of the finished message that Brevo is given as custom headers. Brevo
# writes From, To, Subject, Date, Message-ID and the MIME structure itself.
FORWARDED_HEADERS = (
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Feedback-ID",
    "Auto-Submitted",
    "Precedence",
)
# Always per version, even in a call of one: they carry the recipient's own tokens/ids.
PER_RECIPIENT_HEADERS = frozenset({"List-Unsubscribe", CORRELATION_HEADER})
_FOLD = re.compile(r"\r?\n(?=[ \t])")


@dataclass(frozen=True, slots=True)
class BrevoVersion:
    """One finished message as a Brevo message version (one recipient)."""

    message: OutgoingMessage
    sender_email: str
    sender_name: str
    subject: str
    html: str
    text: str
    to_name: str
    headers: dict[str, str] = field(default_factory=dict)


def version_from_message(message: OutgoingMessage) -> BrevoVersion:
    """Parse a finished MIME message into a version; ``ValueError`` if it has no
    HTML part, no sender, or a forwarded header that is not plain ASCII.

    The recipient is ``message.recipient`` (the envelope), as for SMTP; the To
    header only lends its display name when it names the same address.
    """
    parsed = message_from_bytes(message.raw, policy=policy.default)
    senders: tuple[Address, ...] = parsed["From"].addresses if parsed["From"] is not None else ()
    if len(senders) != 1:
        raise ValueError("the message needs exactly one From address")
    html_part = parsed.get_body(preferencelist=("html",))
    if html_part is None:
        raise ValueError("the message has no text/html part")
    text_part = parsed.get_body(preferencelist=("plain",))
    to_name = ""
    if parsed["To"] is not None:
        for address in parsed["To"].addresses:
            if address.addr_spec.casefold() == message.recipient.casefold():
                to_name = address.display_name
    headers: dict[str, str] = {}
    # The raw (RFC 2047-encoded, ASCII) values, unfolded: Brevo wants ASCII header values.
    for name, value in parsed.raw_items():
        wanted = next((h for h in FORWARDED_HEADERS if h.lower() == name.lower()), None)
        if wanted is None:
            continue
        value = _FOLD.sub("", str(value)).strip()
        if not value.isascii() or "\r" in value or "\n" in value:
            raise ValueError(f"header {wanted} is not one line of ASCII")
        headers[wanted] = value
    if not message.message_id.isascii():
        raise ValueError("the Message-ID is not ASCII")
    headers[CORRELATION_HEADER] = message.message_id
    return BrevoVersion(
        message=message,
        sender_email=senders[0].addr_spec,
        sender_name=senders[0].display_name,
        subject=str(parsed["Subject"] or ""),
        html=str(html_part.get_content()),
        text=str(text_part.get_content()) if text_part is not None else "",
        to_name=to_name,
        headers=headers,
    )


def payload_for(versions: Sequence[BrevoVersion], idempotency_key: str) -> dict[str, Any]:
    """The JSON body of one call. All versions must share the sender.

    Headers equal in every version go to the top level once; per-recipient ones
    (``List-Unsubscribe``, the correlation id) always sit in their version. The
    top-level subject and parts are the first version's — Brevo requires them
    when versions bring their own — and every version carries its own parts.
    """
    first = versions[0]
    shared = {
        name: value
        for name, value in first.headers.items()
        if name not in PER_RECIPIENT_HEADERS and all(v.headers.get(name) == value for v in versions)
    }
    entries = []
    for version in versions:
        recipient: dict[str, str] = {"email": version.message.recipient}
        if version.to_name:
            recipient["name"] = version.to_name
        entry: dict[str, Any] = {
            "to": [recipient],
            "htmlContent": version.html,
            "textContent": version.text,
            "headers": {k: v for k, v in version.headers.items() if k not in shared},
        }
        if version.subject != first.subject:
            entry["subject"] = version.subject
        entries.append(entry)
    sender = {"email": first.sender_email}
    if first.sender_name:
        sender["name"] = first.sender_name
    return {
        "sender": sender,
        "subject": first.subject,
        "htmlContent": first.html,
        "textContent": first.text,
        "headers": {**shared, "idempotencyKey": idempotency_key},
        "messageVersions": entries,
    }
