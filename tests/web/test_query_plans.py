"""The stored-data page's delivery query (``/p/<token>/mina-uppgifter``) and the archive
index's queries use an index, on SQLite and PostgreSQL, as the database itself plans them
(``EXPLAIN QUERY PLAN`` / ``EXPLAIN``): the statements are the ones the real pages ran, seen
through the engine's event hook, on a ledger big enough (and ``ANALYZE``d) that PostgreSQL's
planner would pick a sequential scan if the index were missing or unusable.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from archive_site import READERS, Part, send_issue
from public_site import Site, site_fixture  # noqa: F401
from sqlalchemy import Engine, insert, select, text

from tryggnews.db.models import Delivery, DeliveryStatus, Issue, IssueStatus, Subscriber
from tryggnews.db.plans import Statement, capture, explain, full_scans, indexes_used
from tryggnews.web.context import EXTENSION

PEOPLE = 2_000
ISSUES = 2_000
DELIVERED = 10  # issues with a ledger row for every one of PEOPLE: 20,000 rows
AT = datetime(2026, 1, 1, tzinfo=UTC)


def _history(engine: Engine) -> None:
    """Years of drafts and a ledger of DELIVERED × PEOPLE rows, bulk-inserted."""
    with engine.begin() as conn:
        conn.execute(
            insert(Issue),
            [
                {
                    "key": f"1900-{n}",
                    "year": 1900,
                    "number": n,
                    "title": f"Utkast {n}",
                    "subject": f"Utkast {n}",
                    "status": IssueStatus.DRAFT,
                    "created_at": AT,
                    "updated_at": AT,
                }
                for n in range(1, ISSUES + 1)
            ],
        )
        ids = conn.scalars(select(Issue.id).order_by(Issue.id).limit(DELIVERED)).all()
        first = conn.scalar(select(Subscriber.id).order_by(Subscriber.id.desc()).limit(1)) or 0
        conn.execute(
            insert(Subscriber),
            [
                {
                    "email": f"person{n}@example.org",
                    "email_key": f"person{n}@example.org",
                    "audiences": [],
                    "topics": [],
                    "token_salt": secrets.token_hex(8),
                    "created_at": AT,
                    "updated_at": AT,
                }
                for n in range(PEOPLE)
            ],
        )
        conn.execute(
            insert(Delivery),
            [
                {
                    "issue_id": issue_id,
                    "subscriber_id": first + 1 + n,
                    "variant": "v",
                    "status": DeliveryStatus.SENT,
                    "created_at": AT,
                    "updated_at": AT,
                }
                for issue_id in ids
                for n in range(PEOPLE)
            ],
        )
        conn.execute(text("ANALYZE"))


def _plans(engine: Engine, statements: list[Statement], *needles: str) -> list[list[str]]:
    chosen = [s for s in statements if all(needle in s.sql for needle in needles)]
    assert chosen, f"no statement with {needles}"
    with engine.connect() as connection:
        return [explain(connection, statement) for statement in chosen]


def test_the_stored_data_page_and_the_archive_index_use_their_indexes(
    site: Site, engine: Engine
) -> None:
    send_issue(site.settings, site.sessions, "2027-1", [Part("Trygghetsvandring")])
    _history(engine)
    with site.sessions() as session:
        reader = session.scalars(select(Subscriber).where(Subscriber.email_key == READERS[0])).one()
        # The received issues are on the page of stored data, not the preference page.
        path = f"/p/{site.signer.manage_token(reader.id, reader.token_salt)}/mina-uppgifter"

    with capture(engine, site.app.extensions[EXTENSION].reader) as statements:
        assert site.get("/arkiv").status_code == 200  # cold: the version and the list
        assert site.get(path).status_code == 200

    for plan in _plans(engine, statements, "FROM deliveries", "subscriber_id"):
        assert "ix_deliveries_subscriber" in indexes_used(plan), plan
        assert "deliveries" not in full_scans(plan), plan
    # The archive's version query and its list of sent issues both start from the index.
    for plan in _plans(engine, statements, "FROM issues", "issues.published_at"):
        assert "ix_issues_published_at" in indexes_used(plan), plan
        assert "issues" not in full_scans(plan), plan
