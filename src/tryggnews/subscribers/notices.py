"""The two emails a subscriber gets outside the newsletter, in the subscriber's language.

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

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape

from email_validator import EmailNotValidError, validate_email

from tryggnews.config import Settings
from tryggnews.errors import ValidationError
from tryggnews.i18n import MESSAGES, SOURCE_LANGUAGE, direction, shipped_catalogues
from tryggnews.notice_mail import build_notice_message


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
    settings: NoticeSettings,
    *,
    to: str,
    confirm_url: str,
    now: datetime,
    language: str = SOURCE_LANGUAGE,
) -> Notice:
    """The double opt-in email: one link that leads to the confirm button, in ``language``
    (the one chosen on the sign-up form)."""
    _ = shipped_catalogues().gettext(language, MESSAGES)
    who = _(
        "Någon, förhoppningsvis du, har anmält den här e-postadressen till nyhetsbrevet "
        "Trygg i Österåker från Österåkers kommun och Polisen."
    )
    how = _("Bekräfta att du vill ha nyhetsbrevet: öppna länken och tryck på knappen Bekräfta.")
    after = _(
        "Länken gäller i %(hours)s timmar. Vill du inte ha nyhetsbrevet behöver du inte göra "
        "något: du får inga brev från oss, och anmälan raderas efter %(days)s dagar."
    ) % {"hours": settings.confirm_hours, "days": settings.purge_days}
    mail = _Mail(_, language)
    text = mail.text([who, how], [confirm_url], [after])
    heading = _("Bekräfta din prenumeration")
    html = mail.html(heading, [who, how], [(confirm_url, _("Bekräfta min prenumeration"))], [after])
    subject = _("Bekräfta din prenumeration på Trygg i Österåker")
    return _message(settings, to, subject, text, html, now)


def link_notice(
    settings: NoticeSettings,
    *,
    to: str,
    manage_url: str,
    unsubscribe_url: str,
    now: datetime,
    language: str = SOURCE_LANGUAGE,
) -> Notice:
    """ "Here is your link": sent instead of a confirmation when the address already
    subscribes, and by the "email me my link" page; in the subscriber's language."""
    _ = shipped_catalogues().gettext(language, MESSAGES)
    who = _(
        "Någon, förhoppningsvis du, bad om länken till dina inställningar för nyhetsbrevet "
        "Trygg i Österåker. Den här e-postadressen har redan en prenumeration."
    )
    manage = _(
        "Ändra dina val, pausa utskicken, se vad vi har sparat om dig eller avsluta "
        "prenumerationen:"
    )
    leave = _("Avsluta prenumerationen direkt:")
    after = _("Bad du inte om länken kan du bortse från det här brevet. Ingenting har ändrats.")
    mail = _Mail(_, language)
    text = mail.text([who, manage, manage_url, leave, unsubscribe_url], [], [after])
    html = mail.html(
        _("Din länk till Trygg i Österåker"),
        [who],
        [
            (manage_url, _("Ändra dina val och se dina uppgifter")),
            (unsubscribe_url, _("Avsluta prenumerationen")),
        ],
        [after],
    )
    return _message(settings, to, _("Din länk till Trygg i Österåker"), text, html, now)


class _Mail:
    """The shared frame of both notices in one language: greeting, signature, ``lang``/``dir``."""

    def __init__(self, gettext: Callable[[str], str], language: str) -> None:
        self.language = language
        self.greeting = gettext("Hej!")
        self.regards = gettext("Hälsningar")
        self.signature = [
            "Trygg i Österåker",
            gettext("Österåkers kommun och Polisen, lokalpolisområde Södra Roslagen"),
        ]

    def text(self, before: list[str], urls: list[str], after: list[str]) -> str:
        """Paragraphs, URLs on lines of their own, closing paragraphs and the signature."""
        # Transports take "\n" line endings and convert for SMTP themselves.
        body = "".join(f"{part}\n\n" for part in (self.greeting, *before, *urls, *after))
        return body + f"{self.regards}\n" + "\n".join(self.signature) + "\n"

    def html(
        self, heading: str, before: list[str], links: list[tuple[str, str]], after: list[str]
    ) -> str:
        paragraphs = "".join(f"<p>{escape(text)}</p>\n" for text in before)
        # A URL stays left to right inside right-to-left text (dir="ltr" on its span).
        buttons = "".join(
            f'<p><a href="{escape(url)}" style="color:#0a5bb5;font-weight:bold">'
            f"{escape(label)}</a><br>\n"
            f'<span dir="ltr" style="font-size:14px;color:#4a4f57">{escape(url)}</span></p>\n'
            for url, label in links
        )
        closing = "".join(f"<p>{escape(text)}</p>\n" for text in after)
        signature = "<br>".join(escape(line) for line in self.signature)
        lang, way = escape(self.language), direction(self.language)
        return (
            f'<!doctype html>\n<html lang="{lang}" dir="{way}">\n<head><meta charset="utf-8">'
            f"<title>{escape(heading)}</title></head>\n"
            '<body style="font-family:Arial,Helvetica,sans-serif;font-size:16px;'
            'line-height:1.5;color:#1a1a1a">\n'
            f'<h1 style="font-size:22px;color:#0b2e59">{escape(heading)}</h1>\n'
            f"<p>{escape(self.greeting)}</p>\n{paragraphs}{buttons}{closing}"
            f"<p>{escape(self.regards)}<br>{signature}</p>\n</body>\n</html>\n"
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
