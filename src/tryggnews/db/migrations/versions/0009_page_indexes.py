"""Indexes for the public and editor pages' queries.

``deliveries (subscriber_id, id)``: the preference centre's list of received issues and
the export read one person's rows in order; without it that was a scan of the whole
ledger per view (and PostgreSQL scanned it again for ON DELETE SET NULL at every
erasure). ``issues (status, sent_at)``: the archive, the feed and the dashboard ask for
the sent issues, newest first. ``audit_events (object_type, object_id)``: the audit log
filtered to one object. The listing of every page's queries and plans that led here is
in docs/performance.md (``benchmarks/query_plans.py``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_deliveries_subscriber", "deliveries", ["subscriber_id", "id"])
    op.create_index("ix_issues_status_sent_at", "issues", ["status", "sent_at"])
    op.create_index("ix_audit_events_object", "audit_events", ["object_type", "object_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_object", table_name="audit_events")
    op.drop_index("ix_issues_status_sent_at", table_name="issues")
    op.drop_index("ix_deliveries_subscriber", table_name="deliveries")
