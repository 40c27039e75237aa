"""The search keys of the subscriber workspace: what an address or name is searched by.

Both keys are stored case-folded so a case-insensitive prefix search is a plain
range scan of a B-tree index (``key >= q AND key < successor(q)``) on SQLite and
PostgreSQL alike. On PostgreSQL the key columns use the "C" collation: a range is
only a prefix when the order is by code point, which a language collation such as
sv_SE (that ignores punctuation at first) is not.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import String
from sqlalchemy.types import TypeEngine

NAME_KEY_CHARS = 200


def name_search_key(name: str | None) -> str | None:
    """The stored search form of a name: NFKC, case-folded, inner spaces collapsed."""
    if name is None:
        return None
    folded = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
    return folded[:NAME_KEY_CHARS] or None


def search_key_type(length: int) -> TypeEngine[str]:
    """A string column ordered by code point on every backend (see the module doc)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")
