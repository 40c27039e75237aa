"""The lease keeper: a thread that renews this worker's claims while a send runs.

Separate from the send loop because it lives on its own thread with its own
sessions and timing; the loop only enters and leaves it.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock
from tryggnews.delivery.claims import extend_claims
from tryggnews.delivery.reconnect import is_connection_lost

logger = logging.getLogger(__name__)


class LeaseKeeper:
    """Renews this worker's claims every third of the lease while a send runs."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        worker_id: str,
        clock: Clock,
        lease: timedelta,
    ) -> None:
        self._session_factory = session_factory
        self._worker_id = worker_id
        self._clock = clock
        self._lease = lease
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        interval = self._lease.total_seconds() / 3
        while not self._done.wait(interval):
            try:
                with self._session_factory.begin() as session:
                    extend_claims(
                        session, worker_id=self._worker_id, now=self._clock.now(), lease=self._lease
                    )
            except Exception as exc:
                # The next renewal may succeed (a lost connection is replaced at the next
                # checkout); if none does, the claims simply expire and another worker
                # takes the rows over (a duplicate at worst).
                if not is_connection_lost(exc):
                    logger.exception("could not renew the claim lease of %s", self._worker_id)
                    continue
                logger.warning(
                    "could not renew the claim lease of %s: the database connection was lost",
                    self._worker_id,
                )
