"""The bytes of one SMTP connection while it carries messages: commands out, replies in.

smtplib opens the connection (TLS, EHLO, AUTH) and closes it; in between, each
message's commands and replies go through a ``Channel`` instead of smtplib's
``putcmd`` and ``getreply``: a command group is one ``sendall``, and a reply is read
with the reading buffer's own ``readline`` (C code) and parsed with no more than
its lines need — smtplib's ``getreply`` does the same in several Python steps per
line, and its ``putcmd`` one ``sendall`` per command. The parse was never the cost
(under a microsecond a reply either way); the writes and the waits for replies
are, which is why a pipelined group saves most.

The channel reads through smtplib's own buffered reader (``smtp.file``), never
from the socket beside it: whatever one of them read ahead is still there for the
other, so handing the connection back to smtplib (QUIT) loses nothing. It is made
after the last EHLO, so ``smtp.sock`` is the socket the messages travel on (a TLS
socket after STARTTLS replaces the plain one).

A timeout, a reset or the server closing all raise
``smtplib.SMTPServerDisconnected``, as smtplib would; the lane drops the
connection and retries.
"""

from __future__ import annotations

import smtplib

# smtplib's limit for one reply line (``smtplib._MAXLINE``): a longer line is no SMTP.
MAX_LINE = 8192
_READ_LIMIT = MAX_LINE + 1


class Channel:
    """Commands and replies on one connected ``smtplib.SMTP``; one thread at a time."""

    def __init__(self, smtp: smtplib.SMTP) -> None:
        if smtp.sock is None:
            raise smtplib.SMTPServerDisconnected("not connected")
        if smtp.file is None:
            smtp.file = smtp.sock.makefile("rb")  # what smtplib's getreply would make
        self.smtp = smtp
        self._sendall = smtp.sock.sendall
        self._readline = smtp.file.readline
        # RFC 2920: MAIL, RCPT and DATA may go in one write and their replies be read after.
        self.pipelining = smtp.has_extn("pipelining")

    def send(self, data: bytes) -> None:
        """Write ``data`` (commands, or the message after DATA's 354) as it is."""
        try:
            self._sendall(data)
        except OSError as exc:
            raise smtplib.SMTPServerDisconnected(f"Server not connected: {exc}") from None

    def reply(self) -> tuple[int, bytes]:
        """The next reply: its code and text, the lines joined by ``\\n`` without the
        codes, exactly as smtplib's ``getreply`` returns them (``-1`` for a line
        without a numeric code, as there)."""
        line = self._line()
        if line[3:4] != b"-":  # nearly every reply is one line: no list, no join
            try:
                return int(line[:3]), line[4:].strip(b" \t\r\n")
            except ValueError:
                return -1, line[4:].strip(b" \t\r\n")
        lines = [line[4:].strip(b" \t\r\n")]
        while _code(line) >= 0 and line[3:4] == b"-":
            line = self._line()
            lines.append(line[4:].strip(b" \t\r\n"))
        return _code(line), b"\n".join(lines)

    def command(self, line: bytes) -> tuple[int, bytes]:
        """Send one command line (with its CRLF) and read its reply."""
        self.send(line)
        return self.reply()

    def _line(self) -> bytes:
        try:
            line: bytes = self._readline(_READ_LIMIT)
        except OSError as exc:  # a timeout too: the reply may still come, out of step
            raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed: {exc}") from None
        if not line:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        if len(line) > MAX_LINE:
            raise smtplib.SMTPServerDisconnected("a reply line longer than SMTP allows")
        return line


def _code(line: bytes) -> int:
    try:
        return int(line[:3])
    except ValueError:
        return -1
