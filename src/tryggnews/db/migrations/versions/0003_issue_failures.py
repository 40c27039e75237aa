"""An issue that cannot be built: the failed state and its reason.

``issues.status`` may now be ``failed`` (its CHECK constraint is replaced), and
``issues.failure_reason`` says why the messages could not be built. SQLite cannot
change a constraint in place, so the table is rebuilt through ``batch_alter_table``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CONSTRAINT = "ck_issues_issue_status"
BEFORE = ("draft", "approved", "scheduled", "sending", "paused", "held", "sent")
AFTER = (*BEFORE, "failed")


def _allowed(states: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{state}'" for state in states) + ")"


def upgrade() -> None:
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failure_reason", sa.Text(), nullable=True))
        batch_op.drop_constraint(op.f(CONSTRAINT), type_="check")
        batch_op.create_check_constraint(op.f(CONSTRAINT), _allowed(AFTER))


def downgrade() -> None:
    # A failed issue goes back to draft, the state an editor fixes it from.
    op.execute("UPDATE issues SET status = 'draft' WHERE status = 'failed'")
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CONSTRAINT), type_="check")
        batch_op.create_check_constraint(op.f(CONSTRAINT), _allowed(BEFORE))
        batch_op.drop_column("failure_reason")
