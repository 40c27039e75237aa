"""The public archive: /arkiv lists every sent issue by year (filterable by focus area),
/arkiv/<key> shows only the blocks the public may read, rendered once per version,
/arkiv.atom parses cleanly and answers conditional GETs with 304; unknown keys are the
Swedish 404, withdrawn issues 410, and no response carries a token or an address."""

from __future__ import annotations

import re

import feedparser
import pytest
from archive_site import READERS, Part, send_issue
from public_site import Site, site_fixture, text_of  # noqa: F401
from sqlalchemy import select

from tryggnews.archive.withdrawal import withdraw_block, withdraw_issue
from tryggnews.db.models import AuditEvent
from tryggnews.errors import ValidationError
from tryggnews.render.model import PLACEHOLDERS
from tryggnews.web.public.archive import archive_state

SPRING = [
    Part(
        "Trygghetsvandring i Åkersberga", body="Vi går [runt centrum](https://example.se/vandring)."
    ),
    Part("Föräldraskolan för tonårsföräldrar", "andts", ("parents-7-9", "senior")),
    Part("Normer på fritidsgården", "vald", ("staff-fritid", "staff-skola")),
    Part("Intern larmlista", web_public=False),
    Part("<script>alert(1)</script>", body="Ett **viktigt** besked."),
]
AUTUMN = [Part("Bostadsinbrott i höstmörkret", "tillgrepp")]


def _state(site: Site) -> object:
    with site.app.app_context():
        return archive_state()


def _renders(site: Site) -> int:
    with site.app.app_context():
        return archive_state().pages.renders


def test_the_index_lists_sent_issues_by_year_newest_first_and_filters_by_focus_area(
    site: Site,
) -> None:
    send_issue(site.settings, site.sessions, "2027-1", SPRING)
    send_issue(site.settings, site.sessions, "2027-2", AUTUMN, title="Mörka kvällar")
    # Staff-only: every block is for staff, so it has no archive page.
    send_issue(
        site.settings,
        site.sessions,
        "2027-3",
        [Part("Rutiner", "vald", ("staff-skola",))],
        staff_only=True,
    )

    page = site.get("/arkiv")
    assert page.status_code == 200
    text = text_of(page)
    assert text.index("Mörka kvällar") < text.index("Stöd efter brott")
    assert "<h2>2027</h2>" in page.get_data(as_text=True)
    assert "Rutiner" not in text and "/arkiv/2027-3" not in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "public, max-age=300"

    only = text_of(site.get("/arkiv?amne=tillgrepp"))
    assert "Mörka kvällar" in only and "Stöd efter brott" not in only
    # Unknown values and unknown parameters are ignored, never an error.
    for query in ("?amne=finns-inte", "?sida=2&x=%00", "?amne=" + "a" * 5000):
        ignored = site.get("/arkiv" + query)
        assert ignored.status_code == 200
        assert "Mörka kvällar" in text_of(ignored) and "Stöd efter brott" in text_of(ignored)
    assert site.get("/arkiv/2027-3").status_code == 404


def test_an_issue_page_shows_the_public_blocks_with_their_audiences_in_words(
    site: Site,
) -> None:
    send_issue(site.settings, site.sessions, "2027-1", SPRING)

    page = site.get("/arkiv/2027-1")
    assert page.status_code == 200
    html, text = page.get_data(as_text=True), text_of(page)
    assert "Trygghetsvandring i Åkersberga" in text
    assert "För: Föräldrar – årskurs 7–9 och Senior" in text
    assert '<a href="https://example.se/vandring" rel="noopener">runt centrum</a>' in html
    assert "<strong>trygghetsvandringarna</strong>" in html
    # Kept off the web: marked "inte på webben", and aimed only at staff.
    assert "Intern larmlista" not in text and "Normer på fritidsgården" not in text
    # Editors' text is text: nothing of theirs becomes a script.
    assert "<script>" not in html and "&lt;script&gt;alert(1)" in html
    base = site.settings.base_url
    assert f'<link rel="canonical" href="{base}/arkiv/2027-1">' in html
    assert f'<meta property="og:url" content="{base}/arkiv/2027-1">' in html
    assert '<meta property="og:title" content="Stöd efter brott">' in html
    assert '<meta name="description" content="Stöd efter brott: nytt från' in html
    assert 'media="print"' in html and "<h1>Stöd efter brott</h1>" in html
    assert "style=" not in html and "<script" not in html


