"""Small one-off emails (confirmations, reminders, editor notices), built the same way.

Few and far between, so the standard library builds them (``EmailMessage`` with
``policy.SMTP``: å, ä, ö encoded by the stdlib, quoted-printable bodies); the
newsletter itself uses the pre-encoded path in ``delivery/message.py`` instead.
Serialised with "\\n" line endings like every message here (Maildir on Unix; the
SMTP transport converts to CRLF). Callers check header values and addresses.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

_SERIALISE = policy.SMTP.clone(linesep="\n")


def build_notice_message(
    *,
    sender_name: str,
    sender_address: str,
    to: str,
    subject: str,
    text: str,
    now: datetime,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[str, bytes]:
    """``(Message-ID, bytes)`` of one notice: text part, and an HTML alternative if given."""
    message = EmailMessage(policy=policy.SMTP)
    local, _, domain = sender_address.partition("@")
    message["From"] = Address(sender_name, local, domain)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message_id = make_msgid(domain=domain or "localhost")
    message["Message-ID"] = message_id
    # A reply from an out-of-office robot to an automatic email helps nobody.
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message_id, message.as_bytes(policy=_SERIALISE)
