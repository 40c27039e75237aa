"""The audit log for administrators: filter it, read it, download it as CSV."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from werkzeug.wrappers import Response

from tryggnews.content.audit import (
    ACTION_LABELS,
    AuditFilter,
    events_to_csv,
    find_events,
    iter_events,
)
from tryggnews.web.context import web_context
from tryggnews.web.editor.guard import db, require_admin

bp = Blueprint("audit", __name__, url_prefix="/redaktion/logg")
bp.before_request(require_admin)
STOCKHOLM = ZoneInfo("Europe/Stockholm")
PAGE_SIZE = 200
OBJECT_TYPES = {
    "issue": "Utskick",
    "block": "Block",
    "user": "Användare",
    "media": "Bild",
    "subscriber": "Prenumerant",
    "import": "Import",
    "suppression": "Spärr",
    "commitment": "Åtagande i löftet",
}


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _criteria() -> tuple[AuditFilter, dict[str, str]]:
    args = request.args
    since, until = _day("fran"), _day("till")
    action = args.get("handelse", "")
    object_type = args.get("typ", "")
    criteria = AuditFilter(
        actor=args.get("vem", "").strip(),
        action=action if action in ACTION_LABELS else "",
        object_type=object_type if object_type in OBJECT_TYPES else "",
        object_id=args.get("objekt", "").strip(),
        since=datetime.combine(since, time(), STOCKHOLM) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), STOCKHOLM) if until else None,
    )
    shown = {
        "vem": criteria.actor,
        "handelse": criteria.action,
        "typ": criteria.object_type,
        "objekt": criteria.object_id,
        "fran": since.isoformat() if since else "",
        "till": until.isoformat() if until else "",
    }
    return criteria, shown


@bp.get("/", endpoint="index")
def index() -> str:
    criteria, shown = _criteria()
    page = max(request.args.get("sida", 1, type=int) or 1, 1)
    events = find_events(db(), criteria, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "editor/audit.html",
        events=events[:PAGE_SIZE],
        more=len(events) > PAGE_SIZE,
        page=page,
        shown=shown,
        query={k: v for k, v in shown.items() if v},
        actions=ACTION_LABELS,
        object_types=OBJECT_TYPES,
        tz=STOCKHOLM,
    )


@bp.get("/export.csv", endpoint="csv")
def export() -> Response:
    criteria, _ = _criteria()
    body = events_to_csv(iter_events(web_context().session_factory, criteria))
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="tryggnews-logg.csv"',
            "Cache-Control": "no-store",
        },
    )
