"""The default transport: a local Maildir that any mail client can open; nothing leaves."""

from __future__ import annotations

import mailbox
from collections.abc import Sequence
from pathlib import Path

from tryggnews.transports.base import OutgoingMessage, SendResult, SendStatus


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

    def send(self, batch: Sequence[OutgoingMessage]) -> list[SendResult]:
        results: list[SendResult] = []
        for message in batch:
            try:
                self._box.add(message.raw)
            except OSError as exc:
                results.append(
                    SendResult(
                        message.delivery_id, SendStatus.RETRY, f"maildir write failed: {exc}"
                    )
                )
            else:
                results.append(SendResult(message.delivery_id, SendStatus.ACCEPTED))
        return results

    def close(self) -> None:
        self._box.close()
