"""Delivery rollups: per-issue counts kept after retention deletes delivery rows.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_rollups",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_delivery_rollups_issue_id_issues")
        ),
        sa.PrimaryKeyConstraint("issue_id", "variant", "outcome", name=op.f("pk_delivery_rollups")),
    )


def downgrade() -> None:
    op.drop_table("delivery_rollups")
