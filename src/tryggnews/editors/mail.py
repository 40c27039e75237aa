"""Short service emails to editors (a withdrawn approval, a set-password link, a test).

They go through the same ``Transport`` as the newsletter, one message each. A
notice is collected while a change is made and sent after the change commits, so
a slow or failing mail server never holds or rolls back the editors' work.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tryggnews.content.approvals import WithdrawnApproval
from tryggnews.delivery.message import check_header_value
from tryggnews.notice_mail import build_notice_message
from tryggnews.transports.base import OutgoingMessage, SendStatus, Transport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    """One plain-text email to one editor (Swedish subject and body)."""

    to: str
    subject: str
    body: str


def build_notice(
    notice: Notice, *, sender_name: str, sender_address: str, now: datetime
) -> tuple[str, bytes]:
    """``(Message-ID, bytes)``: UTF-8, quoted-printable, headers encoded by the stdlib."""
    return build_notice_message(
        sender_name=sender_name,
        sender_address=sender_address,
        to=check_header_value("To", notice.to),
        subject=check_header_value("Subject", notice.subject),
        text=notice.body,
        now=now,
    )


def send_notices(
    transport: Transport,
    notices: Sequence[Notice],
    *,
    sender_name: str,
    sender_address: str,
    now: datetime,
) -> list[str]:
    """Send each notice; returns the addresses that could not be reached (logged)."""
    if not notices:
        return []
    batch = []
    for number, notice in enumerate(notices):
        message_id, raw = build_notice(
            notice, sender_name=sender_name, sender_address=sender_address, now=now
        )
        batch.append(
            OutgoingMessage(delivery_id=number, recipient=notice.to, message_id=message_id, raw=raw)
        )
    try:
        results = transport.send(batch)
    # Any failure of the mail path (TransportError, OSError, a provider's surprise)
    # must not undo an edit that is already committed; it is logged and reported.
    except Exception:
        log.exception("could not send %d editor notices", len(batch))
        return [notice.to for notice in notices]
    failed = [
        notices[result.delivery_id].to
        for result in results
        if result.status is not SendStatus.ACCEPTED
    ]
    if failed:
        # A count, not the addresses: no email address in logs at INFO and above.
        log.warning("%d editor notice(s) not accepted by the transport", len(failed))
    return failed


def withdrawn_notice(withdrawn: WithdrawnApproval, issue_url: str) -> Notice:
    """Tells an approver that an edit withdrew their approval, and where to review again."""
    name = withdrawn.approver_name
    return Notice(
        to=withdrawn.approver_email,
        subject=f"Godkännandet av utskick {withdrawn.issue_key} har återkallats",
        body=(
            f"{'Hej ' + name + ',' if name else 'Hej,'}\n\n"
            f"{withdrawn.actor} har ändrat utskick {withdrawn.issue_key} "
            f"”{withdrawn.issue_title}”: {withdrawn.change}.\n\n"
            "Därför har båda organisationernas godkännanden återkallats. Utskicket går inte "
            "ut förrän både Polisen och kommunen har godkänt den nya versionen.\n\n"
            f"Granska och godkänn igen här:\n{issue_url}\n\n"
            "Hälsningar\nTrygg i Österåker\n"
        ),
    )


def password_link_notice(email: str, name: str, link: str, hours: int) -> Notice:
    """Invites a new editor (or one who forgot) to choose a password."""
    return Notice(
        to=email,
        subject="Välj ditt lösenord till redaktionen för Trygg i Österåker",
        body=(
            f"{'Hej ' + name + ',' if name else 'Hej,'}\n\n"
            "Du har ett konto i redaktionen för nyhetsbrevet Trygg i Österåker. "
            "Välj ditt lösenord här:\n"
            f"{link}\n\n"
            f"Länken fungerar en gång och i {hours} timmar.\n\n"
            "Hälsningar\nTrygg i Österåker\n"
        ),
    )
