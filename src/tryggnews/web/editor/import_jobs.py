"""Uploaded subscriber lists: where they wait for the administrator's confirmation, and
the import that runs in the background while a progress page follows it.

An upload is kept in one private folder (mode 0700, files 0600) under a random token
that the uploader's signed session cookie holds and whose state file names the
uploader's account; nobody else's request can read, confirm or cancel it. The file
is deleted when the import ends, when it is cancelled, when the report shows it
cannot be imported, and, for a file simply left behind, at the next visit to the
import pages once it is over an hour old.

The state of an upload is a small JSON file beside it, written whole and renamed into
place, so a progress request in another worker process reads the same truth. The
import itself is one transaction (``importer.apply_import`` in chunks, and the audit
entry): it commits whole or not at all.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.content import audit
from tryggnews.db.models import Suppression
from tryggnews.errors import TryggnewsError
from tryggnews.subscribers.import_plan import ImportPlan, RowProblem
from tryggnews.subscribers.importer import ImportResult, apply_import
from tryggnews.subscribers.suppression import address_hash

MAX_AGE_SECONDS = 3600
# A running import's state is rewritten after every chunk; one not touched for this
# long died with its process, and its transaction was rolled back.
STALE_SECONDS = 600
SHOWN_ROWS = 500
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")
logger = logging.getLogger(__name__)


def problem_record(problem: RowProblem) -> dict[str, object]:
    return {
        "line": problem.line,
        "column": problem.column,
        "value": problem.value,
        "reason": problem.swedish,  # shown to editors
    }


def result_record(result: ImportResult) -> dict[str, object]:
    return {
        "totals": result.totals.as_dict(),
        "skipped": [problem_record(p) for p in result.skipped[:SHOWN_ROWS]],
        "skipped_count": len(result.skipped),
    }


class ImportStore:
    """The private folder of uploads and their state files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(root, 0o700)  # also when it existed with looser rights

    def valid(self, token: str) -> bool:
        return bool(_TOKEN.match(token))

    def csv_path(self, token: str) -> Path:
        return self.root / f"{token}.csv"

    def _state_path(self, token: str) -> Path:
        return self.root / f"{token}.json"

    def save(self, upload: IO[bytes], *, user_id: int, file_name: str) -> str:
        """Store an uploaded file; returns its token."""
        token = secrets.token_urlsafe(16)
        descriptor = os.open(self.csv_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            while chunk := upload.read(64 * 1024):
                out.write(chunk)
        self.write_state(token, {"state": "uploaded", "user": user_id, "file": file_name})
        return token

    def state(self, token: str) -> dict[str, Any] | None:
        if not self.valid(token):
            return None
        try:
            data: dict[str, Any] = json.loads(self._state_path(token).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("state") == "running" and time.time() - data.get("touched", 0) > STALE_SECONDS:
            data["state"] = "failed"
            data["message"] = "Importen avbröts innan den blev klar. Inget importerades."
        return data

    def write_state(self, token: str, data: dict[str, Any]) -> None:
        data = {**data, "touched": time.time()}
        partial = self.root / f".{token}.json.partial"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
        partial.replace(self._state_path(token))

    def delete_file(self, token: str) -> None:
        self.csv_path(token).unlink(missing_ok=True)

    def discard(self, token: str) -> None:
        self.delete_file(token)
        self._state_path(token).unlink(missing_ok=True)

    def sweep(self) -> int:
        """Delete what was left behind over an hour ago; returns how many files."""
        cutoff = time.time() - MAX_AGE_SECONDS
        removed = 0
        for path in self.root.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except OSError:
                continue  # another request removed it first
        return removed


@dataclass(frozen=True)
class ImportOrder:
    """A confirmed import: the checked plan and everything it is written with."""

    token: str
    plan: ImportPlan
    basis: str
    source: str
    now: datetime
    actor: str
    user_id: int
    file_name: str
    secret_key: str


def start_import(
    store: ImportStore, order: ImportOrder, session_factory: sessionmaker[Session]
) -> threading.Thread:
    """Run ``order`` in a thread; its progress and outcome go to the state file."""
    base = {"user": order.user_id, "file": order.file_name, "total": len(order.plan.rows)}
    store.write_state(order.token, {**base, "state": "running", "done": 0})
    thread = threading.Thread(
        target=_run,
        args=(store, order, session_factory, base),
        name="tryggnews-import",
        daemon=True,
    )
    thread.start()
    return thread


def _run(
    store: ImportStore,
    order: ImportOrder,
    session_factory: sessionmaker[Session],
    base: dict[str, Any],
) -> None:
    done = 0

    def progress(count: int) -> None:
        nonlocal done
        done += count
        store.write_state(order.token, {**base, "state": "running", "done": done})

    try:
        with session_factory.begin() as session:
            result = _apply(session, order, progress)
        final = {**base, "state": "done", "done": done, **result_record(result)}
        store.write_state(order.token, final)
    except TryggnewsError as exc:
        store.write_state(order.token, {**base, "state": "failed", "message": str(exc)})
    except Exception:  # the thread must report, whatever went wrong
        logger.exception("the import of %s failed", order.file_name)
        message = "Importen misslyckades av ett tekniskt fel. Inget importerades."
        store.write_state(order.token, {**base, "state": "failed", "message": message})
    finally:
        store.delete_file(order.token)


def _apply(session: Session, order: ImportOrder, progress: Callable[[int], None]) -> ImportResult:
    # The list holds only hashes: read once, like the command line's import.
    suppressed = set(session.scalars(select(Suppression.email_hash)))
    hash_of = functools.partial(address_hash, order.secret_key)
    result = apply_import(
        session,
        order.plan,
        basis=order.basis,
        source=order.source,
        now=order.now,
        is_suppressed=lambda key: hash_of(key) in suppressed,
        email_hash=hash_of,
        progress=progress,
    )
    audit.record(
        session,
        actor=order.actor,
        action="subscriber.import",
        object_type="import",
        object_id=order.file_name[:100],
        details={"basis": order.basis, "source": order.source, **result.totals.as_dict()},
        at=order.now,
    )
    return result


def dry_run(
    session: Session, plan: ImportPlan, *, secret_key: str, now: datetime, source: str
) -> ImportResult:
    """What the import would do, written nowhere (the CLI's --dry-run)."""
    suppressed = set(session.scalars(select(Suppression.email_hash)))
    try:
        return apply_import(
            session,
            plan,
            basis="consent",  # not written; the totals do not depend on it
            source=source,
            now=now,
            dry_run=True,
            is_suppressed=lambda key: address_hash(secret_key, key) in suppressed,
        )
    finally:
        session.rollback()
