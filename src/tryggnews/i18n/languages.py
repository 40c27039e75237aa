"""Which language a text is in, which way it is written, and Babel's locale for it.

Swedish is the source language: every fixed text is written in Swedish in the
templates and code, and the catalogues translate from it.
"""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError

SOURCE_LANGUAGE = "sv"
# Scripts written right to left, by ISO 639 code (Arabic, Persian, Hebrew, Pashto,
# Urdu, Sorani, Dhivehi, Yiddish): their pages and messages get dir="rtl".
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ps", "ur", "ckb", "dv", "yi"})
# The CLDR locale whose conventions suit a reader in Sweden: British English writes
# "Wednesday 28 April", the day before the month as Swedish does, and no US "April 28".
_BABEL_LOCALES = {"en": "en_GB"}


def direction(lang: str) -> str:
    """``"rtl"`` for a right-to-left language, else ``"ltr"`` (the ``dir`` attribute)."""
    return "rtl" if lang in RIGHT_TO_LEFT else "ltr"


@cache
def babel_locale(lang: str) -> Locale:
    """Babel's locale for a language key; Swedish for a code CLDR does not know.

    An unknown code cannot come from audiences.toml unchecked (``tests/i18n`` loads
    every declared language), so the fallback only keeps a typo from breaking a page.
    """
    try:
        return Locale.parse(_BABEL_LOCALES.get(lang, lang))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(SOURCE_LANGUAGE)
