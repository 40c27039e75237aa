"""What the per-issue figures need recorded: soft bounces per delivery.

``deliveries.soft_bounces`` counts the soft bounces reported for one message (the
subscriber's own ``soft_bounces`` counts them in a row across issues, and is reset by
a delivered report, so it cannot say which issue bounced). Rows from before this
migration kept only a note in ``last_error``; a still-``sent`` row whose note names a
soft bounce (Brevo's ``soft_bounce``, bounce mail's ``soft bounce``) is counted as one.

Which issue an unsubscription or a complaint came from is kept in the consent event's
``details`` (``issue``, ``variant``) from now on; that needs no schema change.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column("soft_bounces", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute(
        "UPDATE deliveries SET soft_bounces = 1 WHERE status = 'sent' AND "
        "(last_error LIKE '%soft_bounce%' OR last_error LIKE '%soft bounce%')"
    )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("soft_bounces")
