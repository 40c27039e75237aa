"""Send an issue: claim a batch from the ledger, personalise, hand to a transport, record.

The loop follows the ledger, never its own memory: each batch is claimed in a
short transaction, built and sent outside any transaction, and its results are
recorded in another short one. A row is ``sent`` only after the transport
accepted its message, so stopping at any point — a crash, Ctrl-C — loses nobody,
and running the send again sends only what is still outstanding.

This module is the loop and its summary; one batch's claim, messages and recording
are in ``batches``, the renewal of claims while sending in ``lease_keeper``.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock
from tryggnews.db.models import DeliveryStatus
from tryggnews.delivery.batches import Batch, Prepared, build_messages, check_ready, is_paused
from tryggnews.delivery.claims import ClaimedDelivery
from tryggnews.delivery.lease_keeper import LeaseKeeper
from tryggnews.delivery.ledger import complete_issue, ledger_counts
from tryggnews.delivery.message import MessageTemplate, ascii_address
from tryggnews.delivery.options import BatchReport, DeliveryOptions
from tryggnews.delivery.reconnect import lost_database_is_one_line, with_reconnect
from tryggnews.errors import ConfigError
from tryggnews.subscribers.tokens import TokenSigner
from tryggnews.transports.base import MessageForm, SendStatus, Transport

_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?")
_NOT_ID_TEXT = re.compile(r"[^A-Za-z0-9.\-]")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendSummary:
    """Where the issue's ledger stands after this run, and what this run handed over.

    ``sent`` … ``skipped`` count the issue's rows in each final-or-waiting state
    (all workers together); ``outstanding`` is rows still pending or claimed by
    another worker; ``accepted_now`` is how many messages this run got accepted and
    ``attempted_now`` how many rows it claimed and answered for; ``complete`` is
    whether the issue is now marked sent; ``paused`` / ``stopped`` say the run
    ended early because the issue was paused or the worker was asked to stop.
    """

    sent: int
    retrying: int
    failed: int
    bounced: int
    skipped: int
    outstanding: int
    accepted_now: int
    complete: bool
    attempted_now: int = 0
    paused: bool = False
    stopped: bool = False


def check_transport(transport: Transport) -> None:
    """Let a transport that can test its configuration (connect, log in) do so now.

    Called before anything is snapshotted or claimed, so a wrong host, port or
    password refuses the send with a message naming the setting. Transports
    without a ``check`` method (the outbox) need none.
    """
    check = getattr(transport, "check", None)
    if callable(check):
        check()


@lost_database_is_one_line("sending an issue")
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
    options: DeliveryOptions | None = None,
) -> SendSummary:
    """Deliver every claimable ledger row of the issue, batch by batch, then summarise.

    Returns when nothing is claimable now: everything is done, or the remaining rows
    wait for a retry time or belong to another worker — or early, after the
    current batch, when the issue is paused or ``options.stop()`` says so. When no
    row is pending, claimed or retrying, the issue is marked ``sent``.
    ``templates`` maps each variant key in the ledger to its message; a missing
    one raises before anything is sent. ``progress`` is called after each batch
    with the number of rows it handled. The caller snapshots the audience first
    (``snapshot_audience``) and closes the transport afterwards.

    At most one batch is in flight, and its answers are committed in small groups
    as they come (``recorder``): a crash can resend only the messages on the wire
    and those answered since the last group. A database connection lost on the
    way is reopened (``reconnect``); a database that stays away ends the send
    with ``DatabaseUnavailableError``, and running it again finishes it.
    """
    if batch_size <= 0:
        raise ValueError("batch_size must be positive")
    if not _DOMAIN.fullmatch(message_id_domain):
        raise ConfigError(f"Message-ID domain {message_id_domain!r} is not an ASCII domain name")
    options = options or DeliveryOptions()
    redirect_to = _redirect_address(options.redirect_to)
    with session_factory() as session:
        issue_key = check_ready(session, issue_id, templates)
    id_prefix = _NOT_ID_TEXT.sub("-", issue_key)
    batch = Batch(session_factory, issue_key, transport.name, worker_id, clock, options, templates)

    limiter = options.limiter

    def prepare() -> Prepared:
        """Permission, a claim and the built messages of the next batch (or why none)."""
        if options.stop is not None and options.stop():
            return Prepared(stopped=True)
        want = batch_size
        if limiter is not None:
            # Reserved in the database, shared with every other sender (``ratelimit``).
            want = limiter.acquire_some(limiter.burst(batch_size), stop=options.stop)
            if not want:
                return Prepared(stopped=True)

        def claim() -> tuple[bool, list[ClaimedDelivery]]:
            with session_factory.begin() as session:
                paused = is_paused(session, issue_id)
                return paused, [] if paused else batch.claim(session, issue_id, want)

        paused, claimed = with_reconnect(claim, what=f"claiming a batch of issue {issue_key}")
        if limiter is not None:
            limiter.give_back(want - len(claimed))
        if not claimed:
            return Prepared(paused=paused)
        batch.check_templates(claimed)
        messages, refused = build_messages(
            claimed,
            templates,
            signer,
            clock,
            f"{id_prefix}.",
            f"@{message_id_domain}>",
            redirect_to,
            options.verp.for_delivery if options.verp is not None else None,
            getattr(transport, "message_form", MessageForm.LF),
        )
        return Prepared(claimed, messages, refused)

    accepted_now = attempted_now = batches = 0
    paused = stopped = False
    # The next batch is claimed and built while the current one is on the wire, so the
    # connections do not wait for the database. Only one batch is ever at the
    # transport: the prepared one is not sent yet, so a crash cannot duplicate it.
    with (
        LeaseKeeper(session_factory, worker_id, clock, options.lease),
        ThreadPoolExecutor(1, thread_name_prefix="prepare") as ahead,
    ):
        upcoming = ahead.submit(prepare)
        while True:
            current = upcoming.result()
            if not current.claimed:
                paused, stopped = current.paused, current.stopped
                break
            if attempted_now:
                # Prepared while the last batch was out: pause or stop may have come since.
                halt = batch.halt_reason(issue_id)
                if halt is not None:
                    batch.release_all(current.claimed, halt)
                    paused, stopped = halt == "paused", halt == "stopped"
                    break
            upcoming = ahead.submit(prepare)
            started = time.perf_counter()
            results = batch.send(
                current.claimed,
                current.messages,
                current.results,
                transport,
                # Settled before the failed batch is handed back, so the preparation
                # cannot claim those rows again meanwhile.
                on_failure=partial(batch.drop_prepared, upcoming),
            )
            accepted = sum(1 for r in results if r.status == SendStatus.ACCEPTED)
            accepted_now += accepted
            attempted_now += len(current.claimed)
            batches += 1
            _report_batch(
                BatchReport(
                    issue=issue_key,
                    transport=transport.name,
                    batch=batches,
                    counts=dict(Counter(r.status.value for r in results)),
                    seconds=time.perf_counter() - started,
                ),
                options,
            )
            if progress is not None:
                progress(len(current.claimed))

    def finish() -> tuple[bool, Mapping[DeliveryStatus, int]]:
        with session_factory.begin() as session:
            return complete_issue(session, issue_id, now=clock.now()), ledger_counts(
                session, issue_id
            )

    complete, counts = with_reconnect(finish, what=f"completing the send of issue {issue_key}")
    return ledger_summary(
        counts,
        accepted_now=accepted_now,
        complete=complete,
        attempted_now=attempted_now,
        paused=paused and not complete,
        stopped=stopped,
    )


def ledger_summary(
    counts: Mapping[DeliveryStatus, int],
    *,
    accepted_now: int = 0,
    complete: bool = False,
    attempted_now: int = 0,
    paused: bool = False,
    stopped: bool = False,
) -> SendSummary:
    """A ``SendSummary`` from ``ledger_counts`` and what this run did."""
    return SendSummary(
        sent=counts[DeliveryStatus.SENT],
        retrying=counts[DeliveryStatus.RETRY],
        failed=counts[DeliveryStatus.FAILED],
        bounced=counts[DeliveryStatus.BOUNCED],
        skipped=counts[DeliveryStatus.SKIPPED],
        outstanding=counts[DeliveryStatus.PENDING] + counts[DeliveryStatus.CLAIMED],
        accepted_now=accepted_now,
        complete=complete,
        attempted_now=attempted_now,
        paused=paused,
        stopped=stopped,
    )


def _report_batch(report: BatchReport, options: DeliveryOptions) -> None:
    """One log line per batch with its figures as fields (never an address), and the
    options' observer, if any."""
    accepted = report.counts.get(SendStatus.ACCEPTED.value, 0)
    logger.info(
        "issue %s batch %d: %d of %d accepted in %.2f s",
        report.issue,
        report.batch,
        accepted,
        sum(report.counts.values()),
        report.seconds,
        extra={
            "issue": report.issue,
            "batch": report.batch,
            "transport": report.transport,
            "counts": dict(report.counts),
            "seconds": round(report.seconds, 3),
        },
    )
    if options.on_batch is not None:
        options.on_batch(report)


def _redirect_address(redirect_to: str | None) -> str | None:
    if not redirect_to:
        return None
    try:
        return ascii_address(redirect_to, field="TRYGGNEWS_REDIRECT_ALL_TO")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
