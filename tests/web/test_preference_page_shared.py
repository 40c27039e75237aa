"""The preference page is rendered once per language, status, pause and day and filled in
per request: each person's page holds only their own address, token, pause day and
choices and nothing of the visitor's (no CSRF token, no cookie), and the filled page is
the page the ordinary rendering gives; a page with a flashed message is rendered as it is.

The real app on a SQLite file and PostgreSQL.
"""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient
from markupsafe import escape
from public_site import Site, confirmed, site_fixture, text_of  # noqa: F401

from tryggnews.web.public.preference_page import MARK, preference_page_cache

ANNA = "anna@example.org"
BO = "o'neil&bo@example.org"  # characters that HTML escaping changes
CIA = "cia@example.org"
DAN = "dan@example.org"
EVA = "eva@example.org"  # Anna's kind of page: the same kept copy


def _renders(site: Site) -> int:
    with site.app.app_context():
        return preference_page_cache().renders


def _checked(page: str) -> set[str]:
    return set(re.findall(r'name="(?:audiences|topics|language)" value="([^"]+)" checked', page))


def _view(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_each_person_sees_only_their_own_values(site: Site) -> None:
    tokens = {
        ANNA: confirmed(site, ANNA, ["parents-7-9", "senior"])["manage"],
        BO: confirmed(site, BO, ["foretag"])["manage"],
        CIA: confirmed(site, CIA, ["senior"])["manage"],
        DAN: confirmed(site, DAN, ["parents-4-6"])["manage"],
        EVA: confirmed(site, EVA, ["foretag"])["manage"],
    }
    paths = {address: f"/p/{token}" for address, token in tokens.items()}
    # Different statuses, pauses, choices and languages.
    assert (
        site.submit(paths[BO], audiences=["foretag"], topics=["vald"], language="en").status_code
        == 303
    )
    assert site.submit(paths[CIA], f"{paths[CIA]}/avsluta").status_code == 303
    assert site.submit(paths[CIA], audiences=["senior"], language="ar").status_code == 303
    assert site.submit(paths[DAN], f"{paths[DAN]}/pausa", until="2027-08-15").status_code == 303

    # A fresh visitor per person (no flashed message waiting): each page from the kept copy.
    visitors = {address: site.app.test_client() for address in tokens}
    pages = {
        address: _view(visitors[address], path) for address, path in paths.items() if address != EVA
    }
    renders = _renders(site)
    pages[EVA] = _view(visitors[EVA], paths[EVA])
    assert _renders(site) == renders, "Eva's page is Anna's kind: from the same kept copy"
    for address, page in pages.items():
        others = [other for other in tokens if other != address]
        assert MARK not in page, address
        assert str(escape(address)) in page and tokens[address] in page, address
        for other in others:
            assert str(escape(other)) not in page and tokens[other] not in page, (address, other)
        # Every link and form of the page, and the language switcher, carry the own token.
        urls = re.findall(r'(?:href|action)="(/p/[^"?]*)', page)
        assert len(urls) >= 6 and all(url.startswith(paths[address]) for url in urls), urls
        switcher = re.findall(r'href="(/p/[^"]*\?lang=[a-z]+)"', page)
        assert len(switcher) == 4 and all(u.startswith(paths[address] + "?") for u in switcher)
    assert "o&#39;neil&amp;bo@example.org" in pages[BO]
    assert "Subscription for o'neil&bo@example.org" in html.unescape(text_of_html(pages[BO]))
    assert _checked(pages[ANNA]) == {"parents-7-9", "senior", "sv"}
    assert _checked(pages[BO]) == {"foretag", "vald", "en"}
    assert _checked(pages[CIA]) == {"senior", "ar"}
    assert _checked(pages[EVA]) == {"foretag", "sv"}
    assert '<html lang="ar" dir="rtl">' in pages[CIA] and "/prenumerera-igen" in pages[CIA]
    assert "pausad till och med 15 augusti 2027" in text_of_html(pages[DAN])
    assert "/fortsatt" in pages[DAN] and "/fortsatt" not in pages[ANNA]
    assert "15 augusti 2027" not in pages[ANNA]

    # Anna and a second visitor of hers share the kept copy, which holds nothing of either
    # visitor: no CSRF token (the forms post behind the signed link) and no cookie set.
    renders = _renders(site)
    second = site.app.test_client()
    first_visit = second.get(paths[ANNA])
    assert _renders(site) == renders, "the same kind of page was rendered again"
    assert first_visit.get_data(as_text=True) == pages[ANNA]
    assert "csrf_token" not in pages[ANNA] and "Set-Cookie" not in first_visit.headers
    fields = {"audiences": ["senior"], "language": "sv"}
    assert second.post(paths[ANNA], data=fields).status_code == 303


def text_of_html(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _without_notice(page: str) -> str:
    page = re.sub(r'<p class="notice[^"]*" role="status">.*?</p>', "", page, flags=re.S)
    return re.sub(r"\s+", " ", page)


def test_the_filled_page_is_the_ordinary_rendering(site: Site) -> None:
    path = f"/p/{confirmed(site, ANNA, ['parents-7-9', 'senior'])['manage']}"
    for query in ("", "?lang=en&from=kommun"):
        with site.client.session_transaction() as session:
            session["_flashes"] = [("ok", "Ett meddelande bara för dig.")]
        renders = _renders(site)
        ordinary = site.get(path + query).get_data(as_text=True)
        assert "Ett meddelande bara för dig." in ordinary
        assert _renders(site) == renders, "a page with a message is not kept"
        filled = site.get(path + query).get_data(as_text=True)
        assert "Ett meddelande bara för dig." not in filled
        assert _without_notice(filled) == _without_notice(ordinary)
    # The query string is the visitor's: it made a page of its own.
    assert "from=kommun" in filled
    assert "from=kommun" not in site.get(path).get_data(as_text=True)


def test_a_form_with_errors_is_rendered_as_it_is(site: Site) -> None:
    path = f"/p/{confirmed(site, ANNA)['manage']}"
    site.get(path)
    refused = site.submit(path, audiences=[], language="sv")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'role="alert"' in page and 'id="audiences-error"' in page and MARK not in page
    assert "Prenumeration för anna@example.org : aktiv." in text_of(refused)
