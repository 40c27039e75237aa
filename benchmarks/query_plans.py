"""Every query the public and editors' pages run, with the database's plan for it.

    python benchmarks/query_plans.py [--database-url URL] [--subscribers 20000]
                                     [--deliveries 200000] [--markdown]

Builds a database (``public_data.seed``; a fresh SQLite file by default, or an empty
PostgreSQL database/schema given by ``--database-url``), runs ``ANALYZE``, then
requests each page through the real app (Flask's test client) while an event hook
records the statements the engine executes (``tryggnews.db.plans.capture``). Each
distinct statement is listed once, under the first page that ran it, with its plan:
``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN`` on PostgreSQL. A statement that reads a
whole table (``SCAN``/``Seq Scan``) is marked; on the tiny tables (organisations,
focus areas, a handful of issues) that is the right plan, on the growing ones it is not.

``--markdown`` prints the listing as it stands in docs/performance.md.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask.testing import FlaskClient
from public_data import Seeded, drop_schema, fresh_postgres_schema, seed
from sqlalchemy import func, select

from tryggnews.clock import FixedClock
from tryggnews.config import Settings, load_settings
from tryggnews.content.vocabulary import load_vocabulary
from tryggnews.db.engine import make_engine, make_session_factory
from tryggnews.db.migrate import upgrade
from tryggnews.db.models import Base
from tryggnews.db.plans import Statement, capture, explain, full_scans, indexes_used
from tryggnews.editors.accounts import create_user
from tryggnews.subscribers.tokens import TokenSigner
from tryggnews.web import create_app
from tryggnews.web.context import EXTENSION

REPO = Path(__file__).resolve().parent.parent
SECRET = "benchmark-secret-key-0123456789-abcdefghij"
EDITOR = "redaktor@example.org"
PASSWORD = "ett långt lösenord för mätningen"
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# A full read of a table this small is the planner's right choice, not a missing index.
SMALL = 1000
IN_LIST = re.compile(r"IN \((?:\?|%\(\w+\)s)(?:, (?:\?|%\(\w+\)s))*\)")


@dataclass
class PageQueries:
    page: str
    statements: list[Statement]


def settings_for(url: str, workdir: Path) -> Settings:
    return load_settings(
        environ={},
        dotenv_path=None,
        database_url=url,
        outbox_dir=str(workdir / "outbox"),
        secret_key=SECRET,
        templates_dir=str(REPO / "templates"),
        schedule=str(REPO / "schedule.toml"),
        audiences=str(REPO / "audiences.toml"),
        media_dir=str(workdir / "media"),
    )


def _csrf(client: FlaskClient, path: str) -> str:
    match = CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def pages(seeded: Seeded, signer: TokenSigner) -> list[tuple[str, Callable[[FlaskClient], int]]]:
    """The pages, in the order a visitor and an editor meet them; each returns a status."""
    manage = signer.manage_token(seeded.reader_id, seeded.reader_salt)
    unsubscribe = signer.unsubscribe_token(seeded.reader_id, seeded.reader_salt)
    key = seeded.issue_keys[0]

    def get(path: str) -> Callable[[FlaskClient], int]:
        return lambda client: client.get(path).status_code

    def sign_up(client: FlaskClient) -> int:
        token = _csrf(client, "/prenumerera")
        data = {
            "csrf_token": token,
            "email": "ny.prenumerant@example.org",
            "audiences": ["senior"],
            "language": "sv",
        }
        return client.post("/prenumerera", data=data).status_code

    def log_in(client: FlaskClient) -> int:
        token = _csrf(client, "/redaktion/logga-in")
        data = {"csrf_token": token, "email": EDITOR, "password": PASSWORD}
        return client.post("/redaktion/logga-in", data=data).status_code

    return [
        ("GET /prenumerera", get("/prenumerera")),
        ("POST /prenumerera (sign-up)", sign_up),
        ("GET /p/<token> (preference centre)", get(f"/p/{manage}")),
        ("GET /p/<token>/mina-uppgifter (stored data)", get(f"/p/{manage}/mina-uppgifter")),
        ("GET /p/<token>/mina-uppgifter.json (export)", get(f"/p/{manage}/mina-uppgifter.json")),
        ("GET /u/<token> (unsubscribe)", get(f"/u/{unsubscribe}")),
        ("GET /arkiv", get("/arkiv")),
        ("GET /arkiv (cached)", get("/arkiv")),
        (f"GET /arkiv/{key}", get(f"/arkiv/{key}")),
        (f"GET /arkiv/{key} (cached)", get(f"/arkiv/{key}")),
        ("GET /arkiv.atom", get("/arkiv.atom")),
        ("GET /arkiv.atom (cached)", get("/arkiv.atom")),
        ("GET /kalender", get("/kalender")),
        ("POST /redaktion/logga-in", log_in),
        ("GET /redaktion/ (dashboard)", get("/redaktion/")),
        ("GET /redaktion/utskick/", get("/redaktion/utskick/")),
        (f"GET /redaktion/utskick/{key}", get(f"/redaktion/utskick/{key}")),
        ("GET /redaktion/block/", get("/redaktion/block/")),
        ("GET /redaktion/logg/", get("/redaktion/logg/")),
        ("GET /redaktion/anvandare/", get("/redaktion/anvandare/")),
    ]


def collect(
    url: str, subscribers: int, deliveries: int, workdir: Path
) -> tuple[str, list[PageQueries], dict[str, list[str]], dict[str, int]]:
    settings = settings_for(url, workdir)
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    vocabulary = load_vocabulary(REPO / "audiences.toml")
    started = time.perf_counter()
    seeded = seed(
        engine,
        sessions,
        vocabulary,
        secret_key=SECRET,
        subscribers=subscribers,
        deliveries=deliveries,
    )
    print(
        f"# seeded {seeded.subscribers} subscribers, {seeded.deliveries} deliveries "
        f"in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    with sessions.begin() as session:
        create_user(
            session,
            email=EDITOR,
            organisation="kommun",
            role="admin",
            name="Redaktör",
            password=PASSWORD,
            actor="benchmark",
            now=NOW,
        )
    app = create_app(settings, session_factory=sessions, clock=FixedClock(NOW))
    client = app.test_client()
    found: list[PageQueries] = []
    for page, run in pages(seeded, TokenSigner(SECRET)):
        with capture(engine, app.extensions[EXTENSION].reader) as statements:
            status = run(client)
        if status >= 400:
            # Listed anyway (the statements it ran before failing), and said loudly.
            print(f"# WARNING: {page} answered {status}", file=sys.stderr)
            page = f"{page} [answered {status}]"
        found.append(PageQueries(page, list(statements)))
    plans: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for entry in found:
            for statement in entry.statements:
                if _key(statement.sql) not in plans and _is_query(statement.sql):
                    plans[_key(statement.sql)] = explain(connection, statement)
            connection.rollback()
        rows = {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }
    engine.dispose()
    return engine.dialect.name, found, plans, rows


def _key(sql: str) -> str:
    """One entry for statements that differ only in the length of an IN list."""
    return IN_LIST.sub("IN (…)", " ".join(sql.split()))


def _is_query(sql: str) -> bool:
    head = sql.lstrip().split(None, 1)[0].upper()
    return head in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


def report(
    dialect: str, found: list[PageQueries], plans: dict[str, list[str]], rows: dict[str, int]
) -> list[str]:
    lines = [f"### {dialect}", ""]
    listed: set[str] = set()
    for entry in found:
        keys = [_key(s.sql) for s in entry.statements if _is_query(s.sql)]
        new = [k for k in dict.fromkeys(keys) if k not in listed]
        lines.append(f"**{entry.page}** — {len(keys)} statement(s)" + ("" if new else ", none new"))
        lines.append("")
        for key in new:
            listed.add(key)
            plan = plans[key]
            scans = _large(full_scans(plan), rows)
            flag = f" **full scan of {', '.join(scans)}**" if scans else ""
            used = ", ".join(sorted(indexes_used(plan))) or "none"
            times = keys.count(key)
            repeat = f" — run {times}× by this page" if times > 1 else ""
            lines.append(f"- `{_short(key)}` — indexes: {used}{flag}{repeat}")
            lines.append("")
            lines.append("  ```")
            lines.extend(f"  {line}" for line in plan)
            lines.append("  ```")
        lines.append("")
    return lines


def _large(tables: set[str], rows: dict[str, int]) -> list[str]:
    """The tables read whole that hold SMALL rows or more (aliases like ``issues_1`` too)."""
    names = {re.sub(r"_\d+$", "", t) for t in tables}
    return [f"{n} ({rows[n]} rows)" for n in sorted(names) if rows.get(n, 0) >= SMALL]


def _short(sql: str, limit: int = 300) -> str:
    sql = sql.replace("`", "'")
    return sql if len(sql) <= limit else sql[: limit - 1] + "…"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--subscribers", type=int, default=20_000)
    parser.add_argument("--deliveries", type=int, default=200_000)
    parser.add_argument("--markdown", action="store_true", help="print only the listing")
    args = parser.parse_args()
    schema = ""
    with tempfile.TemporaryDirectory(prefix="tryggnews-plans-") as tmp:
        if args.database_url:  # a fresh schema in that database, dropped at the end
            url, schema = fresh_postgres_schema(args.database_url)
        else:
            url = f"sqlite:///{Path(tmp) / 'plans.db'}"
        try:
            dialect, found, plans, rows = collect(url, args.subscribers, args.deliveries, Path(tmp))
        finally:
            if schema:
                drop_schema(args.database_url, schema)
    print("\n".join(report(dialect, found, plans, rows)))
    unexpected = {table for plan in plans.values() for table in _large(full_scans(plan), rows)}
    if not args.markdown:
        print(f"full_scans_of_large_tables={','.join(sorted(unexpected)) or 'none'}")


if __name__ == "__main__":
    main()
