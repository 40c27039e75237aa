"""The promise's follow-up: status and notes per commitment, and the issue's promise block.

``promise_updates`` is append-only history: each row sets a commitment's status, adds a
dated note, or both (the commitments themselves are data in promise.toml).
``issues.promise_block`` is the editor's switch for the automatic "Så går det med
löftet" block in an issue.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tryggnews.db.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "promise_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_key", sa.String(length=60), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planerat",
                "pagar",
                "genomfort",
                "installt",
                name="promise_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("noted_on", sa.Date(), nullable=False),
        sa.Column("organisation_key", sa.String(length=20), nullable=False),
        sa.Column("author", sa.String(length=320), nullable=False),
        sa.Column("created_at", tryggnews.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_key"],
            ["organisations.key"],
            name=op.f("fk_promise_updates_organisation_key_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promise_updates")),
    )
    op.create_index(
        op.f("ix_promise_updates_commitment_key"),
        "promise_updates",
        ["commitment_key"],
        unique=False,
    )
    op.create_index(
        op.f("ix_promise_updates_created_at"), "promise_updates", ["created_at"], unique=False
    )
    with op.batch_alter_table("issues") as batch:
        batch.add_column(
            sa.Column("promise_block", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("issues") as batch:
        batch.drop_column("promise_block")
    op.drop_index(op.f("ix_promise_updates_created_at"), table_name="promise_updates")
    op.drop_index(op.f("ix_promise_updates_commitment_key"), table_name="promise_updates")
    op.drop_table("promise_updates")
