"""Two workers against one: does a second `tryggnews worker` process send (nearly) twice as much?

    python benchmarks/two_workers.py [--database-url postgresql://postgres@127.0.0.1:5432/test]
                                     [--subscribers 100000] [--connections 2]
                                     [--batch-size 500] [--workers 2] [--sink-delay 0]

On PostgreSQL (each run in fresh schemas it creates and drops), the same issue is
prepared twice with N subscribers (bulk-inserted, then snapshotted into the ledger
the way ``issue send`` does, before any clock starts). Then, in the same run and
into the same sink:

(1) ONE real ``tryggnews worker --once`` process sends the first copy;
(2) TWO (``--workers``) such processes, started together, send the second copy,
    sharing the ledger through their claims (``FOR UPDATE SKIP LOCKED``).

The sink is ``send_throughput``'s raw socket SMTP sink (imported, in its own
process), extended here to count every RCPT: the rate of a phase is its messages
over the time from its first RCPT to its last, so the workers' start-up (imports,
connecting) is left out; the wall time including start-up is printed too. Each
phase is checked: every recipient exactly once at the sink, and every ledger row
``sent``. With ``--sink-delay S`` the sink answers each command group S seconds late, as
a real relay does: the send is then bound by the relay's answer time, not by the CPU of
the machine the sink, the database and the workers share. The last line is
machine-readable; ``ratio=`` is two over one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import smtplib
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import ClassVar

from send_throughput import RawSink, bench_settings, make_database, smtp_overrides
from sqlalchemy import create_engine, text

ISSUE = "2027-1"


class CountingSink(RawSink):
    """The raw sink, counting each RCPT's address; ``XSTA`` reports, ``XRST`` resets."""

    seen: ClassVar[Counter[bytes]] = Counter()
    first: ClassVar[float] = 0.0
    last: ClassVar[float] = 0.0

    def answer(self, line: bytes) -> bytes:
        command = line[:4].upper()
        if command == b"RCPT":
            now = time.monotonic()
            sink = CountingSink
            if not sink.seen:
                sink.first = now
            sink.last = now
            start = line.find(b"<")
            sink.seen[line[start + 1 : line.find(b">", start)]] += 1
        elif command == b"XSTA":
            seen = CountingSink.seen
            total = sum(seen.values())
            most = max(seen.values(), default=0)
            span = CountingSink.last - CountingSink.first
            return f"250 {total} {len(seen)} {most} {span:.6f}\r\n".encode()
        elif command == b"XRST":
            CountingSink.seen = Counter()
        return b"250 OK\r\n"


class DelayedWrites:
    """A relay's answer time: every answer on one connection leaves ``delay`` seconds after
    the command it answers, in order (as a relay that writes each message to its queue on
    disk before its 250 takes a few milliseconds)."""

    def __init__(self, transport: asyncio.Transport, delay: float) -> None:
        self.transport, self.delay = transport, delay
        self.loop = asyncio.get_running_loop()
        self.last = 0.0

    def _at(self) -> float:
        # Strictly increasing per connection, so the event loop keeps the answers in order.
        self.last = max(self.loop.time() + self.delay, self.last + 1e-6)
        return self.last

    def write(self, data: bytes) -> None:
        self.loop.call_at(self._at(), self.transport.write, data)

    def close(self) -> None:
        self.loop.call_at(self._at(), self.transport.close)


class SlowCountingSink(CountingSink):
    delay: ClassVar[float] = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        delayed = DelayedWrites(transport, self.delay)  # type: ignore[arg-type]
        super().connection_made(delayed)  # type: ignore[arg-type]


def run_sink(delay: float) -> None:
    loop = asyncio.new_event_loop()
    SlowCountingSink.delay = delay
    factory = SlowCountingSink if delay > 0 else CountingSink
    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", 0))
    print(server.sockets[0].getsockname()[1], flush=True)
    loop.run_forever()


def sink_command(port: int, command: str) -> str:
    smtp = smtplib.SMTP("127.0.0.1", port, timeout=30)
    try:
        code, reply = smtp.docmd(command)
        assert code == 250, (code, reply)
        return reply.decode()
    finally:
        smtp.close()


# --- databases --------------------------------------------------------------------------


