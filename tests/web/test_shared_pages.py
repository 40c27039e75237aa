"""The sign-up page is rendered once per language, path and query string and shared:
every visitor still gets a CSRF token of their own session, which their POST must carry
(another visitor's is refused); the language and the switcher's links follow the
request; a flashed message waiting for a visitor is shown, not a shared copy.

The real app on a SQLite file and PostgreSQL.
"""

from __future__ import annotations

from public_site import CSRF, Site, h1, site_fixture  # noqa: F401

from tryggnews.web.public.shared_pages import PLACEHOLDER, shared_page_cache


def _renders(site: Site) -> int:
    with site.app.app_context():
        return shared_page_cache().renders


def _token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_each_visitor_gets_their_own_token_in_a_page_rendered_once(site: Site) -> None:
    first = site.app.test_client()
    second = site.app.test_client()
    one = first.get("/prenumerera").get_data(as_text=True)
    renders = _renders(site)
    two = second.get("/prenumerera").get_data(as_text=True)
    assert _renders(site) == renders, "the second visitor's page was rendered again"
    assert PLACEHOLDER not in one and PLACEHOLDER not in two
    assert _token(one) != _token(two)
    assert one.replace(_token(one), "") == two.replace(_token(two), "")

    fields = {"email": "anna@example.org", "audiences": ["parents-7-9"], "language": "sv"}
    # Another visitor's token is refused (it belongs to another session) ...
    crossed = second.post("/prenumerera", data={"csrf_token": _token(one), **fields})
    assert crossed.status_code == 400
    assert "Formuläret har gått ut" in crossed.get_data(as_text=True)
    # ... and each visitor's own is accepted.
    own = first.post("/prenumerera", data={"csrf_token": _token(one), **fields})
    assert own.status_code == 303
    assert own.headers["Location"].endswith("/prenumerera/skickat")


def test_the_language_and_the_query_string_make_their_own_page(site: Site) -> None:
    swedish = site.get("/prenumerera")
    english = site.get("/prenumerera?lang=en&from=kommun")
    assert h1(swedish) == "Prenumerera på Trygg i Österåker"
    assert h1(english) != h1(swedish)
    assert 'lang="en"' in english.get_data(as_text=True)
    # The switcher's links keep the query string they were reached with.
    assert "from=kommun" in english.get_data(as_text=True)
    assert "from=kommun" not in swedish.get_data(as_text=True)
    # A later visitor without the cookie asking for Swedish gets the Swedish page again.
    assert h1(site.app.test_client().get("/prenumerera")) == h1(swedish)


def test_a_flashed_message_is_shown_to_its_visitor_only(site: Site) -> None:
    site.get("/prenumerera")  # the shared page exists
    with site.client.session_transaction() as session:
        session["_flashes"] = [("ok", "Ett meddelande bara för dig.")]
    assert "Ett meddelande bara för dig." in site.get("/prenumerera").get_data(as_text=True)
    again = site.get("/prenumerera").get_data(as_text=True)  # shown once, as flashes are
    assert "Ett meddelande bara för dig." not in again
    other = site.app.test_client().get("/prenumerera").get_data(as_text=True)
    assert "Ett meddelande bara för dig." not in other
