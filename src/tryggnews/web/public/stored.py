"""The page of the person's stored data (``/p/<token>/mina-uppgifter``), read cheaply.

The preference page itself only links here, so that a view of it reads and renders no
history. The full data export (``subscribers.gdpr.export_person``) runs only when the person
asks for it (``/p/<token>/mina-uppgifter.json``). The page shows the stored fields
of the subscriber already loaded for the link, the consent history (indexed by the
address hash) and the issues sent to the person (indexed by subscriber), each linked
to its archive page when the public may read it. Which issues are public comes from
the archive's in-memory index (``PublicIndex``): one aggregate query for the whole
list, never one per issue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import render_template
from sqlalchemy import bindparam, select

from tryggnews.archive.feed import archive_url
from tryggnews.db.models import ConsentEvent, Delivery, Issue, Subscriber
from tryggnews.db.reads import read_all
from tryggnews.subscribers.gdpr import subscriber_record
from tryggnews.subscribers.suppression import address_hash
from tryggnews.subscribers.tokens import TokenPurpose
from tryggnews.web.context import web_context
from tryggnews.web.public.archive import archive_state
from tryggnews.web.public.links import view_subscriber

# The page's two reads of the person's history, built once and run on the app's reader
# (``db.reads``): building a select costs more than running it on an indexed table, and
# a session's transaction (on PostgreSQL its pre-ping and rollback: two more round trips)
# and the ORM's entity loading add nothing to a page that only prints the values. They read what
# ``subscribers.consent.history`` and ``subscribers.person.deliveries_of`` read, and only
# the columns the page shows.
_EVENTS = (
    select(
        ConsentEvent.created_at.label("at"),
        ConsentEvent.kind,
        ConsentEvent.channel,
        ConsentEvent.legal_basis,
        ConsentEvent.text_version,
        ConsentEvent.text_sha256,
    )
    .where(ConsentEvent.email_hash == bindparam("email_hash"))
    .order_by(ConsentEvent.created_at, ConsentEvent.id)
)
_DELIVERIES = (
    select(Issue.key, Issue.title, Delivery.status, Delivery.sent_at)
    .join(Issue, Issue.id == Delivery.issue_id)
    .where(Delivery.subscriber_id == bindparam("subscriber_id"))
    .order_by(Delivery.id)
)


def stored_data(token: str) -> str:
    """What is stored about the person the manage link names (a bad link: the 400 page)."""
    stored = stored_for_page(view_subscriber(TokenPurpose.MANAGE, token))
    return render_template("public/stored_data.html", token=token, stored=stored)


def stored_for_page(subscriber: Subscriber) -> dict[str, Any]:
    """The page's view of the person: ``subscriber``, ``consent_events``, ``deliveries``
    (each with ``archive_url``, None for an issue the public may not read)."""
    context = web_context()
    email_hash = address_hash(context.settings.require_secret_key(), subscriber.email_key)
    events = read_all(context.reader, _EVENTS, {"email_hash": email_hash})
    lines = read_all(context.reader, _DELIVERIES, {"subscriber_id": subscriber.id})
    public: Mapping[str, object] = {}
    if lines:
        # The archive's index is in memory; a session connects only when it is due a
        # version check (at most once a second).
        with context.session_factory() as session:
            public = archive_state().index.by_key(session)
    site = context.settings.public_url
    return {
        "subscriber": subscriber_record(subscriber),
        "consent_events": [{**event, "kind": event["kind"].value} for event in events],
        "deliveries": [
            {
                "title": line["title"],
                "status": line["status"].value,
                "sent_at": line["sent_at"],
                "archive_url": archive_url(site, line["key"]) if line["key"] in public else None,
            }
            for line in lines
        ],
    }
