"""The HTTP server the app runs behind: waitress, its worker threads, and the interpreter's
thread switch interval chosen for them.

waitress reads and writes every socket in one thread and runs the app in ``threads``
others, so each request passes the GIL between threads several times, and more when the
page reads the database (the driver lets the GIL go while it waits). A thread that has let
it go waits for it until the holder lets it go too, at the latest after the interpreter's
switch interval: 5 ms by default, far longer than a page takes. Under load that waiting,
and the switching it brings, was most of a request's cost. At 1 ms the same process
answered 50–75 % more requests a second, the pages that read the database and a
hello-world alike, at a lower p99; a thread busy with a long request (the yearly report's
PDF) gives way a little more often, which costs it well under 1 % (docs/performance.md).
"""

from __future__ import annotations

import sys
from typing import Any

from waitress.server import create_server

DEFAULT_THREADS = 4
SWITCH_INTERVAL_SECONDS = 0.001


def make_server(app: Any, *, host: str, port: int, threads: int = DEFAULT_THREADS) -> Any:
    """A waitress server for ``app`` (port 0: a free one); ``.run()`` serves until stopped.

    Sets the interpreter's switch interval: this process is a server from here on.
    """
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    return create_server(app, host=host, port=port, threads=threads, ident="tryggnews")