@pytest.mark.parametrize(
    "path",
    [
        "/arkiv/2099-9",
        "/arkiv/%00",
        "/arkiv/2027-1%00",
        "/arkiv/" + "9" * 400,
        "/arkiv/..%2F..%2Fetc",
        "/arkiv/2027-1.atom",
        "/arkiv/%C3%A5%27%20OR%201=1",
    ],
)
def test_an_unknown_or_malformed_key_is_the_swedish_404(site: Site, path: str) -> None:
    send_issue(site.settings, site.sessions, "2027-1", AUTUMN)
    page = site.get(path)
    assert page.status_code == 404
    assert "Sidan finns inte" in text_of(page)


def test_a_page_is_rendered_once_per_version_and_answers_304(site: Site) -> None:
    ids = send_issue(site.settings, site.sessions, "2027-1", SPRING)
    first = site.get("/arkiv/2027-1")
    before = _renders(site)
    second = site.get("/arkiv/2027-1")
    assert _renders(site) == before, "the second request rendered the page again"
    assert second.get_data() == first.get_data()
    etag = first.headers["ETag"]
    assert site.get("/arkiv/2027-1", headers={"If-None-Match": etag}).status_code == 304

    # A block taken off the web makes a new version of the page, rendered afresh.
    with site.sessions.begin() as session:
        withdraw_block(
            session,
            ids["Trygghetsvandring i Åkersberga"],
            reason="Fel datum",
            actor="admin",
            now=site.clock.now(),
        )
    third = site.get("/arkiv/2027-1", headers={"If-None-Match": etag})
    assert third.status_code == 200
    assert "Trygghetsvandring" not in text_of(third)
    assert _renders(site) == before + 1


def test_the_feed_parses_cleanly_answers_304_and_drops_a_withdrawn_issue(site: Site) -> None:
    send_issue(site.settings, site.sessions, "2027-1", SPRING)
    send_issue(site.settings, site.sessions, "2027-2", AUTUMN, title="Mörka kvällar")

    response = site.get("/arkiv.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert [e.title for e in feed.entries] == ["Mörka kvällar", "Stöd efter brott"]
    base = site.settings.base_url
    spring = feed.entries[1]
    assert spring.id == spring.link == f"{base}/arkiv/2027-1"
    assert spring.summary == "Stöd efter brott: nytt från kommunen och polisen"
    assert "Trygghetsvandring i Åkersberga" in spring.content[0].value
    assert "Intern larmlista" not in spring.content[0].value
    assert re.search(
        r"<published>2027-02-16T08:00:00\+01:00</published>", response.get_data(as_text=True)
    )
    assert {a.name for a in spring.authors} == {"Polisen", "Österåkers kommun"}

    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert site.get("/arkiv.atom", headers={"If-None-Match": etag}).status_code == 304
    assert site.get("/arkiv.atom", headers={"If-Modified-Since": modified}).status_code == 304

    with site.sessions.begin() as session:
        withdraw_issue(
            session, "2027-1", reason="Rättsligt skäl", actor="admin", now=site.clock.now()
        )
    gone = site.get("/arkiv/2027-1")
    assert gone.status_code == 410
    assert "har tagits bort från webben" in text_of(gone)
    after = site.get("/arkiv.atom", headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert [e.title for e in feedparser.parse(after.get_data()).entries] == ["Mörka kvällar"]
    assert "Stöd efter brott" not in text_of(site.get("/arkiv"))
    with site.sessions() as session:
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "archive.withdraw_issue")
        ).all()
    assert event.details == {"key": "2027-1", "reason": "Rättsligt skäl"}
    assert event.actor == "admin"


def test_a_withdrawal_needs_a_reason(site: Site) -> None:
    send_issue(site.settings, site.sessions, "2027-1", AUTUMN)
    with site.sessions.begin() as session, pytest.raises(ValidationError, match="Skriv skälet"):
        withdraw_issue(session, "2027-1", reason="  ", actor="admin", now=site.clock.now())
    assert site.get("/arkiv/2027-1").status_code == 200


def test_no_archive_or_feed_response_carries_a_token_or_an_address(site: Site) -> None:
    send_issue(site.settings, site.sessions, "2027-1", SPRING)
    send_issue(site.settings, site.sessions, "2027-2", AUTUMN, title="Mörka kvällar")
    # The emails did carry them: the check below would see them if they leaked.
    mails = list((site.settings.outbox_dir / "new").iterdir())
    assert mails and "/p/" in mails[0].read_text()
    for path in ("/arkiv", "/arkiv?amne=andts", "/arkiv/2027-1", "/arkiv/2027-2", "/arkiv.atom"):
        body = site.get(path).get_data(as_text=True)
        assert "/p/" not in body and "/u/" not in body, path
        for secret in (*READERS, *PLACEHOLDERS):
            assert secret.casefold() not in body.casefold(), (path, secret)
