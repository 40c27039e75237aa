"""The audiences of a variant in its readers' language: ``issue_variants.reader_label``.

The message's footer says whom its content was chosen for; a reader of Arabic reads it
in Arabic. Variants recorded before this migration keep their Swedish label for their
Swedish readers; a resumed send of another language leaves the sentence out.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 10:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issue_variants") as batch:
        batch.add_column(
            sa.Column("reader_label", sa.String(500), nullable=False, server_default="")
        )
    op.execute("UPDATE issue_variants SET reader_label = audience_label WHERE language = 'sv'")


def downgrade() -> None:
    with op.batch_alter_table("issue_variants") as batch:
        batch.drop_column("reader_label")
