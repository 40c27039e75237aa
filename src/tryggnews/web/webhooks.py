"""Webhooks from the mail provider: Brevo's reports of bounces, complaints and unsubscribes.

``POST /webhooks/brevo`` takes one Brevo event (a JSON object) or a list of them.
It is a machine-to-machine endpoint: no cookie, no CSRF token, JSON answers.

* Authentication: the shared secret ``TRYGGNEWS_WEBHOOK_SECRET``, sent as
  ``Authorization: Bearer SECRET`` (preferred: a query string ends up in access
  logs) or as ``?token=SECRET`` for providers that can only call a URL. With no
  secret set the endpoint does not exist (404): never open by accident.
* Wrong secret → 403; a body over ``MAX_BODY_BYTES``, JSON nested too deep to
  read, malformed JSON or an event without its fields → 400; in all these cases
  nothing changes. Otherwise every event is applied in one transaction
  (``delivery.bounces.apply_reports``), once: a replay answers 200 and changes
  nothing. An event is applied only to the delivery its Message-ID names and only
  when the event's address is that delivery's recipient; the others are recorded
  and counted as ``unmatched``. Events we do not act on are counted and ignored.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy.exc import IntegrityError

from tryggnews.delivery.bounces import (
    DeliveryReport,
    ReportKind,
    ReportSummary,
    apply_reports,
    report_key,
)
from tryggnews.errors import ValidationError
from tryggnews.web.context import csrf, web_context

bp = Blueprint("webhooks", __name__)

PROVIDER = "brevo"
# Brevo's transactional event names → what they mean for us.
BREVO_EVENTS = {
    "hard_bounce": ReportKind.HARD_BOUNCE,
    "soft_bounce": ReportKind.SOFT_BOUNCE,
    "spam": ReportKind.COMPLAINT,
    "unsubscribed": ReportKind.UNSUBSCRIBED,
    "blocked": ReportKind.BLOCKED,
    "delivered": ReportKind.DELIVERED,
}
# Brevo echoes the custom header each message version carried (our Message-ID).
CUSTOM_FIELD = "X-Mailin-custom"
MAX_REASON = 500
# Brevo posts one event, or a batch of a few hundred (~1 KB each): far below this.
MAX_BODY_BYTES = 1024 * 1024


def brevo_reports(payload: Any) -> tuple[list[DeliveryReport], int]:
    """Brevo's JSON (one event or a list) as reports, and how many events were ignored.

    Raises ``ValidationError`` naming the event and field when an event we act on
    lacks its ``email`` or ``message-id``, or an item is not an event at all.
    """
    items = payload if isinstance(payload, list) else [payload]
    reports: list[DeliveryReport] = []
    ignored = 0
    for index, item in enumerate(items):
        where = f"event {index + 1}"
        if not isinstance(item, dict):
            raise ValidationError(f"{where}: not a JSON object")
        event = item.get("event")
        if not isinstance(event, str) or not event:
            raise ValidationError(f'{where}: "event" is missing')
        kind = BREVO_EVENTS.get(event)
        if kind is None:
            ignored += 1
            continue
        email = _text(item, "email", where)
        if "@" not in email:
            raise ValidationError(f'{where}: "email" is not an address')
        message_id = _text(item, "message-id", where)
        custom = item.get(CUSTOM_FIELD)
        reason = item.get("reason")
        reports.append(
            DeliveryReport(
                provider=PROVIDER,
                event_key=report_key(message_id, event),
                kind=kind,
                email=email,
                message_ids=tuple(
                    i for i in (custom if isinstance(custom, str) else "", message_id) if i
                ),
                reason=reason[:MAX_REASON] if isinstance(reason, str) else "",
                event=event,
            )
        )
    return reports, ignored


def _text(item: dict[str, Any], name: str, where: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f'{where}: "{name}" is missing')
    return value.strip()


def _authorised(secret: str) -> bool:
    given = ""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        given = credentials.strip()
    elif "token" in request.args:
        given = request.args["token"]
    # Constant-time on bytes (compare_digest refuses non-ASCII str).
    return hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8"))


def _answer(status: int, **body: Any) -> tuple[Response, int]:
    return jsonify(body), status


@bp.post("/webhooks/brevo")
def brevo() -> tuple[Response, int]:
    """Apply Brevo's events (see the module docstring)."""
    context = web_context()
    secret = context.settings.webhook_secret
    if not secret:
        return _answer(404, error="not found")
    if not _authorised(secret):
        return _answer(403, error="wrong or missing webhook secret")
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return _answer(400, error=f"the body is over {MAX_BODY_BYTES} bytes")
    body = request.stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _answer(400, error=f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _answer(400, error="the body is not JSON")
    except RecursionError:
        return _answer(400, error="the JSON is nested too deeply")
    try:
        reports, ignored = brevo_reports(payload)
    except ValidationError as exc:
        return _answer(400, error=str(exc))
    summary = _apply(reports)
    return _answer(
        200,
        applied=summary.applied,
        duplicates=summary.duplicates,
        unmatched=summary.unmatched,
        ignored=ignored,
    )


# A provider cannot fetch a CSRF token; the shared secret is this endpoint's proof.
csrf.exempt(brevo)


def _apply(reports: list[DeliveryReport]) -> ReportSummary:
    """All reports in one transaction. Two deliveries of the same event racing each
    other meet at the unique (provider, event_key): the loser's transaction rolls
    back and, tried once more, finds the event applied."""
    context = web_context()
    settings = context.settings
    for attempt in (1, 2):
        try:
            with context.session_factory.begin() as session:
                return apply_reports(
                    session,
                    reports,
                    secret_key=settings.require_secret_key(),
                    soft_bounce_limit=settings.soft_bounce_limit,
                    now=context.clock.now(),
                )
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
