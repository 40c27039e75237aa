"""Editors' sessions revocable on the server.

``editor_sessions`` holds one row per signed-in browser: the SHA-256 of the random
id the cookie carries, the user, when it was made and last used, and when and why
it was revoked. Sessions made before this migration lived only in the cookie; they
find no row and have to sign in again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tryggnews.db.models.base import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "editor_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_editor_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_editor_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_editor_sessions_token_hash")),
    )
    op.create_index(
        op.f("ix_editor_sessions_user_id"), "editor_sessions", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_editor_sessions_user_id"), table_name="editor_sessions")
    op.drop_table("editor_sessions")
