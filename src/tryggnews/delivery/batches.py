"""One batch of a send: claim rows, build their messages, hand them over, record answers.

The send loop (``sender``) decides when the next batch is prepared and sent; this
module owns what happens to one batch's rows — including handing them back when the
transport fails — and the checks that an issue can be sent at all. Every ledger
transaction here is short and opened from the session factory.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock
from tryggnews.db.models import Issue, IssueStatus
from tryggnews.delivery.bounces import suppress_bounced
from tryggnews.delivery.claims import ClaimedDelivery, claim_batch, release_claims
from tryggnews.delivery.ledger import ledger_counts, outstanding_variants
from tryggnews.delivery.message import MessageTemplate, ascii_address
from tryggnews.delivery.options import DeliveryOptions
from tryggnews.delivery.reconnect import with_reconnect
from tryggnews.delivery.recorder import ResultRecorder
from tryggnews.delivery.results import record_results, relax_durability
from tryggnews.errors import NotFoundError, TryggnewsError
from tryggnews.subscribers.tokens import TokenSigner
from tryggnews.transports.base import (
    MessageForm,
    OutgoingMessage,
    SendResult,
    SendStatus,
    Transport,
)
from tryggnews.transports.errors import TransportStoppedError


@dataclass
class Prepared:
    """A claimed batch with its messages (and ``failed`` results for unbuildable rows),
    or, when ``claimed`` is empty, why there is none: nothing claimable, paused, stopped."""

    claimed: list[ClaimedDelivery] = field(default_factory=list)
    messages: list[OutgoingMessage] = field(default_factory=list)
    results: list[SendResult] = field(default_factory=list)
    paused: bool = False
    stopped: bool = False


@dataclass(frozen=True)
class _BatchRows:
    """Who each claimed row is and which Message-ID it got: looked up by every group
    of answers, so built once per batch rather than once per group."""

    message_ids: dict[int, str]
    subscribers: dict[int, int]

    @classmethod
    def of(
        cls, claimed: Sequence[ClaimedDelivery], messages: Sequence[OutgoingMessage]
    ) -> _BatchRows:
        return cls(
            message_ids={m.delivery_id: m.message_id for m in messages},
            subscribers={c.delivery_id: c.subscriber_id for c in claimed},
        )


class Batch:
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

        Answers are recorded in groups as the transport tells them (a
        ``ResultRecorder``), not only when the whole batch is back, so a crash
        re-sends at most what was on the wire and what was answered since the
        last group. When the transport raises, ``on_failure`` runs first, then
        what was answered is recorded, the rest handed back, and the error
        re-raised.
        """
        recorder = ResultRecorder(
            partial(self._write, _BatchRows.of(claimed, messages)),
            [c.delivery_id for c in claimed],
            every=self.options.record_every,
            interval=self.options.record_interval,
        )
        try:
            if messages:
                recorder.start()
                results += transport.send(messages, recorder.add)
        except BaseException as exc:
            if on_failure is not None:
                on_failure()
            self._hand_back(exc, claimed, results, recorder)
            raise
        results = _one_per_message(results, claimed)
        recorder.finish(results)
        return results

    def _write(self, rows: _BatchRows, results: list[SendResult]) -> None:
        """One group of answers in one short transaction, again on a fresh
        connection if the database connection was lost."""

        def attempt() -> None:
            with self.session_factory.begin() as session:
                relax_durability(session)
                self.record(session, results, rows)

        with_reconnect(attempt, what=f"recording the answers for issue {self.issue_key}")

    def _hand_back(
        self,
        exc: BaseException,
        claimed: Sequence[ClaimedDelivery],
        results: list[SendResult],
        recorder: ResultRecorder,
    ) -> None:
        """After the transport raised: record what it did answer, release the rest."""
        stopped = isinstance(exc, TransportStoppedError)
        # What the transport answered is recorded (accepted ones must not go out
        # again); the rest waits for a later run. Unanswered rows are handed back at
        # once rather than after the lease. A message accepted but not yet answered
        # when the transport failed goes out again (at least once, never lost).
        answered = results + exc.results if isinstance(exc, TransportStoppedError) else results
        done = recorder.finish(answered)
        reason = "stopped" if stopped else "error"

        def release() -> None:
            with self.session_factory.begin() as session:
                self.release(
                    session,
                    [c.delivery_id for c in claimed if c.delivery_id not in done],
                    f"{self.transport_name} transport {reason}: {exc}",
                )

        with_reconnect(release, what=f"handing back a batch of issue {self.issue_key}")

    def record(self, session: Session, results: Sequence[SendResult], rows: _BatchRows) -> None:
        now = self.clock.now()
        record_results(
            session,
            results,
            now=now,
            worker_id=self.worker_id,
            message_ids=rows.message_ids,
            give_up_after=self.options.give_up_after,
        )
        key = self.options.suppression_key
        bounced = [r for r in results if r.status == SendStatus.BOUNCED]
        if key and bounced:
            suppress_bounced(
                session,
                [(rows.subscribers[r.delivery_id], r.detail) for r in bounced],
                secret_key=key,
                now=now,
                issue_key=self.issue_key,
                transport=self.transport_name,
            )

    def halt_reason(self, issue_id: int) -> str | None:
        if self.options.stop is not None and self.options.stop():
            return "stopped"

        def paused() -> bool:
            with self.session_factory() as session:
                return is_paused(session, issue_id)

        what = f"checking whether issue {self.issue_key} is paused"
        return "paused" if with_reconnect(paused, what=what) else None

    def release_all(self, claimed: Sequence[ClaimedDelivery], reason: str) -> None:
        def release() -> None:
            with self.session_factory.begin() as session:
                self.release(session, [c.delivery_id for c in claimed], f"not sent: {reason}")

        with_reconnect(release, what=f"handing back a batch of issue {self.issue_key}")

    def drop_prepared(self, upcoming: Future[Prepared]) -> None:
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


