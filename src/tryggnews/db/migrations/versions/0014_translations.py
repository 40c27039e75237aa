"""Translations of blocks and issues, each block's language policy, and variant languages.

Adds ``block_translations`` and ``issue_translations`` (one row per item and language,
with the digest of the Swedish text it was made from), ``blocks.language_policy``
(fallback, swedish-only or skip; existing blocks fall back to Swedish with a note) and
``issue_variants.language`` (existing variants were Swedish).

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-07 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tryggnews.db.models

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def _translation_table(name: str, parent: str, key: str, *texts: sa.Column[object]) -> None:
    op.create_table(
        name,
        sa.Column(key, sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        *texts,
        sa.Column("source_version", sa.Integer(), nullable=False),
        sa.Column("source_digest", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=320), nullable=False),
        sa.Column("updated_at", tryggnews.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            [key], [f"{parent}.id"], name=op.f(f"fk_{name}_{key}_{parent}"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(key, "language", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    _translation_table(
        "block_translations",
        "blocks",
        "block_id",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("cta_label", sa.String(length=200), nullable=True),
        sa.Column("image_alt", sa.String(length=500), nullable=True),
    )
    _translation_table(
        "issue_translations",
        "issues",
        "issue_id",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("preheader", sa.String(length=300), nullable=False),
        sa.Column("intro_md", sa.Text(), nullable=False),
    )
    with op.batch_alter_table("blocks") as batch:
        batch.add_column(
            sa.Column(
                "language_policy",
                sa.Enum(
                    "fallback",
                    "swedish-only",
                    "skip",
                    name="language_policy",
                    native_enum=False,
                    create_constraint=True,
                    length=20,
                ),
                server_default="fallback",
                nullable=False,
            )
        )
    with op.batch_alter_table("issue_variants") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=8), server_default="sv", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("issue_variants") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("blocks") as batch:
        batch.drop_column("language_policy")
    op.drop_table("issue_translations")
    op.drop_table("block_translations")
