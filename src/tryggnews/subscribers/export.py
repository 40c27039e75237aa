"""Subscriber lists out: CSV that imports again unchanged, or JSON with every field.

Rows stream from the database in batches, so a 50,000-person list never sits in
memory. The CSV has exactly the columns ``import_plan.parse_csv`` reads; a cell that a
spreadsheet would run as a formula gets a ``'`` in front (``content.spreadsheet``),
which the import takes off again.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Collection
from datetime import datetime
from typing import Literal, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.content.spreadsheet import neutralise_cell
from tryggnews.db.models import Subscriber, SubscriberStatus
from tryggnews.errors import ValidationError
from tryggnews.subscribers.import_plan import COLUMNS

# Keys inside a cell; the importer also reads ",".
EXPORT_KEY_SEPARATOR = "|"
# The CSV export has no status column, so by default it holds only people who may
# receive the newsletter: importing it elsewhere must not sign up anyone who left.
CSV_EXPORT_STATUSES: tuple[SubscriberStatus, ...] = (
    SubscriberStatus.ACTIVE,
    SubscriberStatus.PAUSED,
)

# Written first with ``excel=True``: Excel reads a CSV without it as Windows-1252,
# so å, ä and ö come out garbled; the importer skips it.
EXCEL_BOM = "\ufeff"

ExportFormat = Literal["csv", "json"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "json")


def export_subscribers(
    session: Session,
    fmt: ExportFormat,
    out: TextIO,
    *,
    statuses: Collection[SubscriberStatus] | None = None,
    delimiter: str = ";",
    excel: bool = False,
) -> int:
    """Write subscribers to ``out``, ordered by address, streaming; return how many.

    ``json``: a list of objects with email, name, status, language, audiences,
    topics, source and timestamps; by default everyone. ``csv``: exactly the
    columns ``parse_csv`` reads (so an export imports again unchanged), keys joined
    with "|"; by default only active and paused people (``CSV_EXPORT_STATUSES``).
    ``excel``: the CSV starts with a UTF-8 byte order mark (``EXCEL_BOM``).
    """
    if fmt not in EXPORT_FORMATS:
        raise ValidationError(f"unknown export format {fmt!r}: choose csv or json")
    if statuses is None and fmt == "csv":
        statuses = CSV_EXPORT_STATUSES
    query = select(
        Subscriber.email,
        Subscriber.name,
        Subscriber.status,
        Subscriber.language,
        Subscriber.audiences,
        Subscriber.topics,
        Subscriber.source,
        Subscriber.created_at,
        Subscriber.updated_at,
        Subscriber.confirmed_at,
        Subscriber.paused_until,
    ).order_by(Subscriber.email_key)
    if statuses is not None:
        query = query.where(Subscriber.status.in_(list(statuses)))
    rows = session.execute(query.execution_options(yield_per=1000))
    count = 0
    if fmt == "csv":
        if excel:
            out.write(EXCEL_BOM)
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            cells = (
                row.email,
                row.name or "",
                row.language,
                EXPORT_KEY_SEPARATOR.join(row.audiences),
                EXPORT_KEY_SEPARATOR.join(row.topics),
            )
            # Every cell, though only addresses and names can start like a formula.
            writer.writerow([neutralise_cell(cell) for cell in cells])
            count += 1
        return count
    out.write("[")
    for row in rows:
        record = {
            "email": row.email,
            "name": row.name,
            "status": row.status.value,
            "language": row.language,
            "audiences": list(row.audiences),
            "topics": list(row.topics),
            "source": row.source,
            "created_at": _iso(row.created_at),
            "updated_at": _iso(row.updated_at),
            "confirmed_at": _iso(row.confirmed_at),
            "paused_until": _iso(row.paused_until),
        }
        out.write(",\n  " if count else "\n  ")
        out.write(json.dumps(record, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
