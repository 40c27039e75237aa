"""Forms behind a person's signed link — the preference centre, the unsubscribe button and
the confirm button — post without a session CSRF token, and their pages set no cookie on
a first visit; a post the browser says comes from another site (Sec-Fetch-Site, else
Origin) is refused with 403 and changes nothing. Forms not behind a link keep the token.

The real app on a SQLite file and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from public_site import Site, confirmed, h1, site_fixture  # noqa: F401

from tryggnews.db.models import SubscriberStatus
from tryggnews.web.framing import origin_of

ANNA = "anna@example.org"
# What a browser sends when a page of another site posts the form.
FOREIGN: list[dict[str, str]] = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # another host under the same domain
    {"Origin": "https://angripare.example"},
    {"Origin": "null"},  # a sandboxed frame, or a redirect from another site
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},  # Fetch Metadata decides
]


def _own(site: Site) -> list[dict[str, str]]:
    """What a post from our own page sends; neither header: an old browser or a script."""
    return [
        {},
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},
        {"Origin": origin_of(site.settings.base_url)},
        {"Origin": "http://localhost"},  # the request's own host (the test client's)
        {"Origin": origin_of(site.settings.base_url), "Sec-Fetch-Site": "same-origin"},
    ]


def _state(site: Site) -> tuple[Any, ...]:
    subscriber = site.subscriber(ANNA)
    assert subscriber is not None
    return subscriber.status, subscriber.audiences, subscriber.paused_until, len(site.events())


def test_a_post_from_another_site_is_refused_and_changes_nothing(site: Site) -> None:
    tokens = confirmed(site, ANNA)
    manage, unsubscribe = f"/p/{tokens['manage']}", f"/u/{tokens['unsubscribe']}"
    posts = {
        manage: {"audiences": ["senior"], "language": "sv"},
        f"{manage}/pausa": {"until": "2027-08-15"},
        f"{manage}/avsluta": {},
        f"{manage}/radera": {},
        f"{unsubscribe}/bekrafta": {},
        f"/bekrafta/{tokens['confirm']}": {},
    }
    before = _state(site)
    for headers in FOREIGN:
        for path, fields in posts.items():
            client = site.app.test_client()
            response = client.post(path, data=fields, headers=headers)
            assert response.status_code == 403, (path, headers)
            assert h1(response) == "Du har inte behörighet", (path, headers)
            assert _state(site) == before, (path, headers)


def test_a_post_from_our_own_page_needs_no_token_or_cookie(site: Site) -> None:
    path = f"/p/{confirmed(site, ANNA)['manage']}"
    for number, headers in enumerate(_own(site)):
        wanted = ["senior"] if number % 2 == 0 else ["parents-7-9"]
        client = site.app.test_client()  # a first visit: no cookie, no token
        response = client.post(path, data={"audiences": wanted, "language": "sv"}, headers=headers)
        assert response.status_code == 303, headers
        subscriber = site.subscriber(ANNA)
        assert subscriber is not None and subscriber.audiences == wanted, headers
    unsubscribed = site.app.test_client().post(f"{path}/avsluta", headers=_own(site)[3])
    assert unsubscribed.status_code == 303
    assert _state(site)[0] is SubscriberStatus.UNSUBSCRIBED


@pytest.mark.parametrize("page", ["manage", "unsubscribe", "confirm", "erase"])
def test_a_page_reached_from_an_email_sets_no_cookie(site: Site, page: str) -> None:
    tokens = confirmed(site, ANNA)
    assert site.sign_up("bo@example.org").status_code == 303  # not yet confirmed
    path = {
        "manage": f"/p/{tokens['manage']}",
        "unsubscribe": f"/u/{tokens['unsubscribe']}",
        "confirm": f"/bekrafta/{site.tokens('bo@example.org')['confirm']}",
        "erase": f"/p/{tokens['manage']}/radera",
    }[page]
    response = site.app.test_client().get(path)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    html = response.get_data(as_text=True)
    assert "csrf_token" not in html and "<form" in html


def test_forms_not_behind_a_link_still_need_their_token(site: Site) -> None:
    fields = {"email": ANNA, "audiences": "senior", "language": "sv"}
    for path in ("/prenumerera", "/min-lank"):
        refused = site.app.test_client().post(path, data=fields, headers=_own(site)[1])
        assert refused.status_code == 400, path
    assert site.subscriber(ANNA) is None
