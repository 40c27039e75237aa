"""Send an issue: claim a batch from the ledger, personalise, hand to a transport, record.

The loop follows the ledger, never its own memory: each batch is claimed in a
short transaction, built and sent outside any transaction, and its results are
recorded in another short one. A row is ``sent`` only after the transport
accepted its message, so stopping at any point — a crash, Ctrl-C — loses nobody,
and running the send again sends only what is still outstanding.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock
from tryggnews.db.models import DeliveryStatus, Issue, IssueStatus
from tryggnews.delivery.bounces import suppress_bounced
from tryggnews.delivery.ledger import (
    DEFAULT_GIVE_UP_AFTER,
    DEFAULT_LEASE,
    ClaimedDelivery,
    claim_batch,
    complete_issue,
    extend_claims,
    ledger_counts,
    outstanding_variants,
    record_results,
    release_claims,
)
from tryggnews.delivery.message import MessageTemplate, ascii_address
from tryggnews.delivery.ratelimit import RateLimiter
from tryggnews.errors import ConfigError, NotFoundError, TryggnewsError
from tryggnews.subscribers.tokens import TokenSigner
from tryggnews.transports.base import (
    OutgoingMessage,
    SendResult,
    SendStatus,
    Transport,
)
from tryggnews.transports.errors import TransportStoppedError

logger = logging.getLogger(__name__)
_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?")
_NOT_ID_TEXT = re.compile(r"[^A-Za-z0-9.\-]")


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


@dataclass(frozen=True)
class DeliveryOptions:
    """How a send behaves beyond what it sends; the defaults suit tests and the outbox.

    ``limiter`` paces messages (rate and hourly cap); ``redirect_to`` sends every
    message to that one address instead (development); ``give_up_after`` ends
    retrying; ``lease`` is how long a claim lasts without renewal — a live sender
    renews it every third of it, so only a dead one's claims run out;
    ``suppression_key`` (the secret key) lets a hard bounce suppress the address
    (without it the ledger row alone says bounced); ``stop`` is asked before
    each batch and ends the run cleanly when true.
    """

    limiter: RateLimiter | None = None
    redirect_to: str | None = None
    give_up_after: timedelta = DEFAULT_GIVE_UP_AFTER
    lease: timedelta = DEFAULT_LEASE
    suppression_key: str | None = None
    stop: Callable[[], bool] | None = None


def check_transport(transport: Transport) -> None:
    """Let a transport that can test its configuration (connect, log in) do so now.

    Called before anything is snapshotted or claimed, so a wrong host, port or
    password refuses the send with a message naming the setting. Transports
    without a ``check`` method (the outbox) need none.
    """
    check = getattr(transport, "check", None)
    if callable(check):
        check()


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

    At most one batch is in flight: a crash can resend only messages the
    transport accepted in that batch before their results were recorded.
    """
    if batch_size <= 0:
        raise ValueError("batch_size must be positive")
    if not _DOMAIN.fullmatch(message_id_domain):
        raise ConfigError(f"Message-ID domain {message_id_domain!r} is not an ASCII domain name")
    options = options or DeliveryOptions()
    redirect_to = _redirect_address(options.redirect_to)
    with session_factory() as session:
        issue_key = _check_ready(session, issue_id, templates)
    id_prefix = _NOT_ID_TEXT.sub("-", issue_key)
    batch = _Batch(session_factory, issue_key, transport.name, worker_id, clock, options, templates)

    limiter = options.limiter

    def prepare() -> _Prepared:
        """Permission, a claim and the built messages of the next batch (or why none)."""
        if options.stop is not None and options.stop():
            return _Prepared(stopped=True)
        want = limiter.burst(batch_size) if limiter is not None else batch_size
        if limiter is not None and not limiter.acquire(want, stop=options.stop):
            return _Prepared(stopped=True)
        with session_factory.begin() as session:
            paused = _is_paused(session, issue_id)
            claimed = [] if paused else batch.claim(session, issue_id, want)
        if limiter is not None:
            limiter.give_back(want - len(claimed))
        if not claimed:
            return _Prepared(paused=paused)
        batch.check_templates(claimed)
        messages, refused = _build_messages(
            claimed,
            templates,
            signer,
            clock,
            f"{id_prefix}.",
            f"@{message_id_domain}>",
            redirect_to,
        )
        return _Prepared(claimed, messages, refused)

    accepted_now = attempted_now = 0
    paused = stopped = False
    # The next batch is claimed and built while the current one is on the wire, so the
    # connections do not wait for the database. Only one batch is ever at the
    # transport: the prepared one is not sent yet, so a crash cannot duplicate it.
    with (
        _LeaseKeeper(session_factory, worker_id, clock, options.lease),
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
            results = batch.send(
                current.claimed,
                current.messages,
                current.results,
                transport,
                # Settled before the failed batch is handed back, so the preparation
                # cannot claim those rows again meanwhile.
                on_failure=partial(batch.drop_prepared, upcoming),
            )
            accepted_now += sum(1 for r in results if r.status == SendStatus.ACCEPTED)
            attempted_now += len(current.claimed)
            if progress is not None:
                progress(len(current.claimed))

    with session_factory.begin() as session:
        complete = complete_issue(session, issue_id, now=clock.now())
        counts = ledger_counts(session, issue_id)
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


@dataclass
class _Prepared:
    """A claimed batch with its messages (and ``failed`` results for unbuildable rows),
    or, when ``claimed`` is empty, why there is none: nothing claimable, paused, stopped."""

    claimed: list[ClaimedDelivery] = field(default_factory=list)
    messages: list[OutgoingMessage] = field(default_factory=list)
    results: list[SendResult] = field(default_factory=list)
    paused: bool = False
    stopped: bool = False


class _Batch:
    """Claiming, sending and recording one batch; the ledger transactions are short."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        issue_key: str,
        transport_name: str,
        worker_id: str,
        clock: Clock,
        options: DeliveryOptions,
        templates: Mapping[str, MessageTemplate],
    ) -> None:
        self.session_factory = session_factory
        self.issue_key = issue_key
        self.transport_name = transport_name
        self.worker_id = worker_id
        self.clock = clock
        self.options = options
        self.templates = templates

    def claim(self, session: Session, issue_id: int, limit: int) -> list[ClaimedDelivery]:
        claimed = claim_batch(
            session,
            issue_id,
            worker_id=self.worker_id,
            limit=limit,
            now=self.clock.now(),
            lease=self.options.lease,
        )
        return claimed

    def check_templates(self, claimed: Sequence[ClaimedDelivery]) -> None:
        # Checked before the loop too; this catches rows a second snapshot added meanwhile.
        missing = {c.variant for c in claimed} - set(self.templates)
        if not missing:
            return
        with self.session_factory.begin() as session:
            self.release(session, [c.delivery_id for c in claimed], "no message for this variant")
        raise TryggnewsError(_missing_message(self.issue_key, missing))

    def send(
        self,
        claimed: Sequence[ClaimedDelivery],
        messages: list[OutgoingMessage],
        results: list[SendResult],
        transport: Transport,
        on_failure: Callable[[], None] | None = None,
    ) -> list[SendResult]:
        """Hand the messages to the transport and record every row's answer.

        When the transport raises, ``on_failure`` runs first, then the batch is
        handed back (what was answered is recorded) and the error re-raised.
        """
        try:
            if messages:
                results += transport.send(messages)
        except BaseException as exc:
            if on_failure is not None:
                on_failure()
            self._hand_back(exc, claimed, messages, results)
            raise
        results = _one_per_message(results, claimed)
        with self.session_factory.begin() as session:
            self.record(session, results, claimed, messages)
        return results

    def _hand_back(
        self,
        exc: BaseException,
        claimed: Sequence[ClaimedDelivery],
        messages: list[OutgoingMessage],
        results: list[SendResult],
    ) -> None:
        """After the transport raised: record what it did answer, release the rest."""
        if isinstance(exc, TransportStoppedError):
            # Accepted ones must not go out again; the rest waits for a later run.
            answered = _only_for(results + exc.results, claimed)
            done = {r.delivery_id for r in answered}
            with self.session_factory.begin() as session:
                self.record(session, answered, claimed, messages)
                self.release(
                    session,
                    [c.delivery_id for c in claimed if c.delivery_id not in done],
                    f"{self.transport_name} transport stopped: {exc}",
                )
            return
        # Unanswered: hand the batch back at once rather than after the lease. A
        # message the transport did accept before failing goes out again on the
        # next run (at least once, never lost).
        with self.session_factory.begin() as session:
            self.release(
                session,
                [m.delivery_id for m in messages],
                f"{self.transport_name} transport error: {exc}",
            )

    def record(
        self,
        session: Session,
        results: Sequence[SendResult],
        claimed: Sequence[ClaimedDelivery],
        messages: Sequence[OutgoingMessage],
    ) -> None:
        now = self.clock.now()
        record_results(
            session,
            results,
            now=now,
            worker_id=self.worker_id,
            message_ids={m.delivery_id: m.message_id for m in messages},
            give_up_after=self.options.give_up_after,
        )
        key = self.options.suppression_key
        bounced = [r for r in results if r.status == SendStatus.BOUNCED]
        if key and bounced:
            subscribers = {c.delivery_id: c.subscriber_id for c in claimed}
            suppress_bounced(
                session,
                [(subscribers[r.delivery_id], r.detail) for r in bounced],
                secret_key=key,
                now=now,
                issue_key=self.issue_key,
                transport=self.transport_name,
            )

    def halt_reason(self, issue_id: int) -> str | None:
        if self.options.stop is not None and self.options.stop():
            return "stopped"
        with self.session_factory() as session:
            return "paused" if _is_paused(session, issue_id) else None

    def release_all(self, claimed: Sequence[ClaimedDelivery], reason: str) -> None:
        with self.session_factory.begin() as session:
            self.release(session, [c.delivery_id for c in claimed], f"not sent: {reason}")

    def drop_prepared(self, upcoming: Future[_Prepared]) -> None:
        """Hand back a batch prepared for a send that failed."""
        try:
            prepared = upcoming.result()
        except Exception:
            return  # it failed too, and released what it had claimed (or claimed nothing)
        if prepared.claimed:
            self.release_all(prepared.claimed, "the batch before it failed")

    def release(self, session: Session, delivery_ids: list[int], reason: str) -> None:
        release_claims(
            session, delivery_ids, worker_id=self.worker_id, now=self.clock.now(), reason=reason
        )


class _LeaseKeeper:
    """Renews this worker's claims every third of the lease while a send runs."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        worker_id: str,
        clock: Clock,
        lease: timedelta,
    ) -> None:
        self._session_factory = session_factory
        self._worker_id = worker_id
        self._clock = clock
        self._lease = lease
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)

    def __enter__(self) -> _LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        interval = self._lease.total_seconds() / 3
        while not self._done.wait(interval):
            try:
                with self._session_factory.begin() as session:
                    extend_claims(
                        session, worker_id=self._worker_id, now=self._clock.now(), lease=self._lease
                    )
            except Exception:
                # The next renewal may succeed; if none does, the claims simply expire
                # and another worker takes the rows over (a duplicate at worst).
                logger.exception("could not renew the claim lease of %s", self._worker_id)


