"""The public archive: blocks kept off the web, issues and blocks withdrawn from it.

``blocks.web_public`` is false for a block marked "inte på webben"; the
``web_withdrawn_*`` columns say that an administrator took an issue or a block off
the archive, and why (the reason is audit-logged too).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tryggnews.db.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("blocks") as batch:
        batch.add_column(
            sa.Column("web_public", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(sa.Column("web_withdrawn_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("issues") as batch:
        batch.add_column(
            sa.Column(
                "web_withdrawn_at", tryggnews.db.models.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch.add_column(sa.Column("web_withdrawn_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("issues") as batch:
        batch.drop_column("web_withdrawn_reason")
        batch.drop_column("web_withdrawn_at")
    with op.batch_alter_table("blocks") as batch:
        batch.drop_column("web_withdrawn_reason")
        batch.drop_column("web_public")
