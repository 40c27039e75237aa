"""The Brevo transport: finished messages as ``messageVersions`` over Brevo's HTTP API.

One API call carries up to ``batch_size`` versions (≤ 1000); turning messages into
versions is ``payload``, reading the answers ``replies``. Each call gets a
fresh idempotency key (``headers.idempotencyKey``, a UUID) that is **reused when
the same call is retried**, so a call that did arrive but whose answer was lost is
not sent twice. What Brevo's answers mean:

=====================  =======================================================
201 ``messageIds``     every version accepted (ids in version order)
429                    wait ``x-sib-ratelimit-reset`` seconds (capped), retry
5xx, timeout, reset    retry the same call, same key, with backoff; after
                       ``max_attempts`` the call's messages are ``retry`` (the
                       ledger reschedules them) and the batch's other calls
                       are not tried now
400                    halve the call until the rejected versions are found:
                       those are ``failed``, the rest go out — one address
                       Brevo refuses never blocks the rest. If nothing was
                       ever accepted and both halves are refused, the request
                       itself is wrong: the send stops
401, 402, 403, other   the send stops (``TransportStoppedError``) with Brevo's
                       message and the setting to check; messages already
                       accepted in the batch are reported, not sent again
=====================  =======================================================
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from tryggnews.errors import ConfigError, TransportError
from tryggnews.transports.base import OutgoingMessage, ResultCallback, SendResult, SendStatus
from tryggnews.transports.brevo.payload import BrevoVersion, payload_for, version_from_message
from tryggnews.transports.brevo.replies import (
    explain_refusal,
    make_accepted,
    make_result,
    make_retry,
    read_brevo_message,
    read_message_ids,
)
from tryggnews.transports.errors import TransportStoppedError

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.brevo.com"
SEND_PATH = "/v3/smtp/email"
ACCOUNT_PATH = "/v3/account"
# Brevo's limit per call; the batch-size setting may only go lower.
MAX_VERSIONS = 1000
RATE_LIMIT_RESET = "x-sib-ratelimit-reset"
_TEMPORARY = (
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
)


class _Rejected(Exception):
    """Brevo answered 400 to one call: something in it is invalid."""


class _Unavailable(Exception):
    """Brevo did not answer usefully within the retries: try the messages later."""


@dataclass
class _SendState:
    """What the calls of one ``send`` share (they may run in parallel)."""

    stopped: TransportError | None = None
    unavailable: str | None = None


class BrevoTransport:
    """Sends batches through ``POST {base_url}/v3/smtp/email``.

    ``batch_size`` versions per call (1–1000); ``connections`` calls at once;
    ``timeout`` seconds per HTTP request. ``sleep`` is how waiting is done
    (tests pass a recorder). Call ``check`` before a send: a wrong key or base URL
    then refuses it before anything is claimed. ``close`` closes the HTTP session
    (given or made) and the call threads.
    """

    name = "brevo"

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        batch_size: int = 50,
        timeout: float = 30.0,
        session: requests.Session | None = None,
        *,
        connections: int = 1,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 4,
        max_rate_limit_waits: int = 10,
        max_wait: float = 60.0,
        backoff: float = 1.0,
    ) -> None:
        if not api_key:
            raise ConfigError(
                "TRYGGNEWS_BREVO_API_KEY is empty: create an API key in Brevo "
                "(SMTP & API → API keys) or choose another TRYGGNEWS_TRANSPORT"
            )
        if not api_key.isascii() or not api_key.isprintable():
            raise ConfigError("TRYGGNEWS_BREVO_API_KEY must be one line of ASCII")
        if not 1 <= batch_size <= MAX_VERSIONS:
            raise ConfigError(
                f"TRYGGNEWS_BREVO_BATCH_SIZE={batch_size}: Brevo takes 1 to {MAX_VERSIONS} "
                "message versions per call"
            )
        if connections < 1 or max_attempts < 1:
            raise ValueError("connections and max_attempts must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.batch_size = batch_size
        self.timeout = timeout
        self.connections = connections
        self.max_attempts = max_attempts
        self.max_rate_limit_waits = max_rate_limit_waits
        self.max_wait = max_wait
        self.backoff = backoff
        self._sleep = sleep
        self._session = session or requests.Session()
        self._headers = {
            "api-key": api_key,
            "content-type": "application/json",
            "accept": "application/json",
        }
        self._pool: ThreadPoolExecutor | None = None
        self._random = random.Random()
        # Set once Brevo accepted any call of ours: from then on a refused single
        # version is that message's fault, not the request's.
        self._proven = False

    # --- the Transport protocol ----------------------------------------------------

    def check(self) -> None:
        """Ask Brevo for the account (``GET /v3/account``); ``TransportError`` naming
        the setting to fix when the key is refused or the API cannot be reached."""
        url = self.base_url + ACCOUNT_PATH
        try:
            response = self._session.get(url, headers=self._headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise TransportError(
                f"cannot reach Brevo at {self.base_url} ({type(exc).__name__}): check "
                "TRYGGNEWS_BREVO_BASE_URL and the network"
            ) from None
        with response:
            if response.ok:
                return
            status = response.status_code
            if status >= 500 or status == 429:
                raise TransportError(
                    f"Brevo is not available now ({status} {read_brevo_message(response)}): "
                    "try the send again later"
                )
            raise TransportError(explain_refusal(status, read_brevo_message(response), url))

    def send(
        self, batch: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        """One result per message. Raises ``TransportStoppedError`` (carrying the
        answers already got) when Brevo refuses the send as a whole. ``on_result``
        hears each call's answers when that call is done, from the call's thread."""
        results: list[SendResult] = []
        versions: list[BrevoVersion] = []
        for message in batch:
            try:
                versions.append(version_from_message(message))
            except (ValueError, LookupError, AttributeError) as exc:
                # A message the parser cannot read fails alone; the batch goes on.
                results.append(make_result(message, SendStatus.FAILED, f"not sendable: {exc}"))
                if on_result is not None:
                    on_result(results[-1])
        calls = list(self._calls(versions))
        state = _SendState()

        def deliver(call: list[BrevoVersion]) -> list[SendResult]:
            answered = self._deliver(call, state)
            if on_result is not None:
                for result in answered:
                    on_result(result)
            return answered

        if len(calls) > 1 and self.connections > 1:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.connections, thread_name_prefix="brevo")
            answers = list(self._pool.map(deliver, calls))
        else:
            answers = [deliver(call) for call in calls]
        for answer in answers:
            results += answer
        if state.stopped is not None:
            raise TransportStoppedError(str(state.stopped), results) from None
        return results

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self._session.close()

    # --- one batch -----------------------------------------------------------------

    def _calls(self, versions: Sequence[BrevoVersion]) -> Iterator[list[BrevoVersion]]:
        """Calls of at most ``batch_size`` versions, each with a single sender."""
        by_sender: dict[tuple[str, str], list[BrevoVersion]] = {}
        for version in versions:
            by_sender.setdefault((version.sender_email, version.sender_name), []).append(version)
        for group in by_sender.values():
            for start in range(0, len(group), self.batch_size):
                yield group[start : start + self.batch_size]

    def _deliver(self, versions: list[BrevoVersion], state: _SendState) -> list[SendResult]:
        """One call's results. After a stop, messages not answered are left out (the
        sender hands them back); after Brevo stayed unavailable they are ``retry``."""
        if state.stopped is not None:
            return []
        if state.unavailable is not None:
            return [make_retry(v, f"not attempted: {state.unavailable}") for v in versions]
        answered: list[SendResult] = []
        try:
            self._send_isolating(versions, answered)
        except _Unavailable as exc:
            state.unavailable = str(exc)
            done = {r.delivery_id for r in answered}
            answered += [
                make_retry(v, str(exc)) for v in versions if v.message.delivery_id not in done
            ]
        except TransportError as exc:
            state.stopped = state.stopped or exc
        return answered

    def _send_isolating(self, versions: list[BrevoVersion], answered: list[SendResult]) -> None:
        try:
            ids = self._post(versions)
        except _Rejected as rejection:
            self._isolate(versions, rejection, answered)
            return
        self._proven = True
        answered += make_accepted(versions, ids)

    def _isolate(
        self, versions: list[BrevoVersion], rejection: _Rejected, answered: list[SendResult]
    ) -> None:
        """Brevo refused a call with 400: send its halves separately (new keys — the
        refused call was not processed) until the refused versions are found."""
        if len(versions) == 1:
            if not self._proven:
                raise TransportError(
                    explain_refusal(400, str(rejection), self.base_url + SEND_PATH)
                )
            answered.append(
                make_result(versions[0].message, SendStatus.FAILED, f"Brevo: {rejection}")
            )
            return
        middle = len(versions) // 2
        refused: list[tuple[list[BrevoVersion], _Rejected]] = []
        for half in (versions[:middle], versions[middle:]):
            try:
                ids = self._post(half)
            except _Rejected as exc:
                refused.append((half, exc))
                continue
            self._proven = True
            answered += make_accepted(half, ids)
        if len(refused) == 2 and not self._proven:
            # Both halves refused and nothing ever accepted: the request itself (the
            # sender, a header), not one recipient, is what Brevo objects to.
            raise TransportError(explain_refusal(400, str(rejection), self.base_url + SEND_PATH))
        for half, half_rejection in refused:
            self._isolate(half, half_rejection, answered)

    # --- one call ------------------------------------------------------------------

    def _post(self, versions: Sequence[BrevoVersion]) -> list[str]:
        """Make one call, retrying it with the same idempotency key; Brevo's ids.

        Raises ``_Rejected`` (400), ``_Unavailable`` (retries used up) or
        ``TransportError`` (refused: the send must stop).
        """
        key = str(uuid.uuid4())
        body = json.dumps(payload_for(versions, key), ensure_ascii=False).encode("utf-8")
        url = self.base_url + SEND_PATH
        failures = waits = 0
        while True:
            try:
                response = self._session.post(
                    url, data=body, headers=self._headers, timeout=self.timeout
                )
            except _TEMPORARY as exc:
                failures += 1
                problem = f"no answer from Brevo ({type(exc).__name__})"
            except requests.RequestException as exc:
                raise TransportError(
                    f"cannot call Brevo at {url} ({exc}): check TRYGGNEWS_BREVO_BASE_URL"
                ) from None
            else:
                with response:
                    status = response.status_code
                    if 200 <= status < 300:
                        return read_message_ids(response)
                    said = read_brevo_message(response)
                    if status == 429:
                        waits += 1
                        if waits > self.max_rate_limit_waits:
                            raise _Unavailable(f"Brevo kept answering 429 (rate limit): {said}")
                        delay = self._reset_delay(response.headers.get(RATE_LIMIT_RESET), waits)
                        logger.info("Brevo rate limit: waiting %.1f s (key %s)", delay, key)
                        self._sleep(delay)
                        continue
                    if status == 400:
                        raise _Rejected(said)
                    if status < 500:
                        raise TransportError(explain_refusal(status, said, url))
                    failures += 1
                    problem = f"Brevo answered {status} ({said})"
            if failures >= self.max_attempts:
                raise _Unavailable(f"{problem}; gave up after {failures} attempts")
            delay = self._backoff_delay(failures)
            logger.warning("%s; retrying in %.1f s with the same key %s", problem, delay, key)
            self._sleep(delay)

    def _backoff_delay(self, failures: int) -> float:
        # Exponential with jitter (half fixed, half random), capped by max_wait.
        base = min(self.backoff * 2.0 ** (failures - 1), self.max_wait)
        return base / 2 + base / 2 * self._random.random()

    def _reset_delay(self, header: str | None, waits: int) -> float:
        try:
            seconds = float(header) if header is not None else None
        except ValueError:
            seconds = None
        if seconds is None or seconds != seconds:  # missing, malformed or NaN
            return self._backoff_delay(waits)
        return min(max(seconds, 0.0), self.max_wait)