def _is_paused(session: Session, issue_id: int) -> bool:
    return session.scalar(select(Issue.status).where(Issue.id == issue_id)) == IssueStatus.PAUSED


def _redirect_address(redirect_to: str | None) -> str | None:
    if not redirect_to:
        return None
    try:
        return ascii_address(redirect_to, field="TRYGGNEWS_REDIRECT_ALL_TO")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


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


def _build_messages(
    claimed: Sequence[ClaimedDelivery],
    templates: Mapping[str, MessageTemplate],
    signer: TokenSigner,
    clock: Clock,
    id_prefix: str,
    id_suffix: str,
    redirect_to: str | None = None,
) -> tuple[list[OutgoingMessage], list[SendResult]]:
    """The batch's messages, and a ``failed`` result for each that cannot be built.

    With ``redirect_to`` every message goes to that address instead, envelope and
    To alike; the display name says whom it was meant for.
    """
    now = clock.now()
    messages: list[OutgoingMessage] = []
    refused: list[SendResult] = []
    for row in claimed:
        # Random part: a resent message (after a crash) gets a new, still unique id.
        message_id = f"<{id_prefix}{row.delivery_id}.{secrets.token_hex(6)}{id_suffix}"
        try:
            recipient = ascii_address(row.email)
            to_address, to_name = row.email, row.name
            if redirect_to is not None:
                recipient = to_address = redirect_to
                to_name = f"{row.name} ({row.email})" if row.name else row.email
            raw = templates[row.variant].build(
                to_address=to_address,
                to_name=to_name,
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


def _only_for(
    results: Sequence[SendResult], claimed: Sequence[ClaimedDelivery]
) -> list[SendResult]:
    """The first answer for each claimed row that has one."""
    wanted = {c.delivery_id for c in claimed}
    by_id: dict[int, SendResult] = {}
    for result in results:
        if result.delivery_id in wanted:
            by_id.setdefault(result.delivery_id, result)
    return list(by_id.values())


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
