"""When an issue went public: ``issues.published_at`` is set when its sending begins.

The public archive shows an issue from then on, so "Läs i webbläsaren" works for the
first reader of a long send. Issues sent before this migration get their ``sent_at``.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 00:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tryggnews.db.models

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issues") as batch:
        batch.add_column(
            sa.Column("published_at", tryggnews.db.models.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE issues SET published_at = sent_at WHERE sent_at IS NOT NULL")
    op.create_index("ix_issues_published_at", "issues", ["published_at"])


def downgrade() -> None:
    op.drop_index("ix_issues_published_at", table_name="issues")
    with op.batch_alter_table("issues") as batch:
        batch.drop_column("published_at")
