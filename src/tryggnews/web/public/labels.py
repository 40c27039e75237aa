"""What the public templates show for stored values: Swedish labels for status,
event, channel, basis and delivery keys, dates and times in Swedish local time,
and the ``lang``/``dir`` of language names.

Kept apart from the views because the templates, not the views, use nearly all of
it (through ``template_helpers``); the views share only the local time zone. The date
formats themselves are ``render.dates``'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tryggnews.content.vocabulary import DEFAULT_LANGUAGE
from tryggnews.render.dates import format_date, format_moment
from tryggnews.web.context import web_context

LOCAL = ZoneInfo("Europe/Stockholm")

STATUS_LABELS = {
    "pending": "Väntar på att du bekräftar",
    "active": "Aktiv",
    "paused": "Pausad",
    "unsubscribed": "Avslutad",
    "bounced": "Stoppad: e-post till adressen kommer inte fram",
}
EVENT_LABELS = {
    "subscribed": "Anmälan",
    "confirmed": "Bekräftelse",
    "preferences_changed": "Ändrade val",
    "paused": "Paus",
    "resumed": "Paus avslutad",
    "unsubscribed": "Avslutad prenumeration",
    "imported": "Tillagd från en lista",
    "erased": "Raderad",
    "bounced": "E-post kom inte fram",
    "complained": "Anmäld som skräppost",
}
CHANNEL_LABELS = {
    "form": "webbformuläret",
    "import": "import av lista",
    "link": "länk i e-post",
    "one-click": "avregistrering med ett klick i e-postprogrammet",
    "admin": "administratör",
    "provider-webhook": "e-postleverantören",
    "bounce-mail": "e-post som kom tillbaka",
    "cli": "administratör",
}
BASIS_LABELS = {"consent": "samtycke", "public-task": "uppgift av allmänt intresse"}
DELIVERY_LABELS = {
    "pending": "I kö",
    "claimed": "Skickas",
    "retry": "Försöker igen",
    "sent": "Skickat",
    "failed": "Kunde inte skickas",
    "bounced": "Kom inte fram",
    "skipped": "Inte skickat",
}
# Languages other than Swedish are labelled in their own language (WCAG 3.1.2), and
# these are written right to left.
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ps", "ur", "ckb", "dv", "yi"})


def _language_attributes(languages: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``lang`` and ``dir`` of each language label that is not Swedish."""
    return {
        key: (key, "rtl" if key in RIGHT_TO_LEFT else "ltr")
        for key in languages
        if key != DEFAULT_LANGUAGE
    }


def template_helpers() -> dict[str, Any]:
    context = web_context()
    vocabulary = context.vocabulary
    return {
        "sv_time": format_time,
        "sv_date": format_date,
        "contact_address": context.settings.sender_address,
        "audience_labels": vocabulary.audiences,
        "topic_labels": vocabulary.topics,
        "language_labels": vocabulary.languages,
        "language_attributes": _language_attributes(vocabulary.languages),
        "status_labels": STATUS_LABELS,
        "event_labels": EVENT_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "basis_labels": BASIS_LABELS,
        "delivery_labels": DELIVERY_LABELS,
    }


def format_time(value: datetime | str | None) -> str:
    """``"1 mars 2027 kl. 10.00"`` in Swedish local time (stored values may be ISO text)."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return format_moment(value, LOCAL)