def schema_url(base: str, schema: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


def prepare(url: str, folder: str, subscribers: int) -> None:
    """The sample issue with ``subscribers`` receivers, snapshotted and ``sending``."""
    from tryggnews import wiring
    from tryggnews.clock import SystemClock
    from tryggnews.db.engine import make_engine, make_session_factory
    from tryggnews.transports.outbox import MaildirTransport

    make_database(url, subscribers)
    settings = bench_settings(url, folder)
    engine = make_engine(url)
    try:
        wiring.publisher(settings).send(
            make_session_factory(engine),
            ISSUE,
            transport=MaildirTransport(settings.outbox_dir),
            signer=wiring.signer(settings),
            clock=SystemClock(),
            worker_id="benchmark-setup",
            batch_size=500,
            deliver=False,
            require_approval=False,  # no editors in the benchmark database
        )
    finally:
        engine.dispose()


def ledger(url: str) -> tuple[str, dict[str, int]]:
    """The issue's status and its ledger rows by state."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            status = conn.execute(
                text("SELECT status FROM issues WHERE key = :key"), {"key": ISSUE}
            ).scalar_one()
            rows = conn.execute(
                text(
                    "SELECT d.status, count(*) FROM deliveries d JOIN issues i "
                    "ON i.id = d.issue_id WHERE i.key = :key GROUP BY d.status"
                ),
                {"key": ISSUE},
            ).all()
    finally:
        engine.dispose()
    return str(status), {str(state): int(count) for state, count in rows}


# --- one phase --------------------------------------------------------------------------


def worker_env(url: str, folder: str, overrides: dict[str, str]) -> dict[str, str]:
    settings = bench_settings(url, folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRYGGNEWS_")}
    env.update(
        {
            "TRYGGNEWS_DATABASE_URL": url,
            "TRYGGNEWS_SECRET_KEY": settings.secret_key,
            "TRYGGNEWS_SENDER_ADDRESS": settings.sender_address,
            "TRYGGNEWS_TEMPLATES_DIR": str(settings.templates_dir),
            "TRYGGNEWS_SCHEDULE": str(settings.schedule),
            "TRYGGNEWS_AUDIENCES": str(settings.audiences),
            "TRYGGNEWS_OUTBOX_DIR": str(settings.outbox_dir),
        }
    )
    env.update({f"TRYGGNEWS_{k.upper()}": v for k, v in overrides.items()})
    return env


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a live process has used (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def phase(
    workers: int,
    url: str,
    folder: str,
    sink: tuple[int, int],
    overrides: dict[str, str],
    total: int,
) -> tuple[float, float]:
    """Run ``workers`` worker processes until the issue is sent; (sink seconds, wall seconds).

    Also prints the CPU the workers and the sink used per message: on a machine with
    few cores, whether two workers can be twice as fast is a question of CPU.
    """
    port, sink_pid = sink
    sink_command(port, "XRST")
    env = worker_env(url, folder, overrides)
    command = [sys.executable, "-m", "tryggnews", "worker", "--once", "--poll", "0.2"]
    cpu_before, sink_before = children_cpu(), cpu_seconds(sink_pid)
    started = time.perf_counter()
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(workers)
    ]
    errors = [process.communicate()[1].decode() for process in processes]
    wall = time.perf_counter() - started
    worker_cpu = children_cpu() - cpu_before
    sink_cpu = cpu_seconds(sink_pid) - sink_before
    codes = [process.returncode for process in processes]
    if codes != [0] * workers:
        sys.exit(f"a worker failed ({codes}):\n" + "\n".join(errors))
    handled = [
        int(match.group(1))
        for log in errors
        if (match := re.search(r"(\d+) accepted of \d+ handled", log))
    ]
    received, distinct, most, span = sink_command(port, "XSTA").split()
    status, counts = ledger(url)
    problems = []
    if int(received) != total or int(distinct) != total or int(most) != 1:
        problems.append(f"sink got {received} messages for {distinct} recipients (max {most})")
    if status != "sent" or counts != {"sent": total}:
        problems.append(f"issue {status}, ledger {counts}")
    if problems:
        sys.exit(f"{workers} worker(s): not a valid run: " + "; ".join(problems))
    print(
        f"{workers} worker(s): {total} messages, each recipient once, ledger all sent; "
        f"per worker {handled}; {float(span):.1f} s at the sink, {wall:.1f} s wall "
        f"(with start-up): {(total - 1) / float(span):.0f} msg/s"
    )
    print(
        f"  CPU: workers {worker_cpu:.1f} s ({worker_cpu / total * 1e6:.0f} µs a message, "
        f"start-up included), sink {sink_cpu:.1f} s ({sink_cpu / total * 1e6:.0f} µs a message)"
    )
    return float(span), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/test", help="PostgreSQL"
    )
    parser.add_argument("--subscribers", type=int, default=100_000, help="recipients (100000)")
    parser.add_argument("--connections", type=int, default=2, help="SMTP connections per worker")
    parser.add_argument("--batch-size", type=int, default=500, help="rows per claim (500)")
    parser.add_argument("--workers", type=int, default=2, help="workers in the second phase")
    parser.add_argument(
        "--sink-delay",
        type=float,
        default=0.0,
        help="seconds the sink takes to answer each command group, as a relay does (0)",
    )
    parser.add_argument("--run-sink", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_sink:
        run_sink(args.sink_delay)
        return

    from tryggnews.db.engine import normalise_url

    base = normalise_url(args.database_url)
    if not base.startswith("postgresql"):
        sys.exit("--database-url: this benchmark needs PostgreSQL (workers on several hosts)")
    total = args.subscribers
    tag = uuid.uuid4().hex[:8]
    schemas = [f"bench_{tag}_one", f"bench_{tag}_two"]
    admin = create_engine(base)
    sink = subprocess.Popen(
        [sys.executable, __file__, "--run-sink", "--sink-delay", str(args.sink_delay)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sink.stdout is not None
        port = int(sink.stdout.readline())
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        urls = [schema_url(base, schema) for schema in schemas]
        with tempfile.TemporaryDirectory(prefix="tryggnews-two-workers-") as folder:
            began = time.perf_counter()
            for url in urls:
                prepare(url, folder, total)
            print(f"prepared 2 × {total} subscribers in {time.perf_counter() - began:.1f} s")
            overrides = {
                **smtp_overrides(port, args.connections),
                "send_batch_size": str(args.batch_size),
            }
            one, _ = phase(1, urls[0], folder, (port, sink.pid), overrides, total)
            two, _ = phase(args.workers, urls[1], folder, (port, sink.pid), overrides, total)
    finally:
        sink.kill()
        sink.wait()
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    rate_one, rate_two = (total - 1) / one, (total - 1) / two
    print(
        f"subscribers {total}, connections per worker {args.connections}, batch "
        f"{args.batch_size}, sink delay {args.sink_delay * 1000:.0f} ms, cores "
        f"{os.cpu_count()}, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(f"one worker:  {rate_one:8.0f} msg/s")
    print(f"{args.workers} workers: {rate_two:8.0f} msg/s")
    print(
        f"one_msgs_per_s={rate_one:.0f} two_msgs_per_s={rate_two:.0f} "
        f"ratio={rate_two / rate_one:.3f}"
    )


if __name__ == "__main__":
    main()
