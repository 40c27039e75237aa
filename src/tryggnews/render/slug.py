"""File names from Swedish words: "Föräldrar – årskurs 7–9" → ``foraldrar-arskurs-7-9``.

Preview files are named after the readers they show, so an editor finds the right one
without knowing the variant's internal key.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^a-z0-9]+")
MAX_SLUG_CHARS = 80


def slug(text: str, *, fallback: str = "alla") -> str:
    """Lowercase ASCII words joined by hyphens (å, ä, ö lose their marks); ``fallback``
    when nothing is left. Cut at a hyphen to at most ``MAX_SLUG_CHARS`` characters."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = "".join(char for char in plain if not unicodedata.combining(char))
    words = _NOT_WORD.sub("-", ascii_only).strip("-")
    if len(words) > MAX_SLUG_CHARS:
        words = words[:MAX_SLUG_CHARS].rsplit("-", 1)[0]
    return words or fallback


def unique_names(names: list[str]) -> list[str]:
    """``names`` with repeats numbered (``senior``, ``senior-2``), in the same order."""
    used: set[str] = set()
    result = []
    for name in names:
        candidate, number = name, 1
        while candidate in used:
            number += 1
            candidate = f"{name}-{number}"
        used.add(candidate)
        result.append(candidate)
    return result
