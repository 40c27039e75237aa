"""How a send behaves beyond what it sends: pacing, redirection, retries, lease, stop.

Its own module because both the send loop (``sender``) and the batch machinery
(``batches``) read these options, and the loop uses the batches: kept in either,
the other would import it back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from tryggnews.delivery.claims import DEFAULT_LEASE
from tryggnews.delivery.ratelimit import RateLimiter
from tryggnews.delivery.recorder import RECORD_EVERY, RECORD_INTERVAL
from tryggnews.delivery.results import DEFAULT_GIVE_UP_AFTER
from tryggnews.delivery.verp import VerpAddresses


@dataclass(frozen=True)
class BatchReport:
    """One batch handed to the transport: for the log and a worker's metrics.

    ``counts`` maps each ``SendStatus`` value that occurred to how many messages got
    it; ``seconds`` is the time from handing the batch over to its last answer.
    """

    issue: str
    transport: str
    batch: int
    counts: Mapping[str, int]
    seconds: float


@dataclass(frozen=True)
class DeliveryOptions:
    """How a send behaves beyond what it sends; the defaults suit tests and the outbox.

    ``limiter`` paces messages (rate and hourly cap); ``redirect_to`` sends every
    message to that one address instead (development); ``give_up_after`` ends
    retrying; ``lease`` is how long a claim lasts without renewal — a live sender
    renews it every third of it, so only a dead one's claims run out;
    ``suppression_key`` (the secret key) lets a hard bounce suppress the address
    (without it the ledger row alone says bounced); ``stop`` is asked before
    each batch and ends the run cleanly when true; answers are committed in
    groups of ``record_every`` or after ``record_interval`` seconds (``recorder``);
    ``verp`` gives each message its own envelope sender
    (``TRYGGNEWS_BOUNCE_ADDRESS``) so a bounce names its row.
    """

    limiter: RateLimiter | None = None
    redirect_to: str | None = None
    give_up_after: timedelta = DEFAULT_GIVE_UP_AFTER
    lease: timedelta = DEFAULT_LEASE
    suppression_key: str | None = None
    stop: Callable[[], bool] | None = None
    record_every: int = RECORD_EVERY
    record_interval: float = RECORD_INTERVAL
    verp: VerpAddresses | None = None
    # Told of every batch sent (``tryggnews worker --metrics-port`` observes latency).
    on_batch: Callable[[BatchReport], None] | None = None
