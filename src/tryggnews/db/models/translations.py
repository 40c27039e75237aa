"""Translations of blocks and issues: one row per language, Swedish being the source.

A row records a digest of the Swedish text it was translated from
(``source_digest``): when the Swedish text changes the digests differ and the
translation is stale. The digest, not the block's version, decides, because a block's
version also moves on saves that change no text (audiences, image address).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tryggnews.db.models.base import Base, enum_column, utcnow


class LanguagePolicy(enum.StrEnum):
    """What a reader of another language gets when a block has no translation for it."""

    # Swedish, with a one-line note in the reader's language (the default).
    FALLBACK = "fallback"
    # "Endast på svenska": Swedish for everyone, no note, never counted as missing.
    SWEDISH_ONLY = "swedish-only"
    # "Hoppa över utan översättning": left out for readers of a language it lacks.
    SKIP = "skip"


def language_policy_column() -> Mapped[LanguagePolicy]:
    return mapped_column(
        enum_column(LanguagePolicy, "language_policy"),
        default=LanguagePolicy.FALLBACK,
        server_default=LanguagePolicy.FALLBACK.value,
    )


class BlockTranslation(Base):
    """A block's title, body, button text and image alt text in one language."""

    __tablename__ = "block_translations"

    block_id: Mapped[int] = mapped_column(
        ForeignKey("blocks.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    cta_label: Mapped[str | None] = mapped_column(String(200))
    image_alt: Mapped[str | None] = mapped_column(String(500))
    # Which Swedish text it was made from: the block's version then, and its digest.
    source_version: Mapped[int] = mapped_column(Integer)
    source_digest: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class IssueTranslation(Base):
    """An issue's title, subject, preheader and introduction in one language."""

    __tablename__ = "issue_translations"

    issue_id: Mapped[int] = mapped_column(
        ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    preheader: Mapped[str] = mapped_column(String(300), default="")
    intro_md: Mapped[str] = mapped_column(Text, default="")
    source_version: Mapped[int] = mapped_column(Integer)
    source_digest: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
