"""The fixed vocabulary blocks and subscribers refer to, with Swedish labels.

Keys are stable identifiers stored in the database and CSV files; labels are what
readers and editors see. An unknown key anywhere is an error, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tryggnews.errors import ValidationError

ORGANISATIONS: Mapping[str, str] = {
    "polis": "Polisen",
    "kommun": "Österåkers kommun",
    "gemensam": "Polisen och Österåkers kommun",
}

FOCUS_AREAS: Mapping[str, str] = {
    "andts": "ANDTS – alkohol, narkotika, doping, tobak och spel om pengar",
    "vald": "Våldsprevention",
    "offentlig-miljo": "Säkerhet och trygghet i offentlig miljö",
    "tillgrepp": "Tillgreppsbrott",
    "organiserad": "Organiserad brottslighet",
    "gemensamt": "Gemensamt",
}

AUDIENCES: Mapping[str, str] = {
    "parents-forskola": "Föräldrar – förskola",
    "parents-f-3": "Föräldrar – F–3",
    "parents-4-6": "Föräldrar – årskurs 4–6",
    "parents-7-9": "Föräldrar – årskurs 7–9",
    "parents-gymnasium": "Föräldrar – gymnasium",
    "staff-skola": "Personal – skola",
    "staff-fritid": "Personal – fritid",
    "forening": "Förening",
    "foretag": "Företag och näringsliv",
    "fastighetsagare": "Fastighetsägare och BRF",
    "batagare": "Båtägare",
    "senior": "Senior",
    "ovriga": "Övriga",
}

# Topics a subscriber can choose: the five focus areas and events.
TOPICS: Mapping[str, str] = {
    **{key: label for key, label in FOCUS_AREAS.items() if key != "gemensamt"},
    "evenemang": "Evenemang och aktiviteter",
}

LANGUAGES: Mapping[str, str] = {
    "sv": "Svenska",
    "en": "English",
    "ar": "العربية",
    "so": "Soomaali",
}


def check_keys(kind: str, keys: Iterable[str], allowed: Mapping[str, str]) -> list[str]:
    """Return ``keys`` stripped and de-duplicated in order; raise on any unknown key."""
    result: list[str] = []
    for raw in keys:
        key = raw.strip()
        if not key:
            continue
        if key not in allowed:
            raise ValidationError(
                f"unknown {kind} {key!r}: choose from {', '.join(sorted(allowed))}"
            )
        if key not in result:
            result.append(key)
    return result
