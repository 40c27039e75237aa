"""Send an issue: claim a batch from the ledger, personalise, hand to a transport, record.

The loop follows the ledger, never its own memory: each batch is claimed in a
short transaction, built and sent outside any transaction, and its results are
recorded in another short one. A row is ``sent`` only after the transport
accepted its message, so stopping at any point — a crash, Ctrl-C — loses nobody,
and running the send again sends only what is still outstanding.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock
from tryggnews.db.models import DeliveryStatus, Issue
from tryggnews.delivery.ledger import (
    ClaimedDelivery,
    claim_batch,
    complete_issue,
    ledger_counts,
    outstanding_variants,
    record_results,
    release_claims,
)
from tryggnews.delivery.message import MessageTemplate, ascii_address
from tryggnews.delivery.transports.base import (
    OutgoingMessage,
    SendResult,
    SendStatus,
    Transport,
)
from tryggnews.errors import ConfigError, NotFoundError, TryggnewsError
from tryggnews.subscribers.tokens import TokenSigner

_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?")
_NOT_ID_TEXT = re.compile(r"[^A-Za-z0-9.\-]")


@dataclass(frozen=True)
class SendSummary:
    """Where the issue's ledger stands after this run, and what this run handed over.

    ``sent`` … ``skipped`` count the issue's rows in each final-or-waiting state
    (all workers together); ``outstanding`` is rows still pending or claimed by
    another worker; ``accepted_now`` is how many messages this run got accepted;
    ``complete`` is whether the issue is now marked sent.
    """

    sent: int
    retrying: int
    failed: int
    bounced: int
    skipped: int
    outstanding: int
    accepted_now: int
    complete: bool


def send_issue(
    session_factory: sessionmaker[Session],
    issue_id: int,
    *,
    templates: Mapping[str, MessageTemplate],
    transport: Transport,
    signer: TokenSigner,
    clock: Clock,
    worker_id: str,
    batch_size: int,
    message_id_domain: str,
    progress: Callable[[int], None] | None = None,
) -> SendSummary:
    """Deliver every claimable ledger row of the issue, batch by batch, then summarise.

    Returns when nothing is claimable now: everything is done, or the remaining rows
    wait for a retry time or belong to another worker. When no row is pending,
    claimed or retrying, the issue is marked ``sent``. ``templates`` maps each
    variant key in the ledger to its message; a missing one raises before anything
    is sent. ``progress`` is called after each batch with the number of messages
    it handled. The caller snapshots the audience first (``snapshot_audience``)
    and closes the transport afterwards.
    """
    if batch_size <= 0:
        raise ValueError("batch_size must be positive")
    if not _DOMAIN.fullmatch(message_id_domain):
        raise ConfigError(f"Message-ID domain {message_id_domain!r} is not an ASCII domain name")
    with session_factory() as session:
        issue_key = _check_ready(session, issue_id, templates)
    id_prefix = _NOT_ID_TEXT.sub("-", issue_key)

    accepted_now = 0
    while True:
        with session_factory.begin() as session:
            claimed = claim_batch(
                session, issue_id, worker_id=worker_id, limit=batch_size, now=clock.now()
            )
        if not claimed:
            break
        _check_templates(claimed, templates, issue_key, session_factory, worker_id, clock)
        messages, results = _build_messages(
            claimed, templates, signer, clock, f"{id_prefix}.", f"@{message_id_domain}>"
        )
        try:
            if messages:
                results += transport.send(messages)
        except BaseException as exc:
            # Unanswered: hand the batch back at once rather than after the lease.
            # A message the transport did accept before failing goes out again on
            # the next run (at least once, never lost).
            with session_factory.begin() as session:
                release_claims(
                    session,
                    [m.delivery_id for m in messages],
                    worker_id=worker_id,
                    now=clock.now(),
                    reason=f"{transport.name} transport error: {exc}",
                )
            raise
        results = _one_per_message(results, claimed)
        with session_factory.begin() as session:
            record_results(
                session,
                results,
                now=clock.now(),
                worker_id=worker_id,
                message_ids={m.delivery_id: m.message_id for m in messages},
            )
        accepted_now += sum(1 for r in results if r.status == SendStatus.ACCEPTED)
        if progress is not None:
            progress(len(claimed))

    with session_factory.begin() as session:
        complete = complete_issue(session, issue_id, now=clock.now())
        counts = ledger_counts(session, issue_id)
    return SendSummary(
        sent=counts[DeliveryStatus.SENT],
        retrying=counts[DeliveryStatus.RETRY],
        failed=counts[DeliveryStatus.FAILED],
        bounced=counts[DeliveryStatus.BOUNCED],
        skipped=counts[DeliveryStatus.SKIPPED],
        outstanding=counts[DeliveryStatus.PENDING] + counts[DeliveryStatus.CLAIMED],
        accepted_now=accepted_now,
        complete=complete,
    )


def _check_ready(session: Session, issue_id: int, templates: Mapping[str, MessageTemplate]) -> str:
    issue_key = session.scalar(select(Issue.key).where(Issue.id == issue_id))
    if issue_key is None:
        raise NotFoundError(f"issue id {issue_id} does not exist")
    counts = ledger_counts(session, issue_id)
    if not sum(counts.values()):
        # Sending an empty ledger would mark the issue sent to nobody.
        raise TryggnewsError(
            f"issue {issue_key} has no deliveries in the ledger: snapshot the audience first"
        )
    missing = outstanding_variants(session, issue_id) - set(templates)
    if missing:
        raise TryggnewsError(_missing_message(issue_key, missing))
    return issue_key


def _missing_message(issue_key: str, missing: set[str]) -> str:
    return (
        f"issue {issue_key}: no message for variant(s) {', '.join(sorted(missing))} "
        "recorded in the ledger — the issue changed since sending began; render the "
        "variants the ledger was snapshotted with"
    )


def _check_templates(
    claimed: Sequence[ClaimedDelivery],
    templates: Mapping[str, MessageTemplate],
    issue_key: str,
    session_factory: sessionmaker[Session],
    worker_id: str,
    clock: Clock,
) -> None:
    # Checked before the loop too; this catches rows a second snapshot added meanwhile.
    missing = {c.variant for c in claimed} - set(templates)
    if not missing:
        return
    with session_factory.begin() as session:
        release_claims(
            session,
            [c.delivery_id for c in claimed],
            worker_id=worker_id,
            now=clock.now(),
            reason="no message for this variant",
        )
    raise TryggnewsError(_missing_message(issue_key, missing))


def _build_messages(
    claimed: Sequence[ClaimedDelivery],
    templates: Mapping[str, MessageTemplate],
    signer: TokenSigner,
    clock: Clock,
    id_prefix: str,
    id_suffix: str,
) -> tuple[list[OutgoingMessage], list[SendResult]]:
    """The batch's messages, and a ``failed`` result for each that cannot be built."""
    now = clock.now()
    messages: list[OutgoingMessage] = []
    refused: list[SendResult] = []
    for row in claimed:
        # Random part: a resent message (after a crash) gets a new, still unique id.
        message_id = f"<{id_prefix}{row.delivery_id}.{secrets.token_hex(6)}{id_suffix}"
        try:
            recipient = ascii_address(row.email)
            raw = templates[row.variant].build(
                to_address=row.email,
                to_name=row.name,
                manage_token=signer.manage_token(row.subscriber_id, row.token_salt),
                unsubscribe_token=signer.unsubscribe_token(row.subscriber_id, row.token_salt),
                message_id=message_id,
                date=now,
            )
        except ValueError as exc:
            # A bad address or name fails this row for good; the batch goes on.
            refused.append(SendResult(row.delivery_id, SendStatus.FAILED, f"not built: {exc}"))
            continue
        messages.append(OutgoingMessage(row.delivery_id, recipient, message_id, raw))
    return messages, refused


def _one_per_message(
    results: Sequence[SendResult], claimed: Sequence[ClaimedDelivery]
) -> list[SendResult]:
    """Exactly one result per claimed row, whatever the transport returned.

    A row the transport did not answer for is retried, not assumed sent; answers
    for rows not in the batch are ignored; the first answer for a row wins.
    """
    by_id: dict[int, SendResult] = {}
    for result in results:
        by_id.setdefault(result.delivery_id, result)
    return [
        by_id.get(c.delivery_id)
        or SendResult(c.delivery_id, SendStatus.RETRY, "transport returned no result")
        for c in claimed
    ]
