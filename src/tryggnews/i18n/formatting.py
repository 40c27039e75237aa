"""Dates, weekdays and numbers in the reader's language, with Babel (CLDR data).

Swedish keeps its own hand-written formatter (``render.dates``): its output is
fixed by tests and should not move with a CLDR update. Every other language is
formatted here from CLDR patterns, so a new language needs no code.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date, format_interval, format_skeleton
from babel.numbers import format_decimal

from tryggnews.i18n.languages import babel_locale


def format_day(d: date, lang: str) -> str:
    """A day with its weekday, without the year: en ``"Wed 28 April"``."""
    return format_skeleton("MMMMEd", d, locale=babel_locale(lang))


def format_long(d: date, lang: str) -> str:
    """A full date with weekday: en ``"Wednesday, 28 April 2027"``."""
    return format_date(d, "full", locale=babel_locale(lang))


def format_plain_date(d: date, lang: str) -> str:
    """A date without weekday: en ``"28 April 2027"``."""
    return format_date(d, "long", locale=babel_locale(lang))


def format_range(start: date, end: date | None, lang: str) -> str:
    """A span of days: en ``"22 – 28 November"``; the year only when it changes."""
    locale = babel_locale(lang)
    if end is None or end <= start:
        return format_skeleton("MMMMd", start, locale=locale)
    skeleton = "yMMMMd" if start.year != end.year else "MMMMd"
    return format_interval(start, end, skeleton, locale=locale)


def format_number(value: int | float, lang: str) -> str:
    """A number with the language's grouping and decimal signs: en ``"12,345"``."""
    return format_decimal(value, locale=babel_locale(lang))
