"""The subscriber workspace: a searchable name key, and prefix-safe key order on PostgreSQL.

Adds ``subscribers.name_key`` (the case-folded name, ``search_keys.name_search_key``)
with an index on (name_key, id) for keyset paging, fills it for existing rows, adds
an index on consent_events (kind, id) for the list of recent bounces, and
on PostgreSQL gives ``email_key`` and ``name_key`` the "C" collation so a range scan
of the index is exactly a prefix match whatever the database's locale.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tryggnews.db.models.search_keys import name_search_key

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BACKFILL_BATCH = 1000


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    name_type = sa.String(200, collation="C") if _postgres() else sa.String(200)
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(sa.Column("name_key", name_type, nullable=True))
    if _postgres():
        op.alter_column(
            "subscribers",
            "email_key",
            type_=sa.String(320, collation="C"),
            existing_type=sa.String(320),
            existing_nullable=False,
        )
    subscribers = sa.table(
        "subscribers",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("name_key", sa.String),
    )
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(subscribers.c.id, subscribers.c.name)
            .where(subscribers.c.id > last, subscribers.c.name.is_not(None))
            .order_by(subscribers.c.id)
            .limit(BACKFILL_BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            subscribers.update()
            .where(subscribers.c.id == sa.bindparam("row_id"))
            .values(name_key=sa.bindparam("key")),
            [{"row_id": row.id, "key": name_search_key(row.name)} for row in rows],
        )
        last = rows[-1].id
    op.create_index("ix_subscribers_name_key", "subscribers", ["name_key", "id"])
    op.create_index("ix_consent_events_kind_id", "consent_events", ["kind", "id"])


def downgrade() -> None:
    op.drop_index("ix_consent_events_kind_id", table_name="consent_events")
    op.drop_index("ix_subscribers_name_key", table_name="subscribers")
    if _postgres():
        op.alter_column(
            "subscribers",
            "email_key",
            type_=sa.String(320),
            existing_type=sa.String(320, collation="C"),
            existing_nullable=False,
        )
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("name_key")
