"""How long each kind of personal data is kept: plain values from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# The kinds, in the order a run handles them. Delivery rows go first: their rollup also
# brings each old issue's complaint and unsubscription counts up to date, before old
# consent events may be deleted.
KINDS = ("deliveries", "bounce_mail", "unconfirmed", "consent", "audit")


@dataclass(frozen=True)
class RetentionPeriods:
    """Days each kind is kept (``TRYGGNEWS_KEEP_*_DAYS``); 0 keeps that kind for ever.

    ``unconfirmed_days`` is ``purge_unconfirmed_days`` (always at least 1).
    """

    deliveries_days: int = 400
    consent_days: int = 1095
    audit_days: int = 1095
    bounce_mail_days: int = 30
    unconfirmed_days: int = 30

    def days(self, kind: str) -> int:
        return int(getattr(self, f"{kind}_days"))

    def cutoff(self, kind: str, now: datetime) -> datetime | None:
        """Rows of ``kind`` dated strictly before this are past their time; None: for ever."""
        days = self.days(kind)
        return now - timedelta(days=days) if days > 0 else None

    def as_dict(self) -> dict[str, int]:
        return {kind: self.days(kind) for kind in KINDS}
