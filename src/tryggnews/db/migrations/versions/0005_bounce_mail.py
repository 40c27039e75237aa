"""Bounces read from a mailbox (VERP): messages already processed.

``bounce_messages`` remembers every message ``tryggnews bounces fetch`` has read
from the bounce mailbox, so a second run never counts a bounce twice.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tryggnews.db.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bounce_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_key", sa.String(length=80), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("processed_at", tryggnews.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_bounce_messages_delivery_id_deliveries"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bounce_messages")),
        sa.UniqueConstraint("message_key", name=op.f("uq_bounce_messages_message_key")),
    )


def downgrade() -> None:
    op.drop_table("bounce_messages")
