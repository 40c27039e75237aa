"""The follow-up's figures counted again with SQL of the tests' own, to compare against."""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.orm import Session

ROW_SQL = {
    "recipients": "1=1",
    "delivered": "status = 'sent' AND soft_bounces = 0",
    "bounced_hard": "status = 'bounced'",
    "bounced_soft": "status = 'sent' AND soft_bounces > 0",
    "failed": "status = 'failed'",
    "skipped": "status = 'skipped'",
    "outstanding": "status IN ('pending', 'claimed', 'retry')",
}


def direct_counts(session: Session, issue_id: int) -> dict[str, int]:
    """The figures with SQL of their own, from the ledger rows and consent events."""
    out = {}
    for name, where in ROW_SQL.items():
        out[name] = session.execute(
            text(f"SELECT count(*) FROM deliveries WHERE issue_id = :i AND {where}"),
            {"i": issue_id},
        ).scalar_one()
    key = session.execute(text("SELECT key FROM issues WHERE id = :i"), {"i": issue_id}).scalar()
    events = session.execute(text("SELECT kind, details FROM consent_events")).all()
    for name, kind in (("complaints", "complained"), ("unsubscriptions", "unsubscribed")):
        out[name] = sum(
            1 for k, details in events if k == kind and _as_dict(details).get("issue") == key
        )
    return out


def _as_dict(value: object) -> dict[str, object]:
    return json.loads(value) if isinstance(value, str) else dict(value or {})  # type: ignore[call-overload]


def year_truth(session: Session, year: int) -> dict[str, object]:
    """The report's figures for ``year`` counted directly (valid for the test year, where
    nobody was erased and everyone active now was active at the end of the year)."""
    sent = session.execute(
        text("SELECT id, key FROM issues WHERE year = :y AND status = 'sent' ORDER BY number"),
        {"y": year},
    ).all()
    per_area = dict(
        session.execute(
            text(
                "SELECT b.focus_area_key, count(*) FROM issue_blocks ib "
                "JOIN blocks b ON b.id = ib.block_id JOIN issues i ON i.id = ib.issue_id "
                "WHERE i.year = :y AND i.status = 'sent' GROUP BY b.focus_area_key"
            ),
            {"y": year},
        ).all()
    )
    police = dict(
        session.execute(
            text(
                "SELECT i.key, count(*) FROM issue_blocks ib "
                "JOIN blocks b ON b.id = ib.block_id JOIN issues i ON i.id = ib.issue_id "
                "WHERE i.year = :y AND b.organisation_key = 'polis' GROUP BY i.key"
            ),
            {"y": year},
        ).all()
    )
    active = session.execute(
        text("SELECT audiences, language FROM subscribers WHERE status = 'active'")
    ).all()
    end_audience: dict[str, int] = {}
    for audiences, _ in active:
        for audience in _as_list(audiences):
            end_audience[audience] = end_audience.get(audience, 0) + 1
    start = session.execute(
        text("SELECT count(*) FROM subscribers WHERE confirmed_at < :t"),
        {"t": f"{year}-01-01 00:00:00"},
    ).scalar_one()
    months: dict[str, dict[str, int]] = {}
    for kind, at in session.execute(
        text(
            "SELECT kind, created_at FROM consent_events "
            "WHERE kind IN ('confirmed', 'unsubscribed')"
        )
    ).all():
        stamp = str(at)[:7]
        if stamp.startswith(str(year)):
            bucket = months.setdefault(stamp, {"signups": 0, "unsubscriptions": 0})
            bucket["signups" if kind == "confirmed" else "unsubscriptions"] += 1
    return {
        "sent": [key for _, key in sent],
        "figures": {key: direct_counts(session, issue_id) for issue_id, key in sent},
        "per_area": per_area,
        "police": police,
        "end_total": len(active),
        "end_audience": end_audience,
        "start_total": start,
        "months": months,
    }


def _as_list(value: object) -> list[str]:
    return json.loads(value) if isinstance(value, str) else list(value or [])  # type: ignore[call-overload]
