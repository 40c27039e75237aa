"""The archive's per-request work: the index, the feed and an issue page answer from
memory; the archive's version (one aggregate query) is checked at most once a second
of the app's clock (``archive.cache.FRESH_FOR``), and at the next request after this
process's own sessions committed a change. So any change made through the app's
sessions (a new issue sent, a block or issue withdrawn, a block taken off the web) is
seen at the next request, and one made by another process within a second.

The real app on a SQLite file and PostgreSQL.
"""

from __future__ import annotations

import feedparser
from archive_site import Part, send_issue
from public_site import Site, site_fixture, text_of  # noqa: F401
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from tryggnews.archive.cache import FRESH_FOR
from tryggnews.archive.withdrawal import withdraw_block, withdraw_issue
from tryggnews.content.issues import get_block
from tryggnews.db.plans import capture
from tryggnews.web.public.archive import archive_state

PAGES = ("/arkiv", "/arkiv?amne=tillgrepp", "/arkiv.atom", "/arkiv/2027-1", "/arkiv/2027-2")
SPRING = [Part("Trygghetsvandring i Åkersberga"), Part("Langning", "andts", ("parents-7-9",))]
AUTUMN = [Part("Bostadsinbrott i höstmörkret", "tillgrepp")]


def _builds(site: Site) -> int:
    with site.app.app_context():
        return archive_state().index.builds


def test_a_warm_archive_answers_from_memory_and_checks_once_a_second(
    site: Site, engine: Engine
) -> None:
    send_issue(site.settings, site.sessions, "2027-1", SPRING)
    send_issue(site.settings, site.sessions, "2027-2", AUTUMN, title="Mörka kvällar")
    first = {path: site.get(path).get_data() for path in PAGES}
    builds = _builds(site)
    # Within the freshness window: no query at all.
    for path in PAGES:
        with capture(engine) as statements:
            response = site.get(path)
        assert response.status_code == 200
        assert response.get_data() == first[path], path
        assert statements == [], path
    # Once the window has passed, the next request checks the version: one aggregate,
    # and the list is not rebuilt while nothing changed.
    for path in PAGES:
        site.clock.advance(FRESH_FOR)
        with capture(engine) as statements:
            response = site.get(path)
        assert response.get_data() == first[path], path
        [statement] = statements
        assert "count(" in statement.sql.lower() and "FROM issues" in statement.sql, path
    assert _builds(site) == builds


def test_a_change_by_another_process_is_seen_within_the_window(site: Site, engine: Engine) -> None:
    ids = send_issue(site.settings, site.sessions, "2027-1", SPRING)
    assert "Langning" in text_of(site.get("/arkiv/2027-1"))
    # Sessions the app does not watch stand for another process (a worker, the CLI).
    elsewhere = sessionmaker(engine)
    with elsewhere.begin() as session:
        get_block(session, ids["Langning"]).web_public = False
    site.clock.advance(FRESH_FOR / 2)
    assert "Langning" in text_of(site.get("/arkiv/2027-1"))  # still within the window
    site.clock.advance(FRESH_FOR / 2)
    assert "Langning" not in text_of(site.get("/arkiv/2027-1"))


def test_every_change_is_seen_at_the_next_request(site: Site) -> None:
    ids = send_issue(site.settings, site.sessions, "2027-1", SPRING)
    assert "Trygghetsvandring" in text_of(site.get("/arkiv/2027-1"))
    assert "Mörka kvällar" not in text_of(site.get("/arkiv"))

    # A new issue sent.
    send_issue(site.settings, site.sessions, "2027-2", AUTUMN, title="Mörka kvällar")
    assert "Mörka kvällar" in text_of(site.get("/arkiv"))
    assert [e.title for e in feedparser.parse(site.get("/arkiv.atom").get_data()).entries] == [
        "Mörka kvällar",
        "Stöd efter brott",
    ]

    # A block taken off the web by its editor ("inte på webben").
    with site.sessions.begin() as session:
        get_block(session, ids["Langning"]).web_public = False
    assert "Langning" not in text_of(site.get("/arkiv/2027-1"))

    # A block withdrawn by an administrator.
    with site.sessions.begin() as session:
        withdraw_block(
            session,
            ids["Trygghetsvandring i Åkersberga"],
            reason="Fel datum",
            actor="admin",
            now=site.clock.now(),
        )
    # Nothing of 2027-1 is left to show: it has no page and leaves the index and feed.
    assert site.get("/arkiv/2027-1").status_code == 404
    assert "Stöd efter brott" not in text_of(site.get("/arkiv"))

    # An issue withdrawn.
    with site.sessions.begin() as session:
        withdraw_issue(
            session, "2027-2", reason="Rättsligt skäl", actor="admin", now=site.clock.now()
        )
    assert site.get("/arkiv/2027-2").status_code == 410
    assert feedparser.parse(site.get("/arkiv.atom").get_data()).entries == []
