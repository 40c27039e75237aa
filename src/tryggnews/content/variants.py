"""Audience variants: which blocks a subscriber's audiences and topics select.

A variant is identified by the blocks it contains (and whether it lists upcoming
activities), so every subscriber who selects the same blocks shares one render.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.content.views import BlockView, VariantSpec, block_view
from tryggnews.content.vocabulary import DEFAULT_LANGUAGE, EVENTS_TOPIC, EVERYONE_AREA
from tryggnews.db.models import Block, Issue, IssueVariant
from tryggnews.errors import ValidationError


def block_applies(block: BlockView, audiences: Collection[str], topics: Collection[str]) -> bool:
    """True when the block goes to someone with these audiences and topics.

    A block with no audiences is for everyone. A subscriber with no topics chose
    every topic; blocks in "Gemensamt" go to everyone whatever the topics.
    """
    if block.audiences and not set(block.audiences) & set(audiences):
        return False
    if topics and block.focus_area_key != EVERYONE_AREA:
        return block.focus_area_key in topics
    return True


def variant_key(block_ids: Sequence[int], include_activities: bool, language: str = "sv") -> str:
    material = ",".join(str(i) for i in sorted(block_ids)) + (";cal" if include_activities else "")
    # Swedish keeps the key it always had, so ledgers written before languages still match.
    if language != DEFAULT_LANGUAGE:
        material += f";lang={language}"
    return "v" + hashlib.sha256(material.encode()).hexdigest()[:12]


def reader_language(language: str | None, languages: Collection[str]) -> str:
    """The language a reader gets: their own when declared, else Swedish."""
    return language if language and language in languages else DEFAULT_LANGUAGE


class VariantPlanner:
    """Assigns subscribers to variants; remembers every variant it has handed out.

    Cached by (audiences, topics), so streaming 50,000 subscribers computes each
    distinct combination once. ``audience_labels`` name a variant for editors.
    """

    def __init__(
        self,
        blocks: Sequence[BlockView],
        audience_labels: Mapping[str, str],
        topic_labels: Mapping[str, str] | None = None,
        languages: Collection[str] = (DEFAULT_LANGUAGE,),
        audience_translations: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self._blocks = tuple(blocks)
        self._labels = audience_labels
        # language → key → label, for readers of other languages (audiences.toml).
        self._translations = audience_translations or {}
        self._topic_labels = topic_labels or {}
        # Declared reader languages; a stored language no longer declared reads Swedish.
        self._languages = frozenset(languages) | {DEFAULT_LANGUAGE}
        self._by_choice: dict[tuple[frozenset[str], frozenset[str], str], VariantSpec] = {}
        self._empty: dict[str, tuple[set[str], set[str]]] = {}
        self.variants: dict[str, VariantSpec] = {}

    def variant_for(
        self, audiences: Collection[str], topics: Collection[str], language: str | None = None
    ) -> VariantSpec:
        """The variant for a reader's choices, in their language (Swedish when undeclared)."""
        choice = (
            frozenset(audiences),
            frozenset(topics),
            reader_language(language, self._languages),
        )
        spec = self._by_choice.get(choice)
        if spec is None:
            spec = self._build(*choice)
            self._by_choice[choice] = spec
        return spec

    def _build(
        self, audiences: frozenset[str], topics: frozenset[str], language: str
    ) -> VariantSpec:
        applicable = (b for b in self._blocks if block_applies(b, audiences, topics))
        # Each block as this language's reader gets it; a "skip" block without a
        # translation drops out here, so the variant's key says it is not there.
        chosen = tuple(v for b in applicable if (v := b.in_language(language)) is not None)
        include_activities = not topics or EVENTS_TOPIC in topics
        key = variant_key([b.id for b in chosen], include_activities, language)
        existing = self.variants.get(key)
        if existing is not None:
            if not chosen:
                # Everyone an empty variant reaches is named in its lint message, so
                # editors see every audience left without a block, not only the first.
                # Bounded by audiences.toml: each key is named once.
                seen_audiences, seen_topics = self._empty[key]
                seen_audiences.update(audiences)
                # One reader with every topic makes it "all topics" for the message.
                merged = seen_topics | topics if seen_topics and topics else set()
                self._empty[key] = (seen_audiences, merged)
                existing = self._labelled(existing, seen_audiences, merged)
                self.variants[key] = existing
            return existing
        if not chosen:
            self._empty[key] = (set(audiences), set(topics))
        label, topic_label = self._label(audiences), self._topic_label(topics)
        spec = VariantSpec(
            key=key,
            blocks=chosen,
            include_activities=include_activities,
            audience_label=label,
            topic_label=topic_label,
            language=language,
            reader_label=self._reader_label(audiences, language),
        )
        self.variants[key] = spec
        return spec

    def _label(self, audiences: Collection[str]) -> str:
        return ", ".join(self._labels.get(a, a) for a in sorted(audiences)) or "Alla"

    def _reader_label(self, audiences: Collection[str], language: str) -> str:
        if language == DEFAULT_LANGUAGE:
            return self._label(audiences)
        own = self._translations.get(language, {})
        return ", ".join(own.get(a, self._labels.get(a, a)) for a in sorted(audiences))

    def _topic_label(self, topics: Collection[str]) -> str:
        return ", ".join(self._topic_labels.get(t, t) for t in sorted(topics))

    def _labelled(self, spec: VariantSpec, audiences: set[str], topics: set[str]) -> VariantSpec:
        return replace(
            spec,
            audience_label=self._label(audiences),
            topic_label=self._topic_label(topics),
            reader_label=self._reader_label(audiences, spec.language),
        )


def record_variants(session: Session, issue_id: int, specs: Iterable[VariantSpec]) -> None:
    """Store each variant's definition once, so a resumed send renders the same thing."""
    known = set(session.scalars(select(IssueVariant.key).where(IssueVariant.issue_id == issue_id)))
    for spec in specs:
        if spec.key not in known:
            session.add(
                IssueVariant(
                    issue_id=issue_id,
                    key=spec.key,
                    block_ids=[b.id for b in spec.blocks],
                    include_activities=spec.include_activities,
                    audience_label=spec.audience_label,
                    language=spec.language,
                    reader_label=spec.reader_label,
                )
            )
    session.flush()


def recorded_variants(session: Session, issue: Issue, keys: Collection[str]) -> list[VariantSpec]:
    """The recorded variants ``keys`` of a started send, with their blocks in their language."""
    if not keys:
        return []
    rows = session.scalars(
        select(IssueVariant).where(IssueVariant.issue_id == issue.id, IssueVariant.key.in_(keys))
    )
    specs = []
    for row in rows:
        blocks = [session.get(Block, block_id) for block_id in row.block_ids]
        if any(b is None for b in blocks):
            raise ValidationError(
                f"utskick {issue.key}: ett block i variant {row.key} har tagits bort efter "
                "att utskicket började"
            )
        views = (block_view(b).in_language(row.language) for b in blocks if b is not None)
        specs.append(
            VariantSpec(
                key=row.key,
                blocks=tuple(v for v in views if v is not None),
                include_activities=row.include_activities,
                audience_label=row.audience_label,
                language=row.language,
                reader_label=row.reader_label,
            )
        )
    return specs
