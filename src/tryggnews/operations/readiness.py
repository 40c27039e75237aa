"""Is this installation ready to serve and send? The checks behind ``/readyz`` and ``doctor``.

Each check answers with a ``Check`` (name, ok, one line of detail) and never raises:
a probe that crashed would turn a load balancer's question into a 500 and a
traceback, which is exactly what an operator cannot use at three in the morning.
Checks that depend on the database are reported as not run when it is unreachable,
so the one failing check is the one that is named.

The lease name is passed in (``wiring`` knows it is the scheduler's): this room is a
sibling of ``scheduler`` and does not import it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url

from tryggnews.db.migrate import current_revision, head_revision
from tryggnews.db.models import Lease


@dataclass(frozen=True)
class Check:
    """One check's answer; ``detail`` is one line for an operator."""

    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class Report:
    """Every check's answer; ready when all are ok."""

    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failing(self) -> tuple[str, ...]:
        return tuple(check.name for check in self.checks if not check.ok)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "ready" if self.ready else "not ready",
            "checks": [check.as_dict() for check in self.checks],
        }


@dataclass(frozen=True)
class Readiness:
    """What to check: the database behind ``engine``; the Maildir at ``outbox_dir`` when
    the transport is the outbox (else None); the lease ``scheduler_lease`` when a
    scheduler is expected to hold it (else None)."""

    engine: Engine
    now: Callable[[], datetime]
    outbox_dir: Path | None = None
    scheduler_lease: str | None = None

    def run(self) -> Report:
        checks = [check_database(self.engine)]
        reachable = checks[0].ok
        checks.append(
            check_migrations(self.engine) if reachable else _not_run("migrations", "database")
        )
        if self.outbox_dir is not None:
            checks.append(check_outbox(self.outbox_dir))
        if self.scheduler_lease is not None:
            checks.append(
                check_lease(self.engine, self.scheduler_lease, self.now())
                if reachable
                else _not_run("scheduler", "database")
            )
        return Report(tuple(checks))


def _not_run(name: str, because: str) -> Check:
    return Check(name, False, f"not checked: the {because} check failed")


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (drivers add hints and SQL below it)."""
    lines = str(exc).strip().splitlines()
    first = lines[0].strip() if lines else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _sqlite_file(engine: Engine) -> Path | None:
    url = make_url(str(engine.url))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def check_database(engine: Engine) -> Check:
    """A connection and ``SELECT 1``. A SQLite file that is not there is a failure, not a
    new empty database: connecting would create it and hide a wrong path or a lost disk."""
    sqlite_file = _sqlite_file(engine)
    if sqlite_file is not None and not sqlite_file.is_file():
        return Check("database", False, f"the SQLite file {sqlite_file} does not exist")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error: refused, auth, DNS, a closed pool
        return Check("database", False, f"cannot connect: {one_line(exc)}")
    return Check("database", True, f"{engine.dialect.name} reachable")


def check_migrations(engine: Engine) -> Check:
    """The database is at the newest migration this code knows."""
    try:
        current = current_revision(engine)
        head = head_revision(engine)
    except Exception as exc:
        return Check("migrations", False, f"cannot read the revision: {one_line(exc)}")
    if current == head:
        return Check("migrations", True, f"at head {head}")
    if current is None:
        detail = f"the database has no schema; run `tryggnews db upgrade` (head {head})"
    else:
        detail = (
            f"the database is at {current}, this code expects {head}: run "
            "`tryggnews db upgrade` (or, after a rollback of the code, restore the database)"
        )
    return Check("migrations", False, detail)


def check_outbox(outbox_dir: Path) -> Check:
    """A probe file written to and removed from the Maildir's ``tmp/`` (where every
    message is written first), so a full disk or a read-only mount shows here."""
    folder = Path(outbox_dir) / "tmp"
    if not folder.is_dir():
        return Check("outbox", False, f"{folder} is not a folder (run `tryggnews init`)")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".readyz-", delete=True) as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError as exc:
        return Check("outbox", False, f"cannot write to {folder}: {exc.strerror or exc}")
    return Check("outbox", True, f"{outbox_dir} writable")


def check_lease(engine: Engine, name: str, now: datetime) -> Check:
    """Some scheduler holds the lease ``name`` and renewed it in time."""
    try:
        with engine.connect() as connection:
            row = connection.execute(
                select(Lease.holder, Lease.expires_at).where(Lease.name == name)
            ).one_or_none()
    except Exception as exc:
        return Check("scheduler", False, f"cannot read the lease: {one_line(exc)}")
    if row is None:
        return Check("scheduler", False, "no scheduler has ever held the lease")
    holder, expires_at = row
    if expires_at <= now:
        ago = int((now - expires_at).total_seconds())
        return Check(
            "scheduler", False, f"the lease of {holder} expired {ago} s ago: is it running?"
        )
    left = int((expires_at - now).total_seconds())
    return Check("scheduler", True, f"held by {holder}, {left} s left")
