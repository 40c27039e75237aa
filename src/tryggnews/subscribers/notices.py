"""The two emails a subscriber gets outside the newsletter, in Swedish.

- the confirmation (double opt-in) with a link to confirm the sign-up;
- "here is your link", for someone who already subscribes and signed up again or
  asked for their link.

They are few, so each is built by ``tryggnews.notice_mail`` (the standard library
encodes å, ä, ö in headers and bodies), as ``text/plain`` and ``text/html`` in
quoted-printable. The newsletter's fast path
(``delivery.message``) is not needed here. URLs come in whole from the caller,
which builds them from the ``base_url`` setting, never from a request's Host.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from email_validator import EmailNotValidError, validate_email

from tryggnews.config import Settings
from tryggnews.errors import ValidationError
from tryggnews.notice_mail import build_notice_message

# Transports take "\n" line endings and convert for SMTP themselves.
_SIGNATURE = "Trygg i Österåker\nÖsteråkers kommun och Polisen, lokalpolisområde Södra Roslagen"


@dataclass(frozen=True)
class Notice:
    """A finished email: the envelope recipient (ASCII), its Message-ID and the bytes."""

    recipient: str
    message_id: str
    raw: bytes


@dataclass(frozen=True)
class NoticeSettings:
    """What the notices need from the settings."""

    sender_name: str
    sender_address: str
    confirm_hours: int
    purge_days: int

    @classmethod
    def from_settings(cls, settings: Settings) -> NoticeSettings:
        return cls(
            sender_name=settings.sender_name,
            sender_address=settings.sender_address,
            confirm_hours=settings.confirm_token_hours,
            purge_days=settings.purge_unconfirmed_days,
        )


def confirmation_notice(
    settings: NoticeSettings, *, to: str, confirm_url: str, now: datetime
) -> Notice:
    """The double opt-in email: one link that leads to the confirm button."""
    text = (
        "Hej!\n\n"
        "Någon, förhoppningsvis du, har anmält den här e-postadressen till nyhetsbrevet "
        "Trygg i Österåker från Österåkers kommun och Polisen.\n\n"
        "Bekräfta att du vill ha nyhetsbrevet: öppna länken och tryck på knappen "
        "Bekräfta.\n\n"
        f"{confirm_url}\n\n"
        f"Länken gäller i {settings.confirm_hours} timmar. Vill du inte ha nyhetsbrevet "
        "behöver du inte göra något: du får inga brev från oss, och anmälan raderas efter "
        f"{settings.purge_days} dagar.\n\n"
        f"Hälsningar\n{_SIGNATURE}\n"
    )
    html = _html(
        "Bekräfta din prenumeration",
        [
            "Någon, förhoppningsvis du, har anmält den här e-postadressen till nyhetsbrevet "
            "Trygg i Österåker från Österåkers kommun och Polisen.",
            "Bekräfta att du vill ha nyhetsbrevet: öppna länken och tryck på knappen Bekräfta.",
        ],
        [(confirm_url, "Bekräfta min prenumeration")],
        [
            f"Länken gäller i {settings.confirm_hours} timmar. Vill du inte ha nyhetsbrevet "
            "behöver du inte göra något: du får inga brev från oss, och anmälan raderas "
            f"efter {settings.purge_days} dagar."
        ],
    )
    return _message(
        settings, to, "Bekräfta din prenumeration på Trygg i Österåker", text, html, now
    )


def link_notice(
    settings: NoticeSettings, *, to: str, manage_url: str, unsubscribe_url: str, now: datetime
) -> Notice:
    """ "Here is your link": sent instead of a confirmation when the address already
    subscribes, and by the "email me my link" page."""
    text = (
        "Hej!\n\n"
        "Någon, förhoppningsvis du, bad om länken till dina inställningar för nyhetsbrevet "
        "Trygg i Österåker. Den här e-postadressen har redan en prenumeration.\n\n"
        "Ändra dina val, pausa utskicken, se vad vi har sparat om dig eller avsluta "
        "prenumerationen:\n\n"
        f"{manage_url}\n\n"
        f"Avsluta prenumerationen direkt:\n\n{unsubscribe_url}\n\n"
        "Bad du inte om länken kan du bortse från det här brevet. Ingenting har ändrats.\n\n"
        f"Hälsningar\n{_SIGNATURE}\n"
    )
    html = _html(
        "Din länk till Trygg i Österåker",
        [
            "Någon, förhoppningsvis du, bad om länken till dina inställningar för "
            "nyhetsbrevet Trygg i Österåker. Den här e-postadressen har redan en "
            "prenumeration."
        ],
        [
            (manage_url, "Ändra dina val och se dina uppgifter"),
            (unsubscribe_url, "Avsluta prenumerationen"),
        ],
        ["Bad du inte om länken kan du bortse från det här brevet. Ingenting har ändrats."],
    )
    return _message(settings, to, "Din länk till Trygg i Österåker", text, html, now)


def _html(heading: str, before: list[str], links: list[tuple[str, str]], after: list[str]) -> str:
    paragraphs = "".join(f"<p>{escape(text)}</p>\n" for text in before)
    buttons = "".join(
        f'<p><a href="{escape(url)}" style="color:#0a5bb5;font-weight:bold">{escape(label)}</a>'
        f'<br>\n<span style="font-size:14px;color:#4a4f57">{escape(url)}</span></p>\n'
        for url, label in links
    )
    closing = "".join(f"<p>{escape(text)}</p>\n" for text in after)
    signature = "<br>".join(escape(line) for line in _SIGNATURE.splitlines())
    return (
        '<!doctype html>\n<html lang="sv">\n<head><meta charset="utf-8">'
        f"<title>{escape(heading)}</title></head>\n"
        '<body style="font-family:Arial,Helvetica,sans-serif;font-size:16px;'
        'line-height:1.5;color:#1a1a1a">\n'
        f'<h1 style="font-size:22px;color:#0b2e59">{escape(heading)}</h1>\n'
        f"<p>Hej!</p>\n{paragraphs}{buttons}{closing}<p>Hälsningar<br>{signature}</p>\n"
        "</body>\n</html>\n"
    )


def _ascii_address(address: str) -> str:
    # Stored addresses keep an internationalised domain in Unicode; headers and the
    # envelope need its IDNA form. (delivery.message.ascii_address does the same for
    # the newsletter; subscribers/ sits below delivery/ and does not import it.)
    try:
        info = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValidationError(f"cannot send to {address!r}: {exc}") from None
    return info.ascii_email or info.normalized


def _message(
    settings: NoticeSettings, to: str, subject: str, text: str, html: str, now: datetime
) -> Notice:
    recipient = _ascii_address(to)
    message_id, raw = build_notice_message(
        sender_name=settings.sender_name,
        sender_address=settings.sender_address,
        to=recipient,
        subject=subject,
        text=text,
        html=html,
        now=now,
    )
    return Notice(
        recipient=recipient,
        message_id=message_id,
        raw=raw,
    )
