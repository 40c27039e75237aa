"""A small IMAP4rev1 server over TLS on loopback, enough for imapclient to read a mailbox.

No Python IMAP server package could be started quickly enough for a test, so this
speaks the real protocol over a real socket: CAPABILITY, LOGIN, SELECT, UID SEARCH
UNSEEN, UID FETCH (BODY.PEEK[] / RFC822), UID STORE +FLAGS, UID MOVE, UID COPY,
NOOP, LOGOUT. One folder of messages with flags, plus named folders moved into.
``commands`` records every command line the client sent.
"""

from __future__ import annotations

import re
import socketserver
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class StubMessage:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class Mailbox:
    username: str
    password: str
    messages: list[StubMessage] = field(default_factory=list)
    folders: dict[str, list[StubMessage]] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, raw: bytes) -> None:
        with self.lock:
            uid = max((m.uid for m in self.messages), default=0) + 1
            self.messages.append(StubMessage(uid, raw))


_ARGS = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')


def _uids(spec: str, messages: list[StubMessage]) -> list[StubMessage]:
    wanted: set[int] = set()
    top = max((m.uid for m in messages), default=0)
    for part in spec.split(","):
        low, _, high = part.partition(":")
        a = top if low == "*" else int(low)
        b = a if not high else top if high == "*" else int(high)
        wanted.update(range(min(a, b), max(a, b) + 1))
    return [m for m in messages if m.uid in wanted]


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def send(self, text: str | bytes) -> None:
        self.wfile.write(text if isinstance(text, bytes) else text.encode())

    def handle(self) -> None:
        box = self.server.mailbox
        self.send("* OK [CAPABILITY IMAP4rev1 MOVE UIDPLUS] stub ready\r\n")
        logged_in = False
        while True:
            line = self.rfile.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            box.commands.append(text)
            tag, _, rest = text.partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "UID":
                command, _, args = args.partition(" ")
                command = "UID " + command.upper()
            words = [a or b for a, b in _ARGS.findall(args)]
            if command == "CAPABILITY":
                self.send(f"* CAPABILITY IMAP4rev1 MOVE UIDPLUS\r\n{tag} OK done\r\n")
            elif command == "LOGIN":
                if words == [box.username, box.password]:
                    logged_in = True
                    self.send(f"{tag} OK LOGIN completed\r\n")
                else:
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] wrong user or password\r\n")
            elif command == "LOGOUT":
                self.send(f"* BYE stub closing\r\n{tag} OK LOGOUT completed\r\n")
                return
            elif command == "NOOP":
                self.send(f"{tag} OK NOOP\r\n")
            elif not logged_in:
                self.send(f"{tag} BAD log in first\r\n")
            elif command == "SELECT":
                with box.lock:
                    count = len(box.messages)
                    nxt = max((m.uid for m in box.messages), default=0) + 1
                self.send(
                    f"* {count} EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen \\Flagged)\r\n"
                    f"* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT {nxt}] ok\r\n"
                    f"{tag} OK [READ-WRITE] SELECT completed\r\n"
                )
            elif command == "UID SEARCH":
                with box.lock:
                    found = [str(m.uid) for m in box.messages if "\\Seen" not in m.flags]
                self.send(
                    f"* SEARCH {' '.join(found)}\r\n{tag} OK SEARCH completed\r\n".replace(
                        "SEARCH \r\n", "SEARCH\r\n"
                    )
                )
            elif command == "UID FETCH":
                peek = "PEEK" in args.upper()
                with box.lock:
                    for seq, message in enumerate(box.messages, start=1):
                        if message not in _uids(words[0], box.messages):
                            continue
                        if not peek:
                            message.flags.add("\\Seen")
                        self.send(
                            f"* {seq} FETCH (UID {message.uid} BODY[] {{{len(message.raw)}}}\r\n"
                        )
                        self.send(message.raw + b")\r\n")
                self.send(f"{tag} OK FETCH completed\r\n")
            elif command == "UID STORE":
                flags = re.findall(r"\\\w+", args)
                with box.lock:
                    for seq, message in enumerate(box.messages, start=1):
                        if message in _uids(words[0], box.messages):
                            message.flags.update(flags)
                            shown = " ".join(sorted(message.flags))
                            self.send(f"* {seq} FETCH (UID {message.uid} FLAGS ({shown}))\r\n")
                self.send(f"{tag} OK STORE completed\r\n")
            elif command in ("UID MOVE", "UID COPY"):
                with box.lock:
                    chosen = _uids(words[0], box.messages)
                    box.folders.setdefault(words[1], []).extend(
                        StubMessage(m.uid, m.raw, set(m.flags)) for m in chosen
                    )
                    if command == "UID MOVE":
                        box.messages = [m for m in box.messages if m not in chosen]
                self.send(f"{tag} OK {command} completed\r\n")
            else:
                self.send(f"{tag} BAD unknown command {command}\r\n")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mailbox: Mailbox, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mailbox = mailbox
        self.context = context

    def get_request(self) -> tuple[ssl.SSLSocket, object]:
        sock, address = super().get_request()
        return self.context.wrap_socket(sock, server_side=True), address


@contextmanager
def imap_server(mailbox: Mailbox, context: ssl.SSLContext) -> Iterator[int]:
    """A running stub on 127.0.0.1 (its port yielded), stopped afterwards."""
    server = _Server(mailbox, context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
