"""The preference page reads the person on the app's reader (``db.reads.make_reader``):
on PostgreSQL an autocommit pool without pre-ping, which must survive a connection the
server dropped (a restart, a failover, pg_terminate_backend) without a single failed
page, and is closed with the main engine; on SQLite the main engine itself.

The real app on a SQLite file and PostgreSQL.
"""

from __future__ import annotations

import time

from public_site import Site, confirmed, h1, site_fixture  # noqa: F401
from sqlalchemy import text

from tryggnews.web.context import EXTENSION, WebContext


def _context(site: Site) -> WebContext:
    context: WebContext = site.app.extensions[EXTENSION]
    return context


def test_a_connection_the_server_dropped_costs_no_page(site: Site) -> None:
    path = f"/p/{confirmed(site, 'anna@example.org')['manage']}"
    reader = _context(site).reader
    engine = site.sessions.kw["bind"]
    if engine.dialect.name != "postgresql":
        assert reader is engine  # nothing to drop: no server, no pool of its own
        return
    assert reader is not engine and reader.url == engine.url
    for _ in range(3):
        assert site.get(path).status_code == 200
        # The page's connection went back to the reader's pool; the server drops it.
        with reader.connect() as connection:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.begin() as admin:
            assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        page = site.get(path)
        assert page.status_code == 200 and h1(page) == "Dina inställningar"


def test_the_reader_is_closed_with_the_engine(site: Site) -> None:
    path = f"/p/{confirmed(site, 'anna@example.org')['manage']}"
    assert site.get(path).status_code == 200
    reader = _context(site).reader
    engine = site.sessions.kw["bind"]
    if reader is engine:
        return  # SQLite: the same engine
    with reader.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    engine.dispose()
    alive = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
    deadline = time.monotonic() + 10
    with engine.connect() as admin:
        while admin.execute(alive, {"pid": pid}).scalar_one() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert admin.execute(alive, {"pid": pid}).scalar_one() == 0, "the reader kept it open"
