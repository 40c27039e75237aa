"""The bounce mailbox: read new messages from IMAP or a Maildir, mark them done, never delete.

``fetch_bounces`` is one run: for each new message, its outcome is applied and
remembered in one short transaction (``bounce_mail.process_bounce``), and only
after that commit is the message marked in the mailbox. A crash between the two
leaves it new; the next run finds it remembered, counts it as already processed
and marks it then. Nothing is ever deleted.

* IMAP (imapclient, always TLS): the messages ``UNSEEN`` in the folder, fetched
  with ``BODY.PEEK[]`` (which does not mark them read); done means ``\\Seen``, or
  moved to ``imap_processed_folder`` when that is set. An unattributed message
  stays in the folder, ``\\Seen`` and ``\\Flagged`` for a person to look at.
* Maildir: the files in ``new/`` and those in ``cur/`` without the ``S`` flag;
  done means moved to ``cur/`` with ``S`` (and ``F`` when unattributed).
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock
from tryggnews.delivery.bounce_mail import (
    ALREADY,
    BounceRules,
    FetchSummary,
    Outcome,
    process_bounce,
)
from tryggnews.errors import ConfigError, TransportError

# Messages fetched from IMAP per round trip.
IMAP_CHUNK = 50


@dataclass(frozen=True)
class MailboxConfig:
    """Where the bounce mailbox is: a Maildir path, or an IMAP server (TLS)."""

    maildir: str = ""
    imap_host: str = ""
    imap_port: int = 993
    imap_username: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"
    imap_processed_folder: str = ""
    timeout: float = 30

    @property
    def configured(self) -> bool:
        return bool(self.maildir or self.imap_host)

    def describe(self) -> str:
        if self.imap_host:
            return f"imaps://{self.imap_host}:{self.imap_port}/{self.imap_folder}"
        return f"maildir {self.maildir}"


class BounceMailbox(Protocol):
    """New messages as ``(handle, bytes)``, and marking one done."""

    def new_messages(self) -> Iterator[tuple[str, bytes]]: ...

    def done(self, handle: str, outcome: Outcome) -> None: ...

    def close(self) -> None: ...


def open_mailbox(config: MailboxConfig, ssl_context: ssl.SSLContext | None = None) -> BounceMailbox:
    """The configured mailbox; raises ``ConfigError``/``TransportError`` naming the setting."""
    if config.imap_host and config.maildir:
        raise ConfigError(
            "TRYGGNEWS_BOUNCE_IMAP_HOST and TRYGGNEWS_BOUNCE_MAILDIR are both set: choose one"
        )
    if config.imap_host:
        return ImapMailbox(config, ssl_context)
    if config.maildir:
        return MaildirMailbox(Path(config.maildir))
    raise ConfigError(
        "no bounce mailbox: set TRYGGNEWS_BOUNCE_IMAP_HOST (with USERNAME and PASSWORD) "
        "or TRYGGNEWS_BOUNCE_MAILDIR"
    )


def fetch_bounces(
    session_factory: sessionmaker[Session],
    mailbox: BounceMailbox,
    *,
    rules: BounceRules,
    clock: Clock,
) -> FetchSummary:
    """Process every new message of ``mailbox``; see the module docstring."""
    summary = FetchSummary()
    for handle, raw in mailbox.new_messages():
        try:
            with session_factory.begin() as session:
                outcome = process_bounce(session, raw, rules=rules, now=clock.now())
        except IntegrityError:
            # Another run remembered the same message between our look and our insert.
            outcome = Outcome(ALREADY)
        mailbox.done(handle, outcome)
        summary.add(outcome, handle)
    return summary


class MaildirMailbox:
    """A local Maildir (``new/``, ``cur/``, ``tmp/``), as a delivery agent writes it."""

    def __init__(self, path: Path) -> None:
        if not (path / "new").is_dir() or not (path / "cur").is_dir():
            raise ConfigError(
                f"TRYGGNEWS_BOUNCE_MAILDIR={path}: not a Maildir (no new/ and cur/ in it)"
            )
        self.path = path

    def new_messages(self) -> Iterator[tuple[str, bytes]]:
        names = [f"new/{n}" for n in sorted(os.listdir(self.path / "new"))]
        names += [f"cur/{n}" for n in sorted(os.listdir(self.path / "cur")) if "S" not in _flags(n)]
        for name in names:
            if name.split("/", 1)[1].startswith("."):
                continue
            try:
                raw = (self.path / name).read_bytes()
            except FileNotFoundError:
                continue  # moved by a mail client or another run meanwhile
            yield name, raw

    def done(self, handle: str, outcome: Outcome) -> None:
        base = handle.split("/", 1)[1].split(":2,", 1)[0]
        flags = set(_flags(handle)) | {"S"} | ({"F"} if outcome.flagged else set())
        target = self.path / "cur" / f"{base}:2,{''.join(sorted(flags))}"
        with suppress(FileNotFoundError):  # gone meanwhile: nothing to mark
            os.replace(self.path / handle, target)

    def close(self) -> None:
        pass


def _flags(name: str) -> str:
    return name.split(":2,", 1)[1] if ":2," in name else ""


class ImapMailbox:
    """One IMAP connection over TLS to the bounce folder."""

    def __init__(self, config: MailboxConfig, ssl_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        where = f"{config.imap_host}:{config.imap_port}"
        try:
            self._client = IMAPClient(
                config.imap_host,
                port=config.imap_port,
                ssl=True,
                ssl_context=ssl_context or ssl.create_default_context(),
                timeout=config.timeout,
            )
        except ssl.SSLError as exc:
            raise TransportError(
                f"TLS with the bounce mailbox {where} failed ({exc}): check "
                "TRYGGNEWS_BOUNCE_IMAP_HOST and TRYGGNEWS_BOUNCE_IMAP_PORT (993 is IMAP over TLS)"
            ) from None
        except OSError as exc:
            raise TransportError(
                f"cannot reach the bounce mailbox {where} ({exc}): check "
                "TRYGGNEWS_BOUNCE_IMAP_HOST and TRYGGNEWS_BOUNCE_IMAP_PORT"
            ) from None
        try:
            self._client.login(config.imap_username, config.imap_password)
        except IMAPClientError as exc:
            self._client.shutdown()
            raise TransportError(
                f"the bounce mailbox {where} refused the login of "
                f"TRYGGNEWS_BOUNCE_IMAP_USERNAME={config.imap_username} ({exc}): check it and "
                "TRYGGNEWS_BOUNCE_IMAP_PASSWORD"
            ) from None
        try:
            self._client.select_folder(config.imap_folder)
        except IMAPClientError as exc:
            self.close()
            raise TransportError(
                f"the bounce mailbox has no folder TRYGGNEWS_BOUNCE_IMAP_FOLDER="
                f"{config.imap_folder} ({exc})"
            ) from None

    def new_messages(self) -> Iterator[tuple[str, bytes]]:
        with self._lost():
            uids = sorted(self._client.search(["UNSEEN"]))
        for start in range(0, len(uids), IMAP_CHUNK):
            chunk = uids[start : start + IMAP_CHUNK]
            with self._lost():
                fetched = self._client.fetch(chunk, ["BODY.PEEK[]"])
            for uid in chunk:
                data = fetched.get(uid, {})
                raw = data.get(b"BODY[]")
                if isinstance(raw, bytes):
                    yield str(uid), raw

    def done(self, handle: str, outcome: Outcome) -> None:
        with self._lost():
            self._mark(int(handle), outcome)

    def _mark(self, uid: int, outcome: Outcome) -> None:
        flags: list[str | bytes] = [b"\\Seen"]
        if outcome.flagged:
            self._client.add_flags([uid], [*flags, b"\\Flagged"])
            return
        self._client.add_flags([uid], flags)
        folder = self.config.imap_processed_folder
        if folder:
            if self._client.has_capability("MOVE"):
                self._client.move([uid], folder)
            else:
                self._client.copy([uid], folder)  # the original stays, \Seen: never deleted

    @contextmanager
    def _lost(self) -> Iterator[None]:
        try:
            yield
        except (IMAPClientError, OSError) as exc:
            raise TransportError(
                f"the bounce mailbox {self.config.imap_host}:{self.config.imap_port} failed "
                f"mid-run ({exc}); what was processed is recorded, the rest waits for the next run"
            ) from None

    def close(self) -> None:
        try:
            self._client.logout()
        except (IMAPClientError, OSError):
            self._client.shutdown()
