"""The Swedish texts a person agrees to when signing up, versioned and hashed.

The consent ledger records, for every sign-up, the version of the text shown and
the SHA-256 of its exact characters, so the kommun can later show what the person
saw. A published text is therefore never edited: a new wording is a new entry in
``TEXTS`` with a new version, and the old one stays so old hashes still resolve.
A test pins every published hash.

There is one current text per legal basis: the wording differs when the kommun
relies on consent (which the person can withdraw) or on its public task.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

from tryggnews.errors import ConfigError
from tryggnews.subscribers.consent_languages import TRANSLATIONS


@dataclass(frozen=True)
class ConsentText:
    """One published wording: its version, the legal basis it is for, and the text."""

    version: str
    legal_basis: str
    title: str
    body: str
    language: str = "sv"

    @cached_property
    def sha256(self) -> str:
        """Hex SHA-256 of the UTF-8 title, a blank line and the body: what the page shows."""
        return hashlib.sha256(self.full_text.encode("utf-8")).hexdigest()

    @property
    def full_text(self) -> str:
        return f"{self.title}\n\n{self.body}"

    @property
    def paragraphs(self) -> list[str]:
        """The body split at blank lines, as the sign-up page renders it."""
        return [part.strip() for part in self.body.split("\n\n") if part.strip()]


_CONTROLLER = (
    "Österåkers kommun är personuppgiftsansvarig för listan över prenumeranter. "
    "Nyhetsbrevet ges ut tillsammans med Polisen, lokalpolisområde Södra Roslagen."
)
_WHAT_WE_KEEP = (
    "Vi sparar din e-postadress, de målgrupper, ämnen och det språk du väljer, och när "
    "och hur du anmälde dig, bekräftade och ändrade dina val. Vi frågar inte efter "
    "uppgifter om barn. Uppgifterna används bara för att skicka nyhetsbrevet och lämnas "
    "inte ut för något annat ändamål. Listan och utskicken är allmänna handlingar."
)
_YOUR_RIGHTS = (
    "Varje nyhetsbrev har en länk där du kan ändra dina val, pausa utskicken, avsluta "
    "prenumerationen, se och ladda ner allt vi har sparat om dig och radera det. "
    "Anmälningar som aldrig bekräftas raderas automatiskt."
)

TEXTS: tuple[ConsentText, ...] = (
    ConsentText(
        version="consent-1",
        legal_basis="consent",
        title="Samtycke till nyhetsbrevet Trygg i Österåker",
        body="\n\n".join(
            (
                "När du bekräftar din anmälan samtycker du till att få nyhetsbrevet Trygg i "
                "Österåker med e-post, om de målgrupper och ämnen du har valt.",
                _CONTROLLER,
                _WHAT_WE_KEEP,
                _YOUR_RIGHTS + " Du kan när som helst ta tillbaka ditt samtycke genom att avsluta "
                "prenumerationen.",
            )
        ),
    ),
    ConsentText(
        version="public-task-1",
        legal_basis="public-task",
        title="Så hanterar vi dina uppgifter i nyhetsbrevet Trygg i Österåker",
        body="\n\n".join(
            (
                "Nyhetsbrevet är en del av kommunens och Polisens brottsförebyggande arbete. "
                "Vi behandlar dina uppgifter för att utföra en uppgift av allmänt intresse: "
                "att informera invånare om trygghet och brottsförebyggande arbete i Österåker.",
                _CONTROLLER,
                _WHAT_WE_KEEP,
                _YOUR_RIGHTS,
            )
        ),
    ),
)

_SWEDISH = {text.version: text for text in TEXTS}
# Each translation is a published text of its own (consent_languages.py), with its own
# version and hash: what the ledger records is exactly what the page showed.
TRANSLATED: tuple[ConsentText, ...] = tuple(
    ConsentText(
        version=f"{version}-{language}",
        legal_basis=_SWEDISH[version].legal_basis,
        title=title,
        body="\n\n".join(paragraphs),
        language=language,
    )
    for (version, language), (title, paragraphs) in TRANSLATIONS.items()
)
_BY_VERSION = {text.version: text for text in (*TEXTS, *TRANSLATED)}
# The text shown today for each legal basis: the last published one for it.
_CURRENT = {text.legal_basis: text for text in TEXTS}
_CURRENT_IN = {
    (text.legal_basis, text.language): text
    for text in TRANSLATED
    if text.version.removesuffix(f"-{text.language}") == _CURRENT[text.legal_basis].version
}


def current_text(legal_basis: str, language: str = "sv") -> ConsentText:
    """The wording shown at sign-up today for ``legal_basis`` (a setting), in ``language``
    when it is published in it, else in Swedish (the text of record)."""
    try:
        swedish = _CURRENT[legal_basis]
    except KeyError:
        raise ConfigError(
            f"TRYGGNEWS_LEGAL_BASIS={legal_basis!r}: no consent text for it; "
            f"use one of {', '.join(sorted(_CURRENT))}"
        ) from None
    return _CURRENT_IN.get((legal_basis, language), swedish)


def text_by_version(version: str) -> ConsentText | None:
    """A published wording by its version, to show what someone agreed to long ago."""
    return _BY_VERSION.get(version)
