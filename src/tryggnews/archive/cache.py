"""Rendered archive pages kept in memory, per issue version: bounded, thread-safe, counted;
and the list of archived issues, kept until the archive changes (``PublicIndex``).

The key says what the page shows (``ArchivedIssue.fingerprint``): a new version of
the issue or a block taken off the web is a new key, so nothing stale is served and
nothing needs to be cleared. ``renders`` counts the misses, so a test can prove a
second request renders nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta
from itertools import chain

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, sessionmaker

from tryggnews.archive.public import ArchivedIssue, archive_version, list_public
from tryggnews.clock import Clock
from tryggnews.db.models import Block, Issue, IssueBlock

DEFAULT_SIZE = 256


class PageCache:
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self.renders = 0
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, render: Callable[[], str]) -> str:
        """The cached text for ``key``, rendering (outside the lock) on a miss."""
        with self._lock:
            if key in self._pages:
                self._pages.move_to_end(key)
                return self._pages[key]
        text = render()
        with self._lock:
            self.renders += 1
            self._pages[key] = text
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return text


# How long a process trusts the archive's version before asking the database again.
# A change made through this process's own sessions is seen at once (``watch``); one
# made by another process (a worker finishing a send, another ``serve``, the CLI) within
# this time. Documented in docs/archive.md and docs/performance.md.
FRESH_FOR = timedelta(seconds=1)
# The tables the archive reads: a commit that wrote one of them makes the index re-check.
ARCHIVE_CLASSES = (Issue, Block, IssueBlock)
_TOUCHED = "tryggnews.archive.touched"


class PublicIndex:
    """``list_public`` kept in memory, rebuilt only when ``archive_version`` moves.

    The pages, the feed and the preference centre's links all read the archive
    through it. The version (one aggregate query) is checked at most once per
    ``fresh_for`` of the app's clock, and at the next call after a commit of this
    process that wrote an issue or a block (``watch``); in between, a call costs no
    query. Thread-safe; each process keeps its own.
    """

    def __init__(self, clock: Clock, fresh_for: timedelta = FRESH_FOR) -> None:
        self.builds = 0
        self.checks = 0
        self._clock = clock
        self._fresh_for = fresh_for
        self._version: tuple[object, ...] | None = None
        self._checked_at: datetime | None = None
        self._checked_generation = -1
        self._generation = 0  # moved by every commit that touched the archive's tables
        self._issues: list[ArchivedIssue] = []
        self._by_key: dict[str, ArchivedIssue] = {}
        self._lock = threading.Lock()

    def current(self, session: Session) -> list[ArchivedIssue]:
        """Every issue in the archive, newest first (as ``list_public``)."""
        return self._read(session)[0]

    def by_key(self, session: Session) -> dict[str, ArchivedIssue]:
        """The same issues by archive key."""
        return self._read(session)[1]

    def changed(self) -> None:
        """The archive's tables changed: the next call checks the version."""
        with self._lock:
            self._generation += 1

    def watch(self, sessions: sessionmaker[Session]) -> None:
        """Call ``changed`` after every commit of ``sessions`` that wrote an issue, a
        block or a placement (through the unit of work or an ORM ``update``/``delete``)."""

        def flushed(session: Session, _: UOWTransaction) -> None:
            # In after_flush the session still lists what this flush wrote.
            written = chain(session.new, session.dirty, session.deleted)
            if any(isinstance(item, ARCHIVE_CLASSES) for item in written):
                session.info[_TOUCHED] = True

        def executed(state: ORMExecuteState) -> None:
            if state.is_update or state.is_delete or state.is_insert:
                mapper = state.bind_mapper
                if mapper is not None and issubclass(mapper.class_, ARCHIVE_CLASSES):
                    state.session.info[_TOUCHED] = True

        def committed(session: Session) -> None:
            if session.info.pop(_TOUCHED, False):
                self.changed()

        def rolled_back(session: Session, _: object) -> None:
            session.info.pop(_TOUCHED, None)

        event.listen(sessions, "after_flush", flushed)
        event.listen(sessions, "do_orm_execute", executed)
        event.listen(sessions, "after_commit", committed)
        event.listen(sessions, "after_soft_rollback", rolled_back)

    def _read(self, session: Session) -> tuple[list[ArchivedIssue], dict[str, ArchivedIssue]]:
        now = self._clock.now()
        with self._lock:
            generation = self._generation
            if (
                self._checked_at is not None
                and self._checked_generation == generation
                and timedelta(0) <= now - self._checked_at < self._fresh_for
            ):
                return self._issues, self._by_key
        # The version is read before the list: a change in between leaves a list newer
        # than its version, which the next check rebuilds; never an older one.
        version = archive_version(session)
        with self._lock:
            self.checks += 1
            if version == self._version:
                self._mark_checked(now, generation)
                return self._issues, self._by_key
        issues = list_public(session)
        by_key = {issue.key: issue for issue in issues}
        with self._lock:
            self.builds += 1
            self._version, self._issues, self._by_key = version, issues, by_key
            self._mark_checked(now, generation)
        return issues, by_key

    def _mark_checked(self, now: datetime, generation: int) -> None:
        # A commit between reading the generation and here moved it: the next call
        # checks again instead of trusting a version read before that commit.
        self._checked_at = now
        self._checked_generation = generation
