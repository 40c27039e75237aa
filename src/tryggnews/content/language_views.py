"""Translated texts as the views carry them, and the digests that tell a stale one.

A translation stores the digest of the Swedish text it was made from; comparing it
with the digest of the Swedish text now says whether the Swedish changed since.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# The digest covers exactly the fields a translation translates.
_SEPARATOR = "\x1f"


def text_digest(*fields: str | None) -> str:
    """A short digest of the Swedish texts, in order; ``None`` counts as empty."""
    material = _SEPARATOR.join(f or "" for f in fields)
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def block_digest(title: str, body_md: str, cta_label: str | None, image_alt: str | None) -> str:
    return text_digest(title.strip(), body_md.strip(), cta_label, image_alt)


def issue_digest(title: str, subject: str, preheader: str, intro_md: str) -> str:
    return text_digest(title.strip(), subject.strip(), preheader.strip(), intro_md.strip())


@dataclass(frozen=True)
class BlockText:
    """A block's texts in one language; empty optional fields fall back to Swedish."""

    language: str
    title: str
    body_md: str
    cta_label: str | None = None
    image_alt: str | None = None
    # Made from an older Swedish text than the block has now.
    stale: bool = False


@dataclass(frozen=True)
class IssueText:
    """An issue's texts in one language."""

    language: str
    title: str
    subject: str
    preheader: str = ""
    intro_md: str = ""
    stale: bool = False
