"""Control characters in text people type: the one check, at every input and in lint.

A line break in a subject would end the ``Subject:`` header and start another
(``Bcc:`` …); a NUL is refused by PostgreSQL and breaks the renderer. So every
text field refuses the C0 controls (U+0000–U+001F), DEL (U+007F), the C1 controls
(U+0080–U+009F), the Unicode line and paragraph separators (U+2028, U+2029), which
mail headers treat as line breaks too, and lone surrogates, which cannot be stored
as UTF-8. A multi-line field (a Markdown body or intro) may keep tab, line feed
and carriage return (browsers post line breaks as CR LF); a single-line field —
subject, title, preheader, a name, a button text, an alt text, an address — keeps
none of them.

Refused, never cleaned: an editor sees the problem named and fixes it. Messages
come in Swedish (for the workspace and lint) and in English (for the CLI).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from tryggnews.errors import ValidationError

_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_MULTI_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SWEDISH_NAMES = {
    "\n": "en radbrytning",
    "\r": "en radbrytning",
    "\t": "en tabb",
    "\x00": "ett NUL-tecken",
}
_ENGLISH_NAMES = {"\n": "a line break", "\r": "a line break", "\t": "a tab", "\x00": "a NUL"}


def refused_character(value: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """The first character ``value`` may not hold, as (1-based position, character), or None."""
    found = (_MULTI_LINE if multiline else _SINGLE_LINE).search(value)
    return None if found is None else (found.start() + 1, found.group())


def code_point(char: str) -> str:
    """``U+000A`` and, where Unicode has one, the character's name."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def text_problem(field: str, value: str | None, *, multiline: bool = False) -> str | None:
    """The Swedish problem for a field (``ämnesrad: innehåller en radbrytning …``), or None."""
    found = refused_character(value or "", multiline=multiline)
    if found is None:
        return None
    position, char = found
    what = _SWEDISH_NAMES.get(char, "ett osynligt styrtecken")
    fix = "Skriv texten på en rad" if char in "\r\n" else "Ta bort tecknet"
    # No ";" inside: the workspace splits a ValidationError's problems on "; ".
    return f"{field}: innehåller {what} ({code_point(char)}) vid tecken {position}. {fix}."


def text_problem_english(field: str, value: str | None, *, multiline: bool = False) -> str | None:
    """The same problem in English, for the command line, or None."""
    found = refused_character(value or "", multiline=multiline)
    if found is None:
        return None
    position, char = found
    what = _ENGLISH_NAMES.get(char, "a control character")
    return f"{field} contains {what} ({code_point(char)}) at character {position}: remove it"


def text_problems(
    fields: Iterable[tuple[str, str | None]], *, multiline: Iterable[str] = ()
) -> list[str]:
    """Swedish problems for several ``(field, value)`` pairs; fields in ``multiline`` may
    hold line breaks and tabs."""
    several = set(multiline)
    found = (text_problem(field, value, multiline=field in several) for field, value in fields)
    return [problem for problem in found if problem]


def require_plain_text(
    fields: Iterable[tuple[str, str | None]], *, multiline: Iterable[str] = ()
) -> None:
    """Raise ``ValidationError`` in English naming every field that holds a refused character.

    For the command line, before anything is stored.
    """
    several = set(multiline)
    problems = [
        problem
        for field, value in fields
        if (problem := text_problem_english(field, value, multiline=field in several))
    ]
    if problems:
        raise ValidationError("; ".join(problems))
