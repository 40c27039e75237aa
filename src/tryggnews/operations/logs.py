"""Where the logs go and what they look like, set in one place for every command.

``text`` is for a person at a terminal; ``json`` (``TRYGGNEWS_LOG_FORMAT=json``) writes
one JSON object a line — ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message``
and every ``extra`` field a log call gives (``issue``, ``batch``, ``accepted`` …) — for
journald, Loki, Elastic or whatever the kommun's IT collects with. python-json-logger
does the encoding, so a field is never half-escaped.

Logs go to stderr: systemd and container runtimes collect it, and stdout stays the
command's own output. No email address is logged at INFO or above; the callers keep
to that (``tests/operations/test_log_privacy.py`` sends and signs up for real to prove it).
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Third-party loggers that say too much at INFO: APScheduler logs every job run, and
# our own lines say what the job did.
QUIET = {"apscheduler": logging.WARNING}


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the moment of the write.

    A handler that kept the stream it was made with would write into a closed file
    once a test runner (or a daemoniser) swaps stderr; the stdlib's last-resort
    handler looks it up each time for the same reason.
    """

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        """Ignored: the stream is always the current stderr."""


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        json_ensure_ascii=False,  # Swedish issue titles stay readable
    )


def configure_logging(log_format: str = "text", *, level: int = logging.WARNING) -> None:
    """Send log records of ``level`` and above to stderr as ``log_format`` (text or json).

    Safe to call again (a service command raises the level): the handler set up
    before is replaced, never doubled.
    """
    if log_format not in ("text", "json"):
        raise ValueError(f"unknown log format {log_format!r}: text or json")
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _StderrHandler):
            root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(
        json_formatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet_level in QUIET.items():
        logging.getLogger(name).setLevel(quiet_level)
