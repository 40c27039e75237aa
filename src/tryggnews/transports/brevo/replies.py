"""Brevo's answers: the ids it gives, its own words when it refuses, and the results.

Separate from the transport so what an answer *says* (ids, ``code: message``, the
setting to check) is apart from what the transport *does* about it (retry, wait,
halve the call, stop).
"""

from __future__ import annotations

from collections.abc import Sequence

import requests

from tryggnews.transports.base import OutgoingMessage, SendResult, SendStatus
from tryggnews.transports.brevo.payload import BrevoVersion


def make_result(message: OutgoingMessage, status: SendStatus, detail: str) -> SendResult:
    return SendResult(message.delivery_id, status, detail)


def make_retry(version: BrevoVersion, detail: str) -> SendResult:
    return make_result(version.message, SendStatus.RETRY, detail)


def make_accepted(versions: Sequence[BrevoVersion], ids: Sequence[str]) -> list[SendResult]:
    return [
        make_result(v.message, SendStatus.ACCEPTED, f"brevo {ids[i]}" if i < len(ids) else "brevo")
        for i, v in enumerate(versions)
    ]


def read_message_ids(response: requests.Response) -> list[str]:
    try:
        data = response.json()
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    ids = data.get("messageIds")
    if isinstance(ids, list):
        return [str(i) for i in ids]
    single = data.get("messageId")
    return [str(single)] if single is not None else []


def read_brevo_message(response: requests.Response) -> str:
    """Brevo's own words from an error answer: ``code: message``, or the start of the body."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and ("message" in data or "code" in data):
        code, message = data.get("code"), data.get("message")
        return ": ".join(str(part) for part in (code, message) if part)
    text = response.text.strip()
    return text[:200] if text else response.reason or "no explanation"


def explain_refusal(status: int, said: str, url: str) -> str:
    """Why the send stops, with Brevo's words and what to check."""
    if status == 401:
        return f"Brevo refused the API key ({status} {said}): check TRYGGNEWS_BREVO_API_KEY"
    if status == 402:
        return (
            f"Brevo refused the send ({status} {said}): the account is out of credits or its "
            "plan does not allow this send; add credits in Brevo, then run the send again"
        )
    if status == 403:
        return (
            f"Brevo does not allow this ({status} {said}): check the API key's permissions "
            "and authorised IP addresses in Brevo (TRYGGNEWS_BREVO_API_KEY)"
        )
    if status == 400:
        return (
            f"Brevo rejected the request ({status} {said}): check that TRYGGNEWS_SENDER_ADDRESS "
            "is a verified sender in Brevo"
        )
    if status in (404, 405):
        return f"no Brevo API at {url} ({status}): check TRYGGNEWS_BREVO_BASE_URL"
    if status == 413:
        return f"Brevo found the request too large ({said}): lower TRYGGNEWS_BREVO_BATCH_SIZE"
    return f"Brevo answered {status} ({said}): check the Brevo account and TRYGGNEWS_BREVO_*"
