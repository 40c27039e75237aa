"""Sends the public pages' emails (confirmations, "here is your link") off the request.

The sign-up form must answer the same, in the same time, whether the address is
new, already subscribed or suppressed — and only some of those cases send mail.
Sending inside the request would make the answer slower exactly when an email goes
out (an SMTP round trip is far slower than the database work), which tells an
observer whether an address is known. So requests only queue messages, and one
worker thread per app hands them to the transport, one at a time (transports are
not required to be thread-safe).

A message that cannot be sent is logged, not retried: the person can ask again,
and the form says so.
"""

from __future__ import annotations

import logging
import queue
import threading

from tryggnews.subscribers.emails import mask_addresses
from tryggnews.subscribers.notices import Notice
from tryggnews.transports.base import OutgoingMessage, SendStatus, Transport

_STOP = object()
# Notices are not rows in the delivery ledger; transports only echo the id back.
NOTICE_DELIVERY_ID = 0


class BackgroundMailer:
    """A queue of notices and the thread that sends them through ``transport``."""

    def __init__(self, transport: Transport, logger: logging.Logger) -> None:
        self._transport = transport
        self._logger = logger
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, notice: Notice) -> None:
        """Queue ``notice``; returns at once. The worker starts with the first notice."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="tryggnews-notices", daemon=True
                )
                self._thread.start()
        self._queue.put(notice)

    def wait(self) -> None:
        """Block until every queued notice has been handed over (tests; shutdown)."""
        self._queue.join()

    def close(self) -> None:
        """Send what is queued, then stop the worker."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                assert isinstance(item, Notice)
                self._send(item)
            finally:
                self._queue.task_done()

    def _send(self, notice: Notice) -> None:
        message = OutgoingMessage(
            delivery_id=NOTICE_DELIVERY_ID,
            recipient=notice.recipient,
            message_id=notice.message_id,
            raw=notice.raw,
        )
        try:
            results = self._transport.send([message])
        except Exception:
            # Any failure, including a bug in a transport: the thread must live on.
            self._logger.exception("notice %s could not be sent", notice.message_id)
            return
        for result in results:
            if result.status is not SendStatus.ACCEPTED:
                self._logger.warning(
                    "notice %s not accepted: %s %s",
                    notice.message_id,
                    result.status,
                    mask_addresses(result.detail),
                )
