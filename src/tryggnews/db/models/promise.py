"""The follow-up of the medborgarlöfte: each commitment's status and dated notes.

The commitments themselves are data in ``promise.toml`` (``planning.promise_file``);
only what editors record about them lives here, keyed by the commitment's stable key.
The table is append-only history: a row sets a new status, adds a note, or both. The
current status is the newest row that set one, so the status at any earlier moment (an
issue's send, the end of a year) can be read back for the newsletter and the report.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tryggnews.db.models.base import Base, enum_column, utcnow


class PromiseStatus(enum.StrEnum):
    """Where a commitment stands; stored ASCII, shown in Swedish (``content.promise_view``)."""

    PLANNED = "planerat"
    ONGOING = "pagar"
    DONE = "genomfort"
    CANCELLED = "installt"


class PromiseUpdate(Base):
    """One change an editor recorded about a commitment: a new status, a note, or both."""

    __tablename__ = "promise_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The commitment's key in promise.toml (not a foreign key: the file is the source).
    commitment_key: Mapped[str] = mapped_column(String(60), index=True)
    # None when the row only adds a note.
    status: Mapped[PromiseStatus | None] = mapped_column(
        enum_column(PromiseStatus, "promise_status"), nullable=True
    )
    # None when the row only sets a status.
    note: Mapped[str | None] = mapped_column(Text)
    # The day the note is about (the editor may date it back to the activity).
    noted_on: Mapped[date] = mapped_column(Date)
    # Who wrote it: polis or kommun (the editor's organisation).
    organisation_key: Mapped[str] = mapped_column(ForeignKey("organisations.key"))
    author: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
