"""The Maildir outbox: every message becomes one file a mail client can open, byte for byte.

A write that fails is a ``retry`` for that message, reported as a result, never
an exception that would lose the rest of the batch.
"""

from __future__ import annotations

import mailbox
import shutil
from pathlib import Path

from tryggnews.transports import (
    MaildirTransport,
    OutgoingMessage,
    SendResult,
    SendStatus,
    Transport,
)


def _message(delivery_id: int) -> OutgoingMessage:
    raw = (
        f"From: a@example.se\nTo: r{delivery_id}@example.org\nSubject: Hej\n"
        f"Message-ID: <{delivery_id}@example.se>\n\nRad {delivery_id}\n"
    ).encode()
    return OutgoingMessage(delivery_id, f"r{delivery_id}@example.org", f"<{delivery_id}@x>", raw)


def test_messages_are_written_to_a_maildir(tmp_path: Path) -> None:
    transport: Transport = MaildirTransport(tmp_path / "outbox")
    batch = [_message(i) for i in (1, 2, 3)]
    results = transport.send(batch)
    transport.close()

    assert results == [SendResult(i, SendStatus.ACCEPTED) for i in (1, 2, 3)]
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    stored = sorted(m.as_bytes() for m in box)
    assert stored == sorted(m.raw for m in batch)
    assert len(list((tmp_path / "outbox" / "new").iterdir())) == 3
    assert transport.name == "outbox"


def test_write_failure_is_a_retry_for_that_message(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path / "outbox")
    # Maildir writes into tmp/ first; without it every write fails (as on a full disk).
    shutil.rmtree(tmp_path / "outbox" / "tmp")
    results = transport.send([_message(7), _message(8)])
    assert [(r.delivery_id, r.status) for r in results] == [
        (7, SendStatus.RETRY),
        (8, SendStatus.RETRY),
    ]
    assert all("maildir write failed" in r.detail for r in results)


def test_an_existing_empty_folder_becomes_a_working_maildir(tmp_path: Path) -> None:
    # A folder created beforehand (by `mkdir`, a deploy script) must not make every write fail.
    folder = tmp_path / "outbox"
    folder.mkdir()
    transport = MaildirTransport(folder)
    results = transport.send(
        [OutgoingMessage(1, "a@example.org", "<m1@x>", b"Subject: x\n\nhej\n")]
    )
    transport.close()
    assert [r.status for r in results] == [SendStatus.ACCEPTED]
    assert len(list((folder / "new").iterdir())) == 1
