"""One retention run over every kind: ``apply_retention``.

Each kind is deleted in a transaction of its own, committed before the next starts, so
a long run never holds one lock over everything and a failure keeps what was already
done. A dry run does the very same work and rolls each transaction back: what it
reports is what a real run would have deleted at that moment, counted by the same
statements. A real run ends with one audit log entry holding the counts (never an
address).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tryggnews.content.audit import record
from tryggnews.retention.kinds import (
    delete_bounce_mail,
    delete_ended_consent,
    delete_old_audit,
    purge_old_unconfirmed,
    roll_up_old_deliveries,
)
from tryggnews.retention.periods import KINDS, RetentionPeriods

AUDIT_ACTION = "retention.run"

# What each kind is called where a person reads the counts.
LABELS = {
    "deliveries": "delivery rows (rolled up into per-issue counts)",
    "bounce_mail": "bounce messages",
    "unconfirmed": "sign-ups never confirmed",
    "consent": "consent events of ended subscriptions",
    "audit": "audit log entries",
}


@dataclass(frozen=True)
class KindResult:
    kind: str
    days: int
    cutoff: datetime | None  # rows dated before this are past their time; None: kept for ever
    count: int  # deleted, or would be in a dry run; 0 when kept for ever

    @property
    def for_ever(self) -> bool:
        return self.cutoff is None


@dataclass(frozen=True)
class RetentionReport:
    now: datetime
    dry_run: bool
    results: tuple[KindResult, ...]

    def counts(self) -> dict[str, int]:
        return {r.kind: r.count for r in self.results}

    @property
    def total(self) -> int:
        return sum(r.count for r in self.results)

    def lines(self) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        lines = []
        for r in self.results:
            label = LABELS[r.kind]
            if r.for_ever:
                lines.append(f"{r.kind}: kept for ever (0 days) — {label}")
            else:
                lines.append(
                    f"{r.kind}: {verb} {r.count} — {label} older than {r.days} days "
                    f"(before {r.cutoff:%Y-%m-%d %H:%M} UTC)"
                )
        return lines


def apply_retention(
    session: Session,
    periods: RetentionPeriods,
    now: datetime,
    *,
    dry_run: bool = False,
    actor: str = "system",
) -> RetentionReport:
    """Delete what is past its time, kind by kind (see ``periods.KINDS`` for the order).

    ``session`` must carry no work of its own: each kind is committed (or, in a dry run,
    rolled back) through it. ``actor`` names who ran it in the audit log.
    """
    if session.in_transaction():
        raise RuntimeError("apply_retention needs a session without a transaction of its own")
    steps: dict[str, Callable[[datetime], int]] = {
        "deliveries": lambda cutoff: roll_up_old_deliveries(session, cutoff),
        "bounce_mail": lambda cutoff: delete_bounce_mail(session, cutoff),
        "unconfirmed": lambda _cutoff: purge_old_unconfirmed(
            session, now, periods.unconfirmed_days
        ),
        "consent": lambda cutoff: delete_ended_consent(session, cutoff),
        "audit": lambda cutoff: delete_old_audit(session, cutoff),
    }
    results = []
    for kind in KINDS:
        cutoff = periods.cutoff(kind, now)
        count = 0
        if cutoff is not None:
            try:
                count = steps[kind](cutoff)
                session.flush()
            except BaseException:
                session.rollback()
                raise
            if dry_run:
                session.rollback()
            else:
                session.commit()
        results.append(KindResult(kind, periods.days(kind), cutoff, count))
    report = RetentionReport(now=now, dry_run=dry_run, results=tuple(results))
    if not dry_run:
        record(
            session,
            actor=actor,
            action=AUDIT_ACTION,
            object_type="retention",
            object_id=now.date().isoformat(),
            details={"deleted": report.counts(), "days": periods.as_dict()},
            at=now,
        )
        session.commit()
    return report
