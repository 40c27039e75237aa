"""``key_usage`` counts what a count of every subscriber one by one counts: grouped by stored
choice in SQL, each person still counts once per status filter, once in each audience and
topic chosen, once in their language, and once among those without an audience.

Hypothesis over any mix of choices and statuses; a real SQLite file and PostgreSQL.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.content.vocabulary_usage import key_usage
from tryggnews.db.models import Subscriber, SubscriberStatus

NUMBERS = itertools.count(1)
KEYS = st.lists(st.sampled_from(["parents-7-9", "senior", "staff-skola", "gone"]), max_size=3)
PERSON = st.tuples(
    KEYS,
    st.lists(st.sampled_from(["andts", "vald", "old-topic"]), max_size=2),
    st.sampled_from(["sv", "en", "ar"]),
    st.sampled_from(list(SubscriberStatus)),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people=st.lists(PERSON, max_size=30))
def test_grouped_counts_equal_a_count_of_every_person(
    session_factory: sessionmaker[Session], people: list[tuple[Any, ...]]
) -> None:
    with session_factory.begin() as session:
        session.execute(delete(Subscriber))
        for audiences, topics, language, status in people:
            number = next(NUMBERS)
            session.add(
                Subscriber(
                    email=f"person{number}@example.org",
                    email_key=f"person{number}@example.org",
                    token_salt=f"salt{number}",
                    audiences=audiences,
                    topics=topics,
                    language=language,
                    status=status,
                )
            )
    active = [p for p in people if p[3] is SubscriberStatus.ACTIVE]
    with session_factory() as session:
        for chosen, statuses in ((people, None), (active, [SubscriberStatus.ACTIVE])):
            usage = key_usage(session, statuses)
            assert usage.subscribers == len(chosen)
            assert usage.without_audience == sum(1 for p in chosen if not p[0])
            assert usage.audiences == Counter(k for p in chosen for k in set(p[0]))
            assert usage.topics == Counter(k for p in chosen for k in set(p[1]))
            assert usage.languages == Counter(p[2] for p in chosen)
