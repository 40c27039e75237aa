"""Riding out a database that goes away during a send: retry on a fresh connection.

A PostgreSQL restart, a failover or an administrator's ``pg_terminate_backend``
kills the connections a sender holds. SQLAlchemy then raises a ``DBAPIError``
with ``connection_invalidated`` set and drops the pool's old connections; the
engine's ``pool_pre_ping`` replaces any dead one at the next checkout. The
sender's transactions are short and safe to run again (claims, recording,
hand-backs are guarded by status and claim holder), so ``with_reconnect`` runs
one again a few times before giving up with one clear line
(``DatabaseUnavailableError``). A deadlock or serialization failure (the
recorder and the lease keeper touching the same rows) is run again the same way.

Its own module because every part of the send (claiming, recording, the loop's
end) uses it and it knows only SQLAlchemy's errors, not the ledger.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

from tryggnews.errors import DatabaseUnavailableError

logger = logging.getLogger(__name__)

# Serialization failure and deadlock (PostgreSQL): the transaction may simply run again.
_TRANSIENT = frozenset({"40001", "40P01"})

T = TypeVar("T")
P = ParamSpec("P")

TRIES = 4
FIRST_PAUSE = 0.25  # seconds; doubled after each failed try (0.25, 0.5, 1)


def with_reconnect(
    attempt: Callable[[], T],
    *,
    what: str,
    tries: int = TRIES,
    pause: float = FIRST_PAUSE,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``attempt()``; run it again after a lost connection, up to ``tries`` times.

    ``attempt`` must open its own transaction (a whole ``session_factory.begin()``
    block), so a retry starts clean. A lost connection that stays lost, or a
    database that cannot be reached at all, raises ``DatabaseUnavailableError``
    naming ``what`` was being done; other database errors pass through as they are.
    """
    for number in range(1, tries + 1):
        try:
            return attempt()
        except DBAPIError as exc:
            lost = is_connection_lost(exc)
            if number == tries or not (exc.connection_invalidated or _transient(exc)):
                if lost:
                    raise unavailable(exc, what) from None
                raise
            logger.warning(
                "%s while %s; trying again",
                "database connection lost" if lost else "transaction conflict",
                what,
            )
            sleep(pause * 2 ** (number - 1))
    raise AssertionError("unreachable")  # pragma: no cover


def is_connection_lost(exc: BaseException) -> bool:
    """Whether a database error means the server or the connection went away."""
    return isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or (isinstance(exc, OperationalError) and not _transient(exc))
    )


def _transient(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in _TRANSIENT


def unavailable(exc: BaseException, what: str) -> DatabaseUnavailableError:
    """The one-line error for a database that went away while doing ``what``."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    reason = lines[0] if lines else type(orig).__name__
    return DatabaseUnavailableError(
        f"the database went away while {what} ({reason}): nobody is lost — the ledger keeps "
        "every row; check TRYGGNEWS_DATABASE_URL and that the database is up, then run "
        "the send again"
    )


def lost_database_is_one_line(what: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorate a whole operation: a lost database that escapes it (a connection
    that died where no retry was possible) becomes ``DatabaseUnavailableError``."""

    def decorate(func: Callable[P, T]) -> Callable[P, T]:
        @wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return func(*args, **kwargs)
            except DBAPIError as exc:
                if not is_connection_lost(exc):
                    raise
                raise unavailable(exc, what) from None

        return wrapper

    return decorate
