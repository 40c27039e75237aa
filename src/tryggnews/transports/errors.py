"""The error a transport raises when it must stop in the middle of a batch."""

from __future__ import annotations

from collections.abc import Sequence

from tryggnews.errors import TransportError
from tryggnews.transports.base import SendResult


class TransportStoppedError(TransportError):
    """The transport had to stop the whole send (5.7.x, credentials refused, …).

    ``results`` are the answers it did get before stopping — messages already
    accepted among them — so the sender records those instead of handing them
    back (which would send them twice); the rest of the batch is handed back.
    """

    def __init__(self, message: str, results: Sequence[SendResult] = ()) -> None:
        super().__init__(message)
        self.results = list(results)
