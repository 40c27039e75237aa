"""CPU time per request of the public pages, in-process: steadier than wall-clock rates on a
shared machine, and the figure that decides the rate on a machine with free cores.

    python benchmarks/public_cpu.py [--subscribers 5000] [--deliveries 50000]
                                    [--database-url URL] [--requests 300] [--rounds 3]
                                    [--profile PATH]

Builds the database of ``public_data.seed`` (a fresh SQLite file, or a fresh schema in the
PostgreSQL database of ``--database-url``), then sends ``--requests`` requests per target
through the Werkzeug test client of the real app (no cookie kept: every request is a first
visit, as under ``public_pages.py``) and of a Flask hello-world, timing them with
``time.process_time`` (this process's CPU: the app and the database driver; on PostgreSQL
not the server's). Prints the least of ``--rounds`` rounds per target, in milliseconds per
request, and Python calls per request (cProfile, one round). ``--profile PATH`` appends
the top functions of each target's profile to PATH.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from public_pages import build, hello_app, settings_for


def main() -> None:
    from public_data import drop_schema, fresh_postgres_schema

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=5_000)
    parser.add_argument("--deliveries", type=int, default=50_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", default="")
    args = parser.parse_args()

    from tryggnews.web import create_app

    schema = ""
    with tempfile.TemporaryDirectory(prefix="tryggnews-cpu-") as folder:
        if args.database_url:
            url, schema = fresh_postgres_schema(args.database_url)
        else:
            url = f"sqlite:///{folder}/pages.db"
        try:
            manage, issues = build(url, args.subscribers, args.deliveries)
            app = create_app(settings_for(url, folder))  # type: ignore[arg-type]
            hello = hello_app()
            targets: dict[str, tuple[object, list[str]]] = {
                "hello-world": (hello, ["/"]),
                "/healthz": (app, ["/healthz"]),
                "/p/<token>": (app, manage),
                "/p/…/mina-uppg.": (app, [f"{path}/mina-uppgifter" for path in manage]),
                "/prenumerera": (app, ["/prenumerera"]),
                "/arkiv": (app, ["/arkiv"]),
                "/arkiv/<key>": (app, issues),
                "/arkiv.atom": (app, ["/arkiv.atom"]),
            }
            print(f"{'target':16} {'CPU ms/request':>15} {'calls/request':>14}")
            for name, (target, paths) in targets.items():
                per_request, calls = measure(
                    target, paths, args.requests, args.rounds, name, args.profile
                )
                print(f"{name:16} {per_request:15.3f} {calls:14.0f}")
        finally:
            if schema:
                drop_schema(args.database_url, schema)


def measure(
    app: object, paths: list[str], requests: int, rounds: int, name: str, profile: str
) -> tuple[float, float]:
    client = app.test_client(use_cookies=False)  # type: ignore[attr-defined]

    def one_round() -> None:
        for n in range(requests):
            response = client.get(paths[n % len(paths)])
            if response.status_code != 200:
                sys.exit(f"{name}: {paths[n % len(paths)]} answered {response.status_code}")

    one_round()  # warm-up: caches filled, code paths loaded
    best = min(_timed(one_round) for _ in range(rounds))
    profiler = cProfile.Profile(time.process_time)
    profiler.runcall(one_round)
    stats = pstats.Stats(profiler)
    calls = stats.total_calls / requests  # type: ignore[attr-defined]
    if profile:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        with open(profile, "a") as f:
            f.write(f"===== {name}\n{out.getvalue()}\n")
    return best / requests * 1000, calls


def _timed(work: Callable[[], None]) -> float:
    began = time.process_time()
    work()
    return time.process_time() - began


if __name__ == "__main__":
    main()
