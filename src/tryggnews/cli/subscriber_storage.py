"""Where the subscriber commands keep personal data: the migrated database they open,
and the private files their exports are written to.

Both the list commands (import, export) and the one-person commands (history,
export-person, erase) need them, so they live here rather than in either.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tryggnews import wiring
from tryggnews.cli.base import AppContext
from tryggnews.db.migrate import current_revision, head_revision
from tryggnews.errors import ConfigError

T = TypeVar("T")


@contextlib.contextmanager
def open_database(app: AppContext) -> Iterator[sessionmaker[Session]]:
    """A session factory on the configured, migrated database."""
    engine = wiring.engine(app.settings.database_url)
    try:
        try:
            current = current_revision(engine)
        except OperationalError as exc:
            raise ConfigError(
                f"cannot open the database (TRYGGNEWS_DATABASE_URL): {exc.orig}"
            ) from None
        if current != head_revision(engine):
            raise ConfigError(
                "the database is not up to date (TRYGGNEWS_DATABASE_URL): "
                "run `tryggnews init` or `tryggnews db upgrade` first"
            )
        yield wiring.session_factory(engine)
    finally:
        engine.dispose()


def write_private(out: Path, encoding: str, write: Callable[[TextIO], T]) -> T:
    """Write ``out`` through ``write``: beside the target, then renamed, so a failure
    never leaves half a file; created private because it is personal data."""
    partial = out.with_name(f".{out.name}.partial")
    try:
        partial.touch(mode=0o600)
        with partial.open("w", encoding=encoding, newline="") as handle:
            result = write(handle)
        partial.replace(out)
    except OSError as exc:
        raise ConfigError(f"{out}: cannot write the export ({exc.strerror})") from None
    finally:
        partial.unlink(missing_ok=True)
    return result
