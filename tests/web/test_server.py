"""`tryggnews serve`'s server (web/server.py): waitress with the given threads, listening on
a free port, and the interpreter's thread switch interval set for a server (1 ms, not
Python's 5 ms; docs/performance.md). Real `serve` processes answer in test_shared_limits.py.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator

import pytest
from flask import Flask

from tryggnews.web.server import SWITCH_INTERVAL_SECONDS, make_server


@pytest.fixture(name="default_interval")
def default_interval_fixture() -> Iterator[float]:
    before = sys.getswitchinterval()
    yield before
    sys.setswitchinterval(before)


def test_the_server_listens_with_its_threads_and_sets_the_switch_interval(
    default_interval: float,
) -> None:
    app = Flask("probe")
    assert default_interval != pytest.approx(SWITCH_INTERVAL_SECONDS)
    server = make_server(app, host="127.0.0.1", port=0, threads=2)
    try:
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_SECONDS)
        assert (server.adj.threads, server.adj.ident) == (2, "tryggnews")
        # Listening already: a client connects before the server runs (it answers in
        # test_shared_limits.py, where real `tryggnews serve` processes are started).
        with socket.create_connection(("127.0.0.1", server.effective_port), timeout=5):
            pass
    finally:
        server.close()
        server.task_dispatcher.shutdown()  # its worker threads, started with the server
