"""How many subscribers and blocks hold each vocabulary key, and which keys are orphaned.

The counts feed `tryggnews subscribers list|vocabulary` and the editors' dashboard.
Keys are stored with every subscriber and block. Removing or renaming a key in
audiences.toml leaves those rows holding a key no form offers any more: the people
still get blocks for everyone, but nobody can aim a block at them, and their next
save in the preference centre drops the key. ``KeyUsage.undeclared`` lists such keys
so an operator sees them before readers do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.content.vocabulary import Vocabulary
from tryggnews.db.models import Block, Subscriber, SubscriberStatus

STREAM_BATCH = 2000


@dataclass
class KeyUsage:
    """How many subscribers and blocks hold each key."""

    subscribers: int = 0
    without_audience: int = 0  # they get only the blocks for everyone
    audiences: Counter[str] = field(default_factory=Counter)
    topics: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    block_audiences: Counter[str] = field(default_factory=Counter)

    def undeclared(self, vocabulary: Vocabulary) -> list[str]:
        """One English line per stored key the vocabulary lacks, with who holds it."""
        found: list[str] = []
        checks: tuple[tuple[str, Counter[str], Mapping[str, str], str], ...] = (
            ("audience", self.audiences, vocabulary.audiences, "subscriber(s)"),
            ("audience", self.block_audiences, vocabulary.audiences, "block(s)"),
            ("topic", self.topics, vocabulary.topics, "subscriber(s)"),
            ("language", self.languages, vocabulary.languages, "subscriber(s)"),
        )
        for kind, counts, declared, holders in checks:
            for key, count in sorted(counts.items()):
                if key not in declared:
                    found.append(f'{kind} "{key}": {count} {holders}')
        return found


def key_usage(session: Session, statuses: Collection[SubscriberStatus] | None = None) -> KeyUsage:
    """Count every key in use by subscribers (with one of ``statuses``, default any) and
    blocks. Rows stream in batches; the keys are JSON lists, counted here rather than in
    SQL so the query is the same on SQLite and PostgreSQL."""
    usage = KeyUsage()
    query = select(Subscriber.audiences, Subscriber.topics, Subscriber.language)
    if statuses:
        query = query.where(Subscriber.status.in_(list(statuses)))
    for audiences, topics, language in session.execute(
        query.execution_options(yield_per=STREAM_BATCH)
    ):
        usage.subscribers += 1
        usage.without_audience += not audiences
        usage.audiences.update(audiences or ())
        usage.topics.update(topics or ())
        usage.languages[language] += 1
    for (audiences,) in session.execute(
        select(Block.audiences).execution_options(yield_per=STREAM_BATCH)
    ):
        usage.block_audiences.update(audiences or ())
    return usage
