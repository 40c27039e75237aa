"""Retention (gallring): how long each kind of personal data is kept, and the job that
deletes what is past its time (delivery rows are rolled up first)."""

from tryggnews.retention.apply import RetentionReport, apply_retention
from tryggnews.retention.periods import KINDS, RetentionPeriods

__all__ = ["KINDS", "RetentionPeriods", "RetentionReport", "apply_retention"]
