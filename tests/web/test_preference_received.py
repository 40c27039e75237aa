"""The preference centre reads only what it shows: the preference page reads the person
alone; the page of stored data (``/p/<token>/mina-uppgifter``) reads the history, the full
export runs when the person asks for the file, and the received issues link to their
archive pages when (and only when) the public may read them, in a fixed number of queries
however many there are.

The real app on a SQLite file and PostgreSQL; statements are seen through the engine's
own event hook (``tryggnews.db.plans.capture``).
"""

from __future__ import annotations

import json
import re

from archive_site import READERS, Part, send_issue
from public_site import Site, site_fixture, text_of  # noqa: F401
from sqlalchemy import Engine, select

from tryggnews.archive.withdrawal import withdraw_issue
from tryggnews.db.models import Delivery, DeliveryStatus, Issue, Subscriber
from tryggnews.db.plans import capture
from tryggnews.web.context import EXTENSION

SPRING = [
    Part("Trygghetsvandring i Åkersberga"),
    Part("Föräldraskolan för tonårsföräldrar", "andts", ("parents-7-9", "senior")),
]
AUTUMN = [Part("Bostadsinbrott i höstmörkret", "tillgrepp")]


def _manage_path(site: Site, address: str) -> str:
    with site.sessions() as session:
        reader = session.scalars(select(Subscriber).where(Subscriber.email_key == address)).one()
        return f"/p/{site.signer.manage_token(reader.id, reader.token_salt)}"


def _stored_path(site: Site, address: str) -> str:
    return f"{_manage_path(site, address)}/mina-uppgifter"


def _deliver(site: Site, key: str, address: str) -> None:
    """A sent ledger row for ``address`` (a staff-only issue is marked sent without a send)."""
    with site.sessions.begin() as session:
        issue = session.scalars(select(Issue).where(Issue.key == key)).one()
        reader = session.scalars(select(Subscriber).where(Subscriber.email_key == address)).one()
        session.add(
            Delivery(
                issue_id=issue.id,
                subscriber_id=reader.id,
                variant="staff",
                status=DeliveryStatus.SENT,
                sent_at=issue.sent_at,
            )
        )


def _links(html: str) -> dict[str, str]:
    """Archive links on the page: link text → href."""
    return {
        text: href for href, text in re.findall(r'<a href="([^"]*/arkiv/[^"]*)">([^<]*)</a>', html)
    }


def test_received_issues_link_to_their_archive_page_only_while_public(site: Site) -> None:
    staff = READERS[2]  # gets everything: the staff-only issue too
    send_issue(site.settings, site.sessions, "2027-1", SPRING)
    send_issue(site.settings, site.sessions, "2027-2", AUTUMN, title="Mörka kvällar")
    send_issue(
        site.settings,
        site.sessions,
        "2027-3",
        [Part("Rutiner", "vald", ("staff-skola",))],
        title="Rutiner för skolan",
        staff_only=True,
    )
    _deliver(site, "2027-3", staff)
    path = _stored_path(site, staff)

    page = site.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    base = site.settings.public_url
    assert _links(html) == {
        "Stöd efter brott": f"{base}/arkiv/2027-1",
        "Mörka kvällar": f"{base}/arkiv/2027-2",
    }
    # The staff-only issue is listed as received, without a link: it has no archive page.
    assert "Rutiner för skolan: " in text_of(page)
    assert site.get("/arkiv/2027-3").status_code == 404
    for href in _links(html).values():
        assert site.get(site.path_of(href)).status_code == 200

    # Withdrawn from the archive: still received, no longer linked.
    with site.sessions.begin() as session:
        withdraw_issue(
            session, "2027-2", reason="Rättsligt skäl", actor="admin", now=site.clock.now()
        )
    after = site.get(path)
    assert _links(after.get_data(as_text=True)) == {"Stöd efter brott": f"{base}/arkiv/2027-1"}
    assert "Mörka kvällar: " in text_of(after)


def test_the_pages_do_not_run_the_export_and_their_queries_do_not_grow(
    site: Site, engine: Engine
) -> None:
    reader = READERS[0]
    send_issue(site.settings, site.sessions, "2027-1", AUTUMN, title="Första")
    manage = _manage_path(site, reader)
    path = _stored_path(site, reader)
    site.get(path)  # the archive's index is built once, not per view

    # The preference page reads the person and nothing else: no history, no archive.
    site.get(manage)
    reader_engine = site.app.extensions[EXTENSION].reader
    with capture(engine, reader_engine) as preferences:
        assert site.get(manage).status_code == 200
    assert len(preferences) == 1 and "FROM subscribers" in preferences[0].sql

    with capture(engine, reader_engine) as one_issue:
        assert site.get(path).status_code == 200
    for number in (2, 3, 4):
        send_issue(site.settings, site.sessions, f"2027-{number}", AUTUMN, title=f"Nr {number}")
    site.get(path)
    with capture(engine, reader_engine) as four_issues:
        page = site.get(path)
    assert len(re.findall(r'href="[^"]*/arkiv/2027-\d"', page.get_data(as_text=True))) == 4
    # No query per issue: the same statements for one received issue as for four.
    assert [s.sql for s in four_issues] == [s.sql for s in one_issue]
    # The person, their consent history and their deliveries; the archive's index is kept.
    tables = [re.search(r"FROM (\w+)", s.sql) for s in four_issues]
    assert [t.group(1) for t in tables if t] == ["subscribers", "consent_events", "deliveries"]
    # The export's suppression lookup is not among them: it runs only for the download.
    assert not any("suppressions" in s.sql for s in four_issues)

    with capture(engine) as download:
        response = site.get(f"{manage}/mina-uppgifter.json")
    assert any("suppressions" in s.sql for s in download)
    data = json.loads(response.get_data(as_text=True))
    assert [d["issue"] for d in data["deliveries"]] == ["2027-1", "2027-2", "2027-3", "2027-4"]
