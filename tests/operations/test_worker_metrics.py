"""`tryggnews worker --metrics-port`: a real worker process serves its own batch latency
and the transport's answers over HTTP while it sends; a port in use is one clear line."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.request

from prometheus_client.parser import text_string_to_metric_families
from sending_setup import cli_env, prepare_issue, worker_command
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.config import Settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def figures(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_a_worker_serves_its_batches(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    prepare_issue(settings, session_factory, 5)
    port = free_port()
    env = cli_env(settings, send_batch_size="2")
    worker = subprocess.Popen(
        worker_command("--poll", "0.2", "--metrics-port", str(port)),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    accepted = ("tryggnews_messages_total", (("status", "accepted"), ("transport", "outbox")))
    try:
        deadline = time.monotonic() + 60
        seen: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        while time.monotonic() < deadline:
            try:
                seen = figures(port)
            except OSError:
                seen = {}
            if seen.get(accepted) == 5:
                break
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            time.sleep(0.1)
        assert seen.get(accepted) == 5, seen
        assert seen[("tryggnews_batch_seconds_count", (("transport", "outbox"),))] == 3
        assert (
            seen[("tryggnews_messages_total", (("status", "failed"), ("transport", "outbox")))] == 0
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err


def test_a_port_in_use_is_one_line(settings: Settings, engine: object) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            worker_command("--once", "--metrics-port", str(port)),
            env=cli_env(settings),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2
    assert f"Error: --metrics-port {port}: cannot listen" in done.stderr
    assert "Traceback" not in done.stderr
