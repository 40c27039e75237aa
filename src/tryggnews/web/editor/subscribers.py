"""The subscriber list in the workspace: counts for every editor, people for administrators.

``/redaktion/prenumeranter`` shows how many subscribe, per status, audience and
language, to anyone logged in. Administrators also search by address or name (a
prefix, any case, keyset-paginated: ``subscribers.search``) and open a person's
page; an editor asking for a person gets 403. The changes a person page offers are
in ``subscriber_actions``.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from werkzeug.wrappers import Response

from tryggnews.content.vocabulary_usage import key_usage
from tryggnews.db.models import Subscriber, SubscriberStatus, UserRole
from tryggnews.subscribers.lifecycle import SUBSCRIBED, is_paused
from tryggnews.subscribers.person import load_person
from tryggnews.subscribers.search import Cursor, SearchField, count_by_status, search
from tryggnews.subscribers.suppression import suppression_counts
from tryggnews.web.editor import subscriber_labels
from tryggnews.web.editor.guard import current_user, db, now, require_admin
from tryggnews.web.editor.services import services

bp = Blueprint("subscribers", __name__, url_prefix="/redaktion/prenumeranter")


@bp.context_processor
def labels() -> dict[str, object]:
    return dict(subscriber_labels.ALL)


def is_admin() -> bool:
    return current_user().role is UserRole.ADMIN


def _cursor() -> Cursor | None:
    key = request.args.get("efter")
    if key is None:
        return None
    return Cursor(key, request.args.get("efter_id", 0, type=int) or 0)


@bp.get("/", endpoint="index")
def index() -> str:
    session = db()
    query = request.args.get("q", "").strip()
    field = SearchField.NAME if request.args.get("i") == SearchField.NAME else SearchField.ADDRESS
    page = None
    if is_admin() and query:
        page = search(session, field, query, after=_cursor())
    counts = None
    if page is None:
        by_status = count_by_status(session)
        counts = {
            "total": sum(by_status.values()),
            "by_status": [(status, by_status.get(status, 0)) for status in SubscriberStatus],
            "usage": key_usage(session, SUBSCRIBED),
            "suppressed": sum(suppression_counts(session).values()),
        }
    return render_template(
        "editor/subscribers.html",
        admin=is_admin(),
        query=query,
        field=field.value,
        page=page,
        counts=counts,
        vocabulary=services().vocabulary,
    )


def subscriber_or_404(subscriber_id: int) -> Subscriber:
    subscriber = db().get(Subscriber, subscriber_id)
    if subscriber is None:
        abort(404)
    return subscriber


@bp.get("/<int:subscriber_id>", endpoint="person")
def person(subscriber_id: int) -> str | Response:
    require_admin()
    subscriber = subscriber_or_404(subscriber_id)
    found = load_person(db(), subscriber, secret_key=services().settings.require_secret_key())
    return render_template(
        "editor/subscriber.html",
        person=found,
        subscriber=subscriber,
        paused=is_paused(subscriber, now()),
        vocabulary=services().vocabulary,
    )
