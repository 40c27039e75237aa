"""Scheduling an approved issue (administrators only): the send permission."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from tryggnews.content.approvals import ApprovalError, schedule_issue, unschedule_issue
from tryggnews.web.editor.forms import form_int
from tryggnews.web.editor.guard import current_user, db, now, require_admin
from tryggnews.web.editor.issues import load_issue

bp = Blueprint("scheduling", __name__, url_prefix="/redaktion/utskick")
bp.before_request(require_admin)


@bp.post("/<key>/schemalagg", endpoint="schedule")
def schedule(key: str) -> Response:
    issue = load_issue(key)
    raw = request.form.get("send_at", "")
    try:
        local = datetime.fromisoformat(raw)
    except ValueError:
        raise ApprovalError("Ange datum och tid för utskicket, t.ex. 2027-02-15 08:00.") from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(issue.timezone))
    version = form_int("version")
    if version is None:
        raise ApprovalError("Ladda om sidan och försök igen.")
    schedule_issue(db(), issue, current_user(), send_at=local, expected_version=version, now=now())
    db().commit()
    flash(f"Utskick {key} är schemalagt till {local.strftime('%Y-%m-%d %H:%M')}.", "ok")
    return redirect(url_for("editor.issues.show", key=key))


@bp.post("/<key>/avschemalagg", endpoint="unschedule")
def unschedule(key: str) -> Response:
    issue = load_issue(key)
    unschedule_issue(db(), issue, current_user(), now=now())
    db().commit()
    flash(f"Utskick {key} är inte längre schemalagt. Det är fortfarande godkänt.", "ok")
    return redirect(url_for("editor.issues.show", key=key))
