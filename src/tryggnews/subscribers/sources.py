"""How a person came onto the list, in words a reader understands, in one place.

``Subscriber.source`` is a key: ``form`` for the sign-up form, ``demo`` for the
demo's sample list, and for an import whatever the operator named it (by default
``import:<file name>``). Readers see a sentence instead, on the preference page:
"anmäld via webbplatsen 2027-01-10", "importerad av Österåkers kommun 2027-01-10".
Imports are administrative acts of the organisation that keeps the list (the kommun,
whose administrators run them), so an import is said to be made by it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from zoneinfo import ZoneInfo

from tryggnews.content.organisations import SIGNING_ORGANISATIONS

# The organisation that keeps the subscriber list and runs its imports.
LIST_KEEPER = SIGNING_ORGANISATIONS["kommun"]
IMPORTED = f"importerad av {LIST_KEEPER}"

SOURCE_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "form": "anmäld via webbplatsen",
        "demo": f"{IMPORTED} (exempeldata för en demonstration)",
    }
)
LOCAL = ZoneInfo("Europe/Stockholm")


def source_words(source: str, created_at: datetime | str | None = None) -> str:
    """``source`` as a reader reads it, with the (local) day it happened when known.

    Any key not named in ``SOURCE_WORDS`` is an import by the list keeper: the
    operator's own name for it (a file name) means nothing to the reader.
    """
    words = SOURCE_WORDS.get(source, IMPORTED)
    if created_at is None:
        return words
    moment = datetime.fromisoformat(created_at) if isinstance(created_at, str) else created_at
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    day = moment.astimezone(LOCAL).date().isoformat()
    # "… (exempeldata …)" keeps its note last: the day goes before it.
    main, bracket, note = words.partition(" (")
    return f"{main} {day}" + (f" ({note}" if bracket else "")
