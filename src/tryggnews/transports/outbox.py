"""The default transport: a local Maildir that any mail client can open; nothing leaves."""

from __future__ import annotations

import mailbox
from collections.abc import Sequence
from pathlib import Path

from tryggnews.transports.base import OutgoingMessage, ResultCallback, SendResult, SendStatus


class MaildirTransport:
    """Writes each message as one file in ``path`` (``new/``), via the stdlib ``mailbox``.

    Maildir writes into ``tmp/`` and renames into ``new/``, so a reader never sees
    half a message. A failed write (a full disk, a removed folder) is a ``retry``
    for that message only.
    """

    name = "outbox"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # mailbox creates tmp/new/cur only when the folder itself is new; an existing
        # empty folder (made by hand or by a deploy script) would fail every write.
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        self._box = mailbox.Maildir(self.path, create=True)

    def send(
        self, batch: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        results: list[SendResult] = []
        for message in batch:
            raw = message.raw
            if message.envelope_from:
                # What a delivering server adds from MAIL FROM: shows the VERP address.
                raw = b"Return-Path: <" + message.envelope_from.encode("ascii") + b">\n" + raw
            try:
                self._box.add(raw)
            except OSError as exc:
                result = SendResult(
                    message.delivery_id, SendStatus.RETRY, f"maildir write failed: {exc}"
                )
            else:
                result = SendResult(message.delivery_id, SendStatus.ACCEPTED)
            results.append(result)
            if on_result is not None:
                on_result(result)
        return results

    def close(self) -> None:
        self._box.close()
