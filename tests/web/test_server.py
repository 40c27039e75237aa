"""`tryggnews serve`'s server (web/server.py): waitress with the given threads on a free
port, and the interpreter's thread switch interval set for a server (1 ms, not Python's
5 ms; docs/performance.md). The real `serve` process is run by test_shared_limits.py.
"""

from __future__ import annotations

import sys
import threading
import urllib.request
from collections.abc import Iterator

import pytest
from flask import Flask

from tryggnews.web.server import SWITCH_INTERVAL_SECONDS, make_server


@pytest.fixture(name="default_interval")
def default_interval_fixture() -> Iterator[float]:
    before = sys.getswitchinterval()
    yield before
    sys.setswitchinterval(before)


def test_the_server_answers_and_sets_the_switch_interval(default_interval: float) -> None:
    app = Flask("probe")
    app.add_url_rule("/", view_func=lambda: "svar")
    assert default_interval != pytest.approx(SWITCH_INTERVAL_SECONDS)
    server = make_server(app, host="127.0.0.1", port=0, threads=2)
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_SECONDS)
    assert server.adj.threads == 2
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.effective_port}/", timeout=5) as r:
            assert r.status == 200 and r.read() == b"svar"
            assert r.headers["Server"] == "tryggnews"
    finally:
        server.close()
        thread.join(timeout=5)
