"""Group commit of a batch's answers while the batch is still on the wire.

A transport tells each answer as it comes (``on_result``, possibly from its own
threads). ``ResultRecorder`` gathers them and writes them in groups — every
``every`` answers or ``interval`` seconds after the first unwritten one,
whichever comes first — from one thread of its own, so a crash re-sends only the
messages on the wire and those answered since the last commit, not the batch.

Its own module because it owns a thread and its hand-over: transports call
``add`` from any thread; the writing happens only on the recorder's thread and,
after ``finish`` has stopped that thread, on the caller's. ``write`` opens its
own session each time, so no session is ever shared between threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable

from tryggnews.transports.base import SendResult

logger = logging.getLogger(__name__)

# Defaults of ``DeliveryOptions``: the duplicate window after a crash is at most
# this many answers (or this long's worth) plus one message per connection.
RECORD_EVERY = 10
RECORD_INTERVAL = 0.25
# Full groups are written at most this often (seconds): at a high rate the groups grow
# instead of the commits, so recording costs the sender little (docs/performance.md).
MIN_GAP = 0.02


class ResultRecorder:
    """Writes answers for ``wanted`` rows in groups on a thread; the first answer
    for a row wins and a row is written once. A group is written when it has
    ``every`` answers (but not sooner than ``MIN_GAP`` after the last write) or
    ``interval`` after its first answer.

    ``start`` the thread, hand ``add`` to the transport, then ``finish`` with the
    batch's final answers: it stops the thread and writes, on the caller's thread,
    whatever is not written yet. A group that fails to write is kept and tried
    again after ``interval``, and by ``finish`` (which raises if that fails too).
    """

    def __init__(
        self,
        write: Callable[[list[SendResult]], None],
        wanted: Collection[int],
        *,
        every: int = RECORD_EVERY,
        interval: float = RECORD_INTERVAL,
    ) -> None:
        if every < 1 or interval <= 0:
            raise ValueError("every must be at least 1 and interval positive")
        self._write = write
        self._wanted = set(wanted)
        self._every = every
        self._interval = interval
        self._cond = threading.Condition()
        self._pending: list[SendResult] = []
        self._oldest = 0.0  # monotonic time the first pending answer came
        self._retry_at = 0.0  # after a failed write, not before this time
        self._last_write = 0.0
        self._seen: set[int] = set()
        self._written: set[int] = set()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="result-recorder", daemon=True)

    @property
    def written(self) -> set[int]:
        """Delivery ids whose answer is committed."""
        with self._cond:
            return set(self._written)

    def start(self) -> ResultRecorder:
        self._thread.start()
        return self

    def add(self, result: SendResult) -> None:
        """Take one answer (thread-safe, never raises); ignored after ``finish``."""
        with self._cond:
            row = result.delivery_id
            if self._closing or row not in self._wanted or row in self._seen:
                return
            self._seen.add(row)
            if not self._pending:
                self._oldest = time.monotonic()
            self._pending.append(result)
            if len(self._pending) in (1, self._every):
                # The first starts the clock of ``interval``; a full group is due now.
                self._cond.notify()

    def finish(self, results: Iterable[SendResult] = ()) -> set[int]:
        """Stop the thread, then write every answer not written yet — the pending
        ones and those of ``results`` for rows not answered before — on this
        thread. Returns the delivery ids written in all."""
        self._stop()
        for result in results:
            self.add_final(result)
        with self._cond:
            rest, self._pending = self._pending, []
        if rest:
            self._write(rest)
            self._written.update(r.delivery_id for r in rest)
        return set(self._written)

    def add_final(self, result: SendResult) -> None:
        """Like ``add``, after the thread stopped (used by ``finish``)."""
        row = result.delivery_id
        if row in self._wanted and row not in self._seen:
            self._seen.add(row)
            self._pending.append(result)

    def _stop(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closing and not self._due():
                    self._cond.wait(self._wait_time())
                if self._closing:
                    return  # what is pending is written by ``finish``
                group, self._pending = self._pending, []
            try:
                self._write(group)
            except Exception as exc:
                # Kept and tried again after a pause (a deadlock with the lease keeper
                # passes), and at the latest by ``finish`` on the sender's thread.
                logger.warning("could not record %d answers yet: %s", len(group), _line(exc))
                with self._cond:
                    self._pending = group + self._pending
                    self._retry_at = time.monotonic() + self._interval
                continue
            with self._cond:
                self._written.update(r.delivery_id for r in group)
                self._last_write = time.monotonic()

    def _due_at(self) -> float | None:
        """When the pending answers are to be written (monotonic), or None."""
        if not self._pending:
            return None
        full = len(self._pending) >= self._every
        at = self._last_write + MIN_GAP if full else self._oldest + self._interval
        return max(at, self._retry_at)

    def _due(self) -> bool:
        at = self._due_at()
        return at is not None and time.monotonic() >= at

    def _wait_time(self) -> float | None:
        at = self._due_at()
        return None if at is None else max(at - time.monotonic(), 0.0)


def _line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
