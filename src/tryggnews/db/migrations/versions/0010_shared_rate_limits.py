"""Rate-limit counters shared by every process (public forms, logins, send rate and cap),
and the ledger's (issue, status) index extended by id, so claims stay cheap with two workers.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Same name, one more column: every query that used (issue_id, status) still can, and
    # a claim's "pending rows of this issue, oldest first" is an index range scan.
    op.drop_index("ix_deliveries_issue_status", table_name="deliveries")
    op.create_index(
        "ix_deliveries_issue_status", "deliveries", ["issue_id", "status", "id"], unique=False
    )
    op.create_table(
        "rate_limit_counters",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("key_hash", sa.String(length=32), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "scope", "key_hash", "window_start", name=op.f("pk_rate_limit_counters")
        ),
    )
    op.create_index(
        op.f("ix_rate_limit_counters_expires_at"),
        "rate_limit_counters",
        ["expires_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_limit_counters_expires_at"), table_name="rate_limit_counters")
    op.drop_table("rate_limit_counters")
    op.drop_index("ix_deliveries_issue_status", table_name="deliveries")
    op.create_index(
        "ix_deliveries_issue_status", "deliveries", ["issue_id", "status"], unique=False
    )
