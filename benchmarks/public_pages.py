"""Public pages under load: tryggnews against a Flask hello-world on the same waitress settings.

    python benchmarks/public_pages.py [--subscribers 50000] [--deliveries 500000]
                                      [--database-url URL] [--connections 32]
                                      [--seconds 4] [--rounds 3] [--threads 4]

Builds a database with N subscribers, M delivery rows and 20 sent issues
(``public_data.seed``: a fresh SQLite file, or a fresh schema in the PostgreSQL
database of ``--database-url``), then starts, each in its own process on 127.0.0.1:

- the real app, ``create_app(settings)`` served by waitress with ``--threads`` worker
  threads (4, the default of ``tryggnews serve``);
- a Flask hello-world served by waitress with the same settings.

A load generator (aiohttp, in this process) keeps ``--connections`` keep-alive
connections busy for ``--seconds`` per target and times every request: the
preference page ``/p/<token>`` (1,000 different subscribers in turn), the page of stored
data behind it ``/p/<token>/mina-uppgifter`` (the same subscribers), ``/prenumerera``,
``/arkiv``, ``/arkiv/<key>`` (every issue in turn), ``/arkiv.atom`` and the
hello-world. Targets run interleaved, ``--rounds`` times in a rotating order after a
warm-up; each figure is the median of its rounds. Prints requests/s, p50 and p99 per
target and each page's ratio to the hello-world; the last line is machine-readable
(``p99_ms_max`` is the worst of the pages with a goal; the page of stored data, opened
now and then rather than from every e-mail, is reported beside them as ``ratio_p_stored``
and ``p99_ms_p_stored``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SECRET = "benchmark-secret-key-0123456789-abcdefghij"
HOST = "127.0.0.1"
TOKENS = 1000
STORED = "/p/…/mina-uppg."  # the page of stored data, /p/<token>/mina-uppgifter


# --- the servers (each in its own process) -----------------------------------------------


def hello_app() -> object:
    from flask import Flask

    app = Flask("hello")

    @app.get("/")
    def hello() -> str:
        return "Hello, World!"

    return app


def settings_for(url: str, folder: str) -> object:
    from tryggnews.config import load_settings

    return load_settings(
        environ={},
        dotenv_path=None,
        database_url=url,
        secret_key=SECRET,
        templates_dir=str(REPO / "templates"),
        schedule=str(REPO / "schedule.toml"),
        audiences=str(REPO / "audiences.toml"),
        outbox_dir=f"{folder}/outbox",
        media_dir=f"{folder}/media",
    )


def serve(kind: str, url: str, folder: str, threads: int) -> None:
    """Serve ``kind`` on a free loopback port; print the port; run until killed."""
    import logging

    from tryggnews.web.server import make_server

    # Under a load generator's 32 connections waitress warns of its queue depth on every
    # request: true, expected, and not what this run measures.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    if kind == "hello":
        app = hello_app()
    else:
        from tryggnews.web import create_app

        app = create_app(settings_for(url, folder))  # type: ignore[arg-type]
    # The server of `tryggnews serve` (web/server.py), the same for both: waitress, its
    # threads, the interpreter's switch interval.
    server = make_server(app, host=HOST, port=0, threads=threads)
    print(server.effective_port, flush=True)
    server.run()


def start(kind: str, url: str, folder: str, threads: int) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            kind,
            "--database-url",
            url,
            "--folder",
            folder,
            "--threads",
            str(threads),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.strip().isdigit():
        process.kill()
        sys.exit(f"the {kind} server did not start")
    return process, int(line)


# --- the load generator ------------------------------------------------------------------


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


async def load(base: str, paths: list[str], connections: int, seconds: float) -> Result:
    import aiohttp

    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    # Bodies are read as sent, not inflated (as wrk or ab do): the gzip-compressed feed
    # would otherwise charge the generator's decompression, on the same two cores, to
    # the server it measures.
    async with aiohttp.ClientSession(base, connector=connector, auto_decompress=False) as session:
        deadline = time.perf_counter() + seconds

        async def worker(offset: int) -> None:
            nonlocal errors
            n = offset
            while time.perf_counter() < deadline:
                path = paths[n % len(paths)]
                n += connections
                began = time.perf_counter()
                async with session.get(path) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
                latencies.append(time.perf_counter() - began)

        began = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(connections)))
        elapsed = time.perf_counter() - began
    return Result(len(latencies), elapsed, latencies, errors)


# --- setup ---------------------------------------------------------------------------------


def build(url: str, subscribers: int, deliveries: int) -> tuple[list[str], list[str]]:
    """The database, and the paths to load: preference pages and archive keys."""
    from public_data import seed

    from tryggnews.content.vocabulary import load_vocabulary
    from tryggnews.db.engine import make_engine, make_session_factory
    from tryggnews.db.migrate import upgrade
    from tryggnews.db.models import Subscriber
    from tryggnews.subscribers.tokens import TokenSigner

    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    seeded = seed(
        engine,
        sessions,
        load_vocabulary(REPO / "audiences.toml"),
        secret_key=SECRET,
        subscribers=subscribers,
        deliveries=deliveries,
    )
    signer = TokenSigner(SECRET)
    step = max(1, subscribers // TOKENS)
    with sessions() as session:
        people = session.query(Subscriber.id, Subscriber.token_salt).filter(
            Subscriber.id % step == 0
        )
        manage = [f"/p/{signer.manage_token(i, salt)}" for i, salt in people.limit(TOKENS)]
    engine.dispose()
    return manage, [f"/arkiv/{key}" for key in seeded.issue_keys]


def main() -> None:
    from public_data import drop_schema, fresh_postgres_schema

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=50_000)
    parser.add_argument("--deliveries", type=int, default=500_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4, help="waitress threads (serve: 4)")
    parser.add_argument("--serve", choices=["app", "hello"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.database_url, args.folder, args.threads)
        return

    began = time.perf_counter()
    schema = ""
    with tempfile.TemporaryDirectory(prefix="tryggnews-pages-") as folder:
        if args.database_url:
            url, schema = fresh_postgres_schema(args.database_url)  # dropped at the end
        else:
            url = f"sqlite:///{folder}/pages.db"
        servers: list[subprocess.Popen[str]] = []
        try:
            manage, issues = build(url, args.subscribers, args.deliveries)
            setup = time.perf_counter() - began
            app, app_port = start("app", url, folder, args.threads)
            hello, hello_port = start("hello", url, folder, args.threads)
            servers = [app, hello]
            targets = {
                "hello-world": (hello_port, ["/"]),
                "/p/<token>": (app_port, manage),
                STORED: (app_port, [f"{path}/mina-uppgifter" for path in manage]),
                "/prenumerera": (app_port, ["/prenumerera"]),
                "/arkiv": (app_port, ["/arkiv"]),
                "/arkiv/<key>": (app_port, issues),
                "/arkiv.atom": (app_port, ["/arkiv.atom"]),
            }
            results = run(targets, args.connections, args.seconds, args.rounds)
        finally:
            for server in servers:
                server.kill()
                server.wait()
            if schema:
                drop_schema(args.database_url, schema)
    report(args, results, setup, time.perf_counter() - began)


def run(
    targets: dict[str, tuple[int, list[str]]], connections: int, seconds: float, rounds: int
) -> dict[str, list[Result]]:
    results: dict[str, list[Result]] = {name: [] for name in targets}
    names = list(targets)
    for name in names:  # warm-up: caches filled, connections made, code paths loaded
        port, paths = targets[name]
        asyncio.run(load(f"http://{HOST}:{port}", paths, connections, min(1.0, seconds)))
    for n in range(rounds):
        for name in names[n % len(names) :] + names[: n % len(names)]:
            port, paths = targets[name]
            results[name].append(
                asyncio.run(load(f"http://{HOST}:{port}", paths, connections, seconds))
            )
    return results


def report(
    args: argparse.Namespace, results: dict[str, list[Result]], setup: float, total: float
) -> None:
    def median(name: str, figure: str) -> float:
        values = [
            r.rate if figure == "rate" else r.percentile(0.5 if figure == "p50" else 0.99)
            for r in results[name]
        ]
        return statistics.median(values)

    hello = median("hello-world", "rate")
    database = "postgresql" if args.database_url else "sqlite"
    load_average = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{database}: {args.subscribers} subscribers, {args.deliveries} deliveries; "
        f"{args.connections} connections, {args.seconds:g} s x {args.rounds} interleaved rounds "
        f"(median); waitress threads {args.threads}; setup {setup:.0f} s, total {total:.0f} s"
    )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average now {load_average}"
    )
    print(f"{'target':16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>7}  rounds req/s")
    ratios: dict[str, float] = {}
    for name, runs in results.items():
        rate = median(name, "rate")
        ratios[name] = rate / hello
        errors = sum(r.errors for r in runs)
        rounds = ", ".join(f"{r.rate:.0f}" for r in runs)
        print(
            f"{name:16} {rate:8.0f} {median(name, 'p50'):8.1f} {median(name, 'p99'):8.1f} "
            f"{ratios[name]:7.3f}  {rounds}" + (f"  ({errors} non-200!)" if errors else "")
        )
    fields = {
        "ratio_p": ratios["/p/<token>"],
        "ratio_prenumerera": ratios["/prenumerera"],
        "ratio_arkiv": ratios["/arkiv"],
        "ratio_arkiv_issue": ratios["/arkiv/<key>"],
        "ratio_arkiv_atom": ratios["/arkiv.atom"],
    }
    goals = [name for name in results if name not in ("hello-world", STORED)]
    worst_p99 = max(median(name, "p99") for name in goals)
    print(
        " ".join(f"{key}={value:.3f}" for key, value in fields.items())
        + f" p99_ms_max={worst_p99:.1f} hello_rps={hello:.0f}"
        + f" ratio_p_stored={ratios[STORED]:.3f} p99_ms_p_stored={median(STORED, 'p99'):.1f}"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
