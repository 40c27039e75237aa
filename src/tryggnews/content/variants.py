"""Audience variants: which blocks a subscriber's audiences and topics select.

A variant is identified by the blocks it contains (and whether it lists upcoming
activities), so every subscriber who selects the same blocks shares one render.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence

from tryggnews.content.views import BlockView, VariantSpec
from tryggnews.content.vocabulary import EVENTS_TOPIC, EVERYONE_AREA


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


def variant_key(block_ids: Sequence[int], include_activities: bool) -> str:
    material = ",".join(str(i) for i in sorted(block_ids)) + (";cal" if include_activities else "")
    return "v" + hashlib.sha256(material.encode()).hexdigest()[:12]


class VariantPlanner:
    """Assigns subscribers to variants; remembers every variant it has handed out.

    Cached by (audiences, topics), so streaming 50,000 subscribers computes each
    distinct combination once. ``audience_labels`` name a variant for editors.
    """

    def __init__(self, blocks: Sequence[BlockView], audience_labels: Mapping[str, str]) -> None:
        self._blocks = tuple(blocks)
        self._labels = audience_labels
        self._by_choice: dict[tuple[frozenset[str], frozenset[str]], VariantSpec] = {}
        self.variants: dict[str, VariantSpec] = {}

    def variant_for(self, audiences: Collection[str], topics: Collection[str]) -> VariantSpec:
        choice = (frozenset(audiences), frozenset(topics))
        spec = self._by_choice.get(choice)
        if spec is None:
            spec = self._build(choice[0], choice[1])
            self._by_choice[choice] = spec
        return spec

    def _build(self, audiences: frozenset[str], topics: frozenset[str]) -> VariantSpec:
        chosen = tuple(b for b in self._blocks if block_applies(b, audiences, topics))
        include_activities = not topics or EVENTS_TOPIC in topics
        key = variant_key([b.id for b in chosen], include_activities)
        existing = self.variants.get(key)
        if existing is not None:
            return existing
        label = ", ".join(self._labels.get(a, a) for a in sorted(audiences)) or "Alla"
        spec = VariantSpec(
            key=key, blocks=chosen, include_activities=include_activities, audience_label=label
        )
        self.variants[key] = spec
        return spec
