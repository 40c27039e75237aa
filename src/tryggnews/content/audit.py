"""The audit log: who created, edited, approved, withdrew, scheduled, sent or changed what.

Append-only: ``record`` inserts, nothing here updates or deletes, and an ORM guard
refuses any attempt to (a bug, not a feature request, would be the only way there).
The one exception is retention (``tryggnews.retention``): entries older than
``keep_audit_days`` go in one bulk DELETE, and each run leaves an entry of its own.
Reads are filtered queries for the admins' log page and its CSV export.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, event, select
from sqlalchemy.orm import Mapper, Session, sessionmaker

from tryggnews.content.spreadsheet import neutralise_cell
from tryggnews.db.models import AuditEvent
from tryggnews.errors import TryggnewsError

# Swedish labels for the log page; an action without a label is shown by its key.
ACTION_LABELS: dict[str, str] = {
    "auth.login": "Loggade in",
    "auth.login_failed": "Misslyckad inloggning",
    "auth.locked": "Kontot låstes",
    "auth.logout": "Loggade ut",
    "auth.password_set": "Satte lösenord",
    "block.create": "Skapade block",
    "block.edit": "Ändrade block",
    "issue.create": "Skapade utskick",
    "issue.edit": "Ändrade utskick",
    "issue.add_block": "Lade till block i utskick",
    "issue.remove_block": "Tog bort block från utskick",
    "issue.reorder": "Ändrade ordningen i utskick",
    "issue.test_sent": "Skickade testmeddelande",
    "issue.schedule": "Schemalade utskick",
    "issue.unschedule": "Avbröt schemaläggning",
    "issue.send": "Skickade utskick",
    "issue.failed": "Utskicket kunde inte byggas",
    "issue.promise_block": "Ändrade blocket om löftet i utskick",
    "promise.update": "Följde upp löftet",
    "approval.approve": "Godkände utskick",
    "approval.withdraw": "Återkallade godkännande",
    "approval.withdrawn_by_edit": "Godkännande återkallat av ändring",
    "media.upload": "Laddade upp bild",
    "user.create": "Skapade användare",
    "user.disable": "Inaktiverade användare",
    "user.enable": "Aktiverade användare",
    "user.unlock": "Låste upp användare",
    "user.link": "Skapade länk för lösenord",
    "user.sign_out_everywhere": "Loggade ut användaren överallt",
    "subscriber.pause": "Pausade prenumerant",
    "subscriber.resume": "Avslutade paus för prenumerant",
    "subscriber.unsubscribe": "Avregistrerade prenumerant",
    "subscriber.confirmation_resent": "Skickade bekräftelselänk igen",
    "subscriber.export": "Laddade ner prenumerants uppgifter",
    "subscriber.export_list": "Laddade ner prenumerantlistan",
    "subscriber.erase": "Raderade prenumerant",
    "subscriber.import": "Importerade prenumeranter",
    "suppression.lift": "Hävde spärr",
    "retention.run": "Gallring",
    "archive.withdraw_issue": "Tog bort utskick från arkivet",
    "archive.restore_issue": "Återställde utskick i arkivet",
    "archive.withdraw_block": "Tog bort block från arkivet",
    "archive.restore_block": "Återställde block i arkivet",
}


class AuditLogError(TryggnewsError):
    """Someone tried to change or delete an audit event; the log is append-only."""


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int = "",
    details: dict[str, Any] | None = None,
    at: datetime,
) -> AuditEvent:
    """Append one event in the caller's transaction (it commits or rolls back with the change)."""
    entry = AuditEvent(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=dict(details or {}),
        at=at,
    )
    session.add(entry)
    return entry


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(_mapper: Mapper[Any], _connection: Any, target: AuditEvent) -> None:
    raise AuditLogError(
        f"audit event {target.id} cannot be changed or deleted: the audit log is append-only"
    )


@dataclass(frozen=True)
class AuditFilter:
    """What the log page filters by; empty fields do not filter."""

    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: datetime | None = None
    until: datetime | None = None  # exclusive


def _query(criteria: AuditFilter) -> Select[AuditEvent]:
    # Newest first by id: ids grow with time, and keyset paging needs one unique order.
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if criteria.actor:
        query = query.where(AuditEvent.actor.contains(criteria.actor.strip().lower()))
    if criteria.action:
        query = query.where(AuditEvent.action == criteria.action)
    if criteria.object_type:
        query = query.where(AuditEvent.object_type == criteria.object_type)
    if criteria.object_id:
        query = query.where(AuditEvent.object_id == criteria.object_id.strip())
    if criteria.since is not None:
        query = query.where(AuditEvent.at >= criteria.since)
    if criteria.until is not None:
        query = query.where(AuditEvent.at < criteria.until)
    return query


def find_events(
    session: Session, criteria: AuditFilter, *, limit: int = 200, offset: int = 0
) -> list[AuditEvent]:
    """Newest first, one page of ``limit`` events."""
    return list(session.scalars(_query(criteria).limit(limit).offset(offset)))


def iter_events(
    session_factory: sessionmaker[Session], criteria: AuditFilter, *, batch: int = 1000
) -> Iterator[AuditEvent]:
    """Every matching event, newest first, read in batches of short transactions.

    Each batch opens and closes its own session (keyset on id), so a slow download
    never holds a connection or a transaction open between batches.
    """
    last_id: int | None = None
    while True:
        query = _query(criteria).limit(batch)
        if last_id is not None:
            query = query.where(AuditEvent.id < last_id)
        with session_factory() as session:
            rows = list(session.scalars(query))
        yield from rows
        if len(rows) < batch:
            return
        last_id = rows[-1].id


CSV_COLUMNS = ("id", "at", "actor", "action", "object_type", "object_id", "details")


def events_to_csv(events: Iterable[AuditEvent]) -> Iterator[str]:
    """CSV text in chunks (header first); cells a spreadsheet would run as formulas are quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for entry in events:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(
            [
                entry.id,
                entry.at.isoformat(),
                _cell(entry.actor),
                entry.action,
                entry.object_type,
                _cell(entry.object_id),
                _cell(json.dumps(entry.details, ensure_ascii=False, sort_keys=True)),
            ]
        )
        yield buffer.getvalue()


def _cell(value: str) -> str:
    # A cell starting with = + - @ is a formula to Excel (CSV injection): prefix a quote.
    return neutralise_cell(value)
