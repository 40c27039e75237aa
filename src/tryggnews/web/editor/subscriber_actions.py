"""What an administrator can do to one subscriber: pause, resume, unsubscribe, resend the
confirmation, export their data, erase them; and download the whole list as CSV.

Each is a POST with the CSRF token, admin only, done through the subscriber room's
own functions (``lifecycle``, ``gdpr``) on the ``admin`` consent channel, and written
to the audit log in the same transaction. The audit entries name the subscriber by
number, never by address: the log outlives an erasure.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from tryggnews.content import audit
from tryggnews.db.models import Subscriber, SubscriberStatus
from tryggnews.errors import ValidationError
from tryggnews.subscribers.export import export_subscribers
from tryggnews.subscribers.gdpr import erase_address, export_person
from tryggnews.subscribers.lifecycle import Actor, pause, resume, unsubscribe
from tryggnews.subscribers.notices import confirmation_notice
from tryggnews.web.context import web_context
from tryggnews.web.editor import subscriber_labels
from tryggnews.web.editor.guard import current_user, db, now, require_admin
from tryggnews.web.editor.subscribers import subscriber_or_404
from tryggnews.web.public.state import public_state

bp = Blueprint("subscriber_actions", __name__, url_prefix="/redaktion/prenumeranter")
bp.before_request(require_admin)
bp.context_processor(lambda: dict(subscriber_labels.ALL))
STOCKHOLM = ZoneInfo("Europe/Stockholm")
CHANNEL = "admin"


def _actor() -> Actor:
    return Actor(channel=CHANNEL, now=now(), secret_key=web_context().settings.require_secret_key())


def _audit(action: str, subscriber_id: int, details: dict[str, object] | None = None) -> None:
    audit.record(
        db(),
        actor=current_user().email,
        action=action,
        object_type="subscriber",
        object_id=subscriber_id,
        details=details,
        at=now(),
    )


def _back(subscriber: Subscriber) -> Response:
    return redirect(url_for("editor.subscribers.person", subscriber_id=subscriber.id))


@bp.post("/<int:subscriber_id>/pausa", endpoint="pause")
def pause_view(subscriber_id: int) -> Response:
    subscriber = subscriber_or_404(subscriber_id)
    try:
        last_day = date.fromisoformat(request.form.get("till", ""))
    except ValueError:
        flash("Välj det sista datumet i pausen.", "error")
        return _back(subscriber)
    # "Till och med" the chosen day: sending starts again the morning after.
    until = datetime.combine(last_day + timedelta(days=1), time(), STOCKHOLM)
    try:
        pause(db(), subscriber, until, by=_actor())
    except ValidationError:
        db().rollback()
        flash(
            "Bara en aktiv prenumeration kan pausas, och pausen måste sluta efter i dag.", "error"
        )
        return _back(subscriber)
    _audit("subscriber.pause", subscriber.id, {"until": until.isoformat()})
    db().commit()
    flash(f"Prenumerationen är pausad till och med {last_day.isoformat()}.", "ok")
    return _back(subscriber)


@bp.post("/<int:subscriber_id>/ateruppta", endpoint="resume")
def resume_view(subscriber_id: int) -> Response:
    subscriber = subscriber_or_404(subscriber_id)
    if resume(db(), subscriber, by=_actor()):
        _audit("subscriber.resume", subscriber.id)
        db().commit()
        flash("Pausen är avslutad; personen får nyhetsbrevet igen.", "ok")
    else:
        flash("Prenumerationen var inte pausad.", "error")
    return _back(subscriber)


@bp.post("/<int:subscriber_id>/avregistrera", endpoint="unsubscribe")
def unsubscribe_view(subscriber_id: int) -> Response:
    subscriber = subscriber_or_404(subscriber_id)
    if unsubscribe(db(), subscriber, by=_actor()):
        _audit("subscriber.unsubscribe", subscriber.id)
        db().commit()
        flash("Personen är avregistrerad och får inga fler utskick.", "ok")
    else:
        flash("Personen var redan avregistrerad.", "error")
    return _back(subscriber)


@bp.post("/<int:subscriber_id>/bekraftelse", endpoint="resend_confirmation")
def resend_confirmation(subscriber_id: int) -> Response:
    subscriber = subscriber_or_404(subscriber_id)
    if subscriber.status is not SubscriberStatus.PENDING:
        flash("Bara en anmälan som väntar på bekräftelse kan få en ny bekräftelselänk.", "error")
        return _back(subscriber)
    context = web_context()
    token = context.signer.confirm_token(subscriber.id, subscriber.token_salt)
    path = url_for("public.confirm_page", token=token)[len(request.script_root) :]
    # The public pages' mail queue: the same message, sent the same way as at sign-up.
    public_state().mailer.submit(
        confirmation_notice(
            public_state().notices,
            to=subscriber.email,
            confirm_url=context.settings.base_url + path,
            now=now(),
            language=subscriber.language,
        )
    )
    _audit("subscriber.confirmation_resent", subscriber.id)
    db().commit()
    flash(f"En ny bekräftelselänk skickas till {subscriber.email}.", "ok")
    return _back(subscriber)


@bp.post("/<int:subscriber_id>/export", endpoint="export")
def export_view(subscriber_id: int) -> Response:
    subscriber = subscriber_or_404(subscriber_id)
    data = export_person(
        db(),
        email_key=subscriber.email_key,
        secret_key=web_context().settings.require_secret_key(),
        now=now(),
    )
    _audit("subscriber.export", subscriber.id)
    db().commit()
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n",
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="prenumerant-{subscriber.id}.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/<int:subscriber_id>/radera", endpoint="erase_confirm")
def erase_confirm(subscriber_id: int) -> str:
    return render_template(
        "editor/subscriber_erase.html", subscriber=subscriber_or_404(subscriber_id)
    )


@bp.post("/<int:subscriber_id>/radera", endpoint="erase")
def erase_view(subscriber_id: int) -> Response:
    subscriber = subscriber_or_404(subscriber_id)
    if request.form.get("bekrafta") != "ja":
        flash("Kryssa i rutan för att bekräfta raderingen.", "error")
        return redirect(
            url_for("editor.subscriber_actions.erase_confirm", subscriber_id=subscriber.id)
        )
    address = subscriber.email
    erase_address(db(), subscriber.email_key, by=_actor(), subscriber=subscriber)
    _audit("subscriber.erase", subscriber_id)
    db().commit()
    flash(f"{address} är raderad och står på spärrlistan.", "ok")
    return redirect(url_for("editor.subscribers.index"))


@bp.post("/export.csv", endpoint="export_list")
def export_list() -> Response:
    """The list as the CSV the importer reads (active and paused people), formula-safe;
    with "För Excel" it starts with a byte order mark."""
    buffer = io.StringIO()
    excel = request.form.get("excel") == "1"
    count = export_subscribers(db(), "csv", buffer, excel=excel)
    audit.record(
        db(),
        actor=current_user().email,
        action="subscriber.export_list",
        object_type="subscriber",
        details={"count": count, "excel": excel},
        at=now(),
    )
    db().commit()
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="prenumeranter.csv"',
            "Cache-Control": "no-store",
        },
    )
