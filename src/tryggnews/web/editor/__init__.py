"""The editors' workspace at ``/redaktion``: one parent blueprint, default deny.

``editor`` holds every part as a nested blueprint, so its ``before_request``
guard runs for all of them: a view is reachable anonymously only when marked
``@public``; the admin parts (scheduling, audit log, users) add an admin check.
Uploaded images are served from ``/media`` by the same parent (public views).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint

from tryggnews.render.dates import format_day, format_long, format_moment, format_range
from tryggnews.web.editor import (
    archive_admin,
    audit_log,
    auth,
    blocks,
    dashboard,
    followup,
    issues,
    media,
    preview,
    promise,
    scheduling,
    subscriber_actions,
    subscriber_import,
    subscribers,
    suppressions,
    translations,
    users,
)
from tryggnews.web.editor.forms import register_error_pages
from tryggnews.web.editor.guard import close_db, require_login

editor_blueprint = Blueprint("editor", __name__)
editor_blueprint.before_request(require_login)
editor_blueprint.teardown_request(close_db)
register_error_pages(editor_blueprint)
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def format_stockholm_time(moment: datetime) -> str:
    """A stored instant in Swedish local time: ``15 februari 2027 kl. 08.00``."""
    return format_moment(moment, STOCKHOLM)


editor_blueprint.add_app_template_filter(format_stockholm_time, "sv_time")
editor_blueprint.add_app_template_filter(format_day, "sv_day")
editor_blueprint.add_app_template_filter(format_long, "sv_long")
editor_blueprint.add_app_template_filter(format_range, "sv_range")

for part in (
    auth,
    dashboard,
    blocks,
    issues,
    preview,
    scheduling,
    audit_log,
    users,
    media,
    archive_admin,
    subscribers,
    subscriber_actions,
    subscriber_import,
    suppressions,
    promise,
    followup,
    translations,
):
    editor_blueprint.register_blueprint(part.bp)

__all__ = ["editor_blueprint"]
