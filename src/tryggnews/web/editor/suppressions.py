"""Suppressions and bounces for administrators: what came back, and lifting a suppression.

The suppression list holds keyed hashes only, so it cannot be listed by address;
a suppression is lifted by naming the address (or from the person's page), with a
reason that goes into the audit log together with the list entry it removed.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from tryggnews.content import audit
from tryggnews.errors import ValidationError
from tryggnews.subscribers.bounce_report import recent_bounce_mail, recent_bounces
from tryggnews.subscribers.emails import normalise_email
from tryggnews.subscribers.lifecycle import find_subscriber
from tryggnews.subscribers.suppression import address_hash, lift_suppression, suppression_counts
from tryggnews.web.context import web_context
from tryggnews.web.editor import subscriber_labels
from tryggnews.web.editor.guard import current_user, db, now, require_admin

bp = Blueprint("suppressions", __name__, url_prefix="/redaktion/sparrar")
bp.before_request(require_admin)
bp.context_processor(lambda: dict(subscriber_labels.ALL))
MAX_REASON_CHARS = 500


def _page(
    problems: list[str] | None = None, form: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    session = db()
    counts = suppression_counts(session)
    return render_template(
        "editor/suppressions.html",
        counts=counts,
        total=sum(counts.values()),
        bounces=recent_bounces(session),
        bounce_mail=recent_bounce_mail(session),
        problems=problems or [],
        form=form or {"email": "", "reason": ""},
    ), status


@bp.get("/", endpoint="index")
def index() -> tuple[str, int]:
    return _page()


@bp.post("/hav", endpoint="lift")
def lift() -> Response | tuple[str, int]:
    form = {
        "email": request.form.get("email", "").strip(),
        "reason": request.form.get("reason", "").strip(),
    }
    problems: list[str] = []
    email_key = ""
    try:
        _address, email_key = normalise_email(form["email"])
    except ValidationError:
        problems.append("Skriv hela e-postadressen som ska tas bort från spärrlistan.")
    if not form["reason"]:
        problems.append("Skriv varför spärren hävs; skälet sparas i loggen.")
    elif len(form["reason"]) > MAX_REASON_CHARS:
        problems.append(f"Skälet får vara högst {MAX_REASON_CHARS} tecken.")
    if problems:
        return _page(problems, form, 400)
    session = db()
    email_hash = address_hash(web_context().settings.require_secret_key(), email_key)
    subscriber = find_subscriber(session, email_key)
    entry = lift_suppression(session, email_hash)
    if entry is None:
        return _page(["Adressen står inte på spärrlistan."], form, 400)
    audit.record(
        session,
        actor=current_user().email,
        action="suppression.lift",
        object_type="suppression",
        # The address itself is not logged: the log outlives an erasure.
        object_id=email_hash[:16],
        details={
            "reason": form["reason"],
            "suppressed_for": entry.reason,
            "suppressed_since": entry.created_at.isoformat(),
            "subscriber": subscriber.id if subscriber is not None else None,
        },
        at=now(),
    )
    session.commit()
    flash(
        f"Spärren för {form['email']} är hävd. Adressen kan anmälas igen; "
        "den som anmäler sig får en bekräftelselänk som vanligt.",
        "ok",
    )
    if subscriber is not None and request.form.get("tillbaka") == "person":
        return redirect(url_for("editor.subscribers.person", subscriber_id=subscriber.id))
    return redirect(url_for("editor.suppressions.index"))
