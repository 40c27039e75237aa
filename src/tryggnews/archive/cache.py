"""Rendered archive pages kept in memory, per issue version: bounded, thread-safe, counted.

The key says what the page shows (``ArchivedIssue.fingerprint``): a new version of
the issue or a block taken off the web is a new key, so nothing stale is served and
nothing needs to be cleared. ``renders`` counts the misses, so a test can prove a
second request renders nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

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