def is_paused(session: Session, issue_id: int) -> bool:
    return session.scalar(select(Issue.status).where(Issue.id == issue_id)) == IssueStatus.PAUSED


def check_ready(session: Session, issue_id: int, templates: Mapping[str, MessageTemplate]) -> str:
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


def build_messages(
    claimed: Sequence[ClaimedDelivery],
    templates: Mapping[str, MessageTemplate],
    signer: TokenSigner,
    clock: Clock,
    id_prefix: str,
    id_suffix: str,
    redirect_to: str | None = None,
    envelope_for: Callable[[int], str] | None = None,
    form: MessageForm = MessageForm.LF,
) -> tuple[list[OutgoingMessage], list[SendResult]]:
    """The batch's messages, and a ``failed`` result for each that cannot be built.

    With ``redirect_to`` every message goes to that address instead, envelope and
    To alike; the display name says whom it was meant for. ``envelope_for`` gives
    a delivery's own envelope sender (VERP, ``delivery.verp``); not used while
    redirecting, so a bounce of the redirect address never names a subscriber.
    ``form`` is the layout the transport asked for (``Transport.message_form``).

    This is the per-message loop of a send, so it does only what differs per
    recipient: the clock is read once per batch, the two link tokens share one
    payload (``TokenSigner.link_tokens``), and the message comes out in its final form.
    """
    now = clock.now()
    hex_id = secrets.token_hex
    messages: list[OutgoingMessage] = []
    refused: list[SendResult] = []
    for row in claimed:
        # Random part: a resent message (after a crash) gets a new, still unique id.
        message_id = f"<{id_prefix}{row.delivery_id}.{hex_id(6)}{id_suffix}"
        try:
            recipient = ascii_address(row.email)
            to_address, to_name = row.email, row.name
            if redirect_to is not None:
                recipient = to_address = redirect_to
                to_name = f"{row.name} ({row.email})" if row.name else row.email
            manage, unsubscribe = signer.link_tokens(row.subscriber_id, row.token_salt)
            raw = templates[row.variant].build(
                to_address=to_address,
                to_name=to_name,
                manage_token=manage,
                unsubscribe_token=unsubscribe,
                message_id=message_id,
                date=now,
                form=form,
            )
        except ValueError as exc:
            # A bad address or name fails this row for good; the batch goes on.
            refused.append(SendResult(row.delivery_id, SendStatus.FAILED, f"not built: {exc}"))
            continue
        envelope = envelope_for(row.delivery_id) if envelope_for and not redirect_to else None
        messages.append(
            OutgoingMessage(row.delivery_id, recipient, message_id, raw, envelope, form)
        )
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
