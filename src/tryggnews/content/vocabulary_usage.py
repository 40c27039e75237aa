"""How many subscribers and blocks hold each vocabulary key, and which keys are orphaned.

The counts feed `tryggnews subscribers list|vocabulary` and the editors' dashboard.
Keys are stored with every subscriber and block. Removing or renaming a key in
audiences.toml leaves those rows holding a key no form offers any more: the people
still get blocks for everyone, but nobody can aim a block at them, and their next
save in the preference centre drops the key. ``KeyUsage.undeclared`` lists such keys
so an operator sees them before readers do.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Text, func, literal_column, select
from sqlalchemy.orm import Session

from tryggnews.content.vocabulary import Vocabulary
from tryggnews.db.models import Block, Subscriber, SubscriberStatus

STREAM_BATCH = 2000
# A subscriber's stored choice as SQL, for grouping by it. PostgreSQL defines no equality on
# ``json``, so both JSON columns are compared (and grouped) as their text. ``language`` is
# NOT NULL; coalescing keeps a join on it total all the same (a NULL would never equal).
STORED_AUDIENCES = Subscriber.audiences.cast(Text)
STORED_TOPICS = Subscriber.topics.cast(Text)
STORED_LANGUAGE = func.coalesce(Subscriber.language, literal_column("''"))


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
    blocks. The subscribers are grouped by their stored choice in SQL, so a list of any
    length comes back as its few distinct choices with a count each; each choice's keys
    are read here, so the query is the same on SQLite and PostgreSQL."""
    usage = KeyUsage()
    query = select(STORED_AUDIENCES, STORED_TOPICS, STORED_LANGUAGE, func.count()).group_by(
        STORED_AUDIENCES, STORED_TOPICS, STORED_LANGUAGE
    )
    if statuses:
        query = query.where(Subscriber.status.in_(list(statuses)))
    for audiences_json, topics_json, language, count in session.execute(query):
        audiences = _keys(audiences_json)
        usage.subscribers += count
        usage.without_audience += 0 if audiences else count
        usage.audiences.update(dict.fromkeys(audiences, count))
        usage.topics.update(dict.fromkeys(_keys(topics_json), count))
        usage.languages[language] += count
    for (audiences,) in session.execute(
        select(Block.audiences).execution_options(yield_per=STREAM_BATCH)
    ):
        usage.block_audiences.update(audiences or ())
    return usage


def _keys(stored: str | None) -> list[str]:
    """The keys of a stored JSON list (``null`` or no value: none)."""
    keys = json.loads(stored) if stored else None
    return [str(key) for key in keys or ()]
