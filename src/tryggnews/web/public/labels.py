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
from tryggnews.subscribers.sources import LIST_KEEPER, source_words
from tryggnews.web.context import web_context
from tryggnews.web.i18n import current_language, lazy_gettext
from tryggnews.web.i18n import gettext as _

LOCAL = ZoneInfo("Europe/Stockholm")

STATUS_LABELS = {
    "pending": lazy_gettext("Väntar på att du bekräftar"),
    "active": lazy_gettext("Aktiv"),
    "paused": lazy_gettext("Pausad"),
    "unsubscribed": lazy_gettext("Avslutad"),
    "bounced": lazy_gettext("Stoppad: e-post till adressen kommer inte fram"),
}
EVENT_LABELS = {
    "subscribed": lazy_gettext("Anmälan"),
    "confirmed": lazy_gettext("Bekräftelse"),
    "preferences_changed": lazy_gettext("Ändrade val"),
    "paused": lazy_gettext("Paus"),
    "resumed": lazy_gettext("Paus avslutad"),
    "unsubscribed": lazy_gettext("Avslutad prenumeration"),
    "imported": lazy_gettext("Tillagd från en lista"),
    "erased": lazy_gettext("Raderad"),
    "bounced": lazy_gettext("E-post kom inte fram"),
    "complained": lazy_gettext("Anmäld som skräppost"),
}
CHANNEL_LABELS = {
    "form": lazy_gettext("webbformuläret"),
    "import": lazy_gettext("import av lista"),
    "link": lazy_gettext("länk i e-post"),
    "one-click": lazy_gettext("avregistrering med ett klick i e-postprogrammet"),
    "admin": lazy_gettext("administratör"),
    "provider-webhook": lazy_gettext("e-postleverantören"),
    "bounce-mail": lazy_gettext("e-post som kom tillbaka"),
    "cli": lazy_gettext("administratör"),
}
BASIS_LABELS = {
    "consent": lazy_gettext("samtycke"),
    "public-task": lazy_gettext("uppgift av allmänt intresse"),
}
DELIVERY_LABELS = {
    "pending": lazy_gettext("I kö"),
    "claimed": lazy_gettext("Skickas"),
    "retry": lazy_gettext("Försöker igen"),
    "sent": lazy_gettext("Skickat"),
    "failed": lazy_gettext("Kunde inte skickas"),
    "bounced": lazy_gettext("Kom inte fram"),
    "skipped": lazy_gettext("Inte skickat"),
}
# Languages other than Swedish are labelled in their own language (WCAG 3.1.2), and
# these are written right to left.
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ps", "ur", "ckb", "dv", "yi"})


def _language_attributes(languages: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``lang`` and ``dir`` of each language label (the page may be in another language)."""
    return {key: (key, "rtl" if key in RIGHT_TO_LEFT else "ltr") for key in languages}


def template_helpers() -> dict[str, Any]:
    context = web_context()
    vocabulary = context.vocabulary
    return {
        "sv_time": format_time,
        "sv_date": format_date,
        "contact_address": context.settings.sender_address,
        "audience_labels": vocabulary.audiences_in(current_language()),
        "topic_labels": vocabulary.topics_in(current_language()),
        "language_labels": vocabulary.languages,
        "language_attributes": _language_attributes(vocabulary.languages),
        "status_labels": STATUS_LABELS,
        "event_labels": EVENT_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "basis_labels": BASIS_LABELS,
        "delivery_labels": DELIVERY_LABELS,
        "source_words": reader_source_words,
    }


def reader_source_words(source: str, created_at: datetime | str | None = None) -> str:
    """``subscribers.sources.source_words`` in the page's language (Swedish: as it is)."""
    swedish = source_words(source, created_at)
    if current_language() == DEFAULT_LANGUAGE:
        return swedish
    # The day is the ISO date source_words wrote: read it back rather than redo the time zone.
    day = next((word for word in swedish.split() if word[:4].isdigit()), "")
    if source == "form":
        return _("anmäld via webbplatsen %(day)s", day=day)
    words = _("importerad av %(keeper)s %(day)s", keeper=LIST_KEEPER, day=day)
    if source == "demo":
        words += " " + _("(exempeldata för en demonstration)")
    return words


def format_time(value: datetime | str | None) -> str:
    """``"1 mars 2027 kl. 10.00"`` in Swedish local time (stored values may be ISO text)."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return format_moment(value, LOCAL)
