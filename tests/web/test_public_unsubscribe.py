"""One-click unsubscribe (RFC 8058) at /u/<token>: POST with List-Unsubscribe=One-Click
unsubscribes at once, idempotently, with 200, no redirect, no cookie and no CSRF token;
GET only shows a button; a bad token or body is a 400 that changes nothing.

The real app on a SQLite file and PostgreSQL.
"""

from __future__ import annotations

import pytest
from public_site import Site, confirmed, h1, site_fixture  # noqa: F401

from tryggnews.db.models import ConsentEventKind, SubscriberStatus
from tryggnews.subscribers.lifecycle import find_subscriber, new_token_salt

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def status(site: Site) -> SubscriberStatus:
    subscriber = site.subscriber("anna@example.org")
    assert subscriber is not None
    return subscriber.status


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_one_click_unsubscribes_at_once_without_cookie_or_redirect(
    site: Site, content_type: str
) -> None:
    tokens = confirmed(site, "anna@example.org")
    provider = site.app.test_client()  # a mail provider: no cookies, no CSRF token
    response = provider.post(
        f"/u/{tokens['unsubscribe']}", data=ONE_CLICK, content_type=content_type, buffered=True
    )
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert "Set-Cookie" not in response.headers
    assert h1(response) == "Prenumerationen är avslutad"
    assert status(site) is SubscriberStatus.UNSUBSCRIBED
    event = site.events()[-1]
    assert (event.kind, event.channel) == (ConsentEventKind.UNSUBSCRIBED, "one-click")
    # A provider retrying the same request changes nothing more.
    again = provider.post(f"/u/{tokens['unsubscribe']}", data=ONE_CLICK, buffered=True)
    assert again.status_code == 200 and "Set-Cookie" not in again.headers
    assert [e.kind for e in site.events()].count(ConsentEventKind.UNSUBSCRIBED) == 1


def test_get_shows_a_button_and_never_unsubscribes(site: Site) -> None:
    tokens = confirmed(site, "anna@example.org")
    path = f"/u/{tokens['unsubscribe']}"
    for _ in range(3):  # mail scanners fetch links, sometimes repeatedly
        page = site.get(path)
        assert page.status_code == 200 and h1(page) == "Avsluta prenumerationen"
        assert "anna@example.org" in page.get_data(as_text=True)
    assert status(site) is SubscriberStatus.ACTIVE
    done = site.submit(path, f"{path}/bekrafta")
    assert done.status_code == 200 and h1(done) == "Prenumerationen är avslutad"
    assert status(site) is SubscriberStatus.UNSUBSCRIBED
    assert site.events()[-1].channel == "link"
    assert h1(site.get(path)) == "Prenumerationen är redan avslutad"
    assert "/p/" in done.get_data(as_text=True)  # a way back


def test_bad_tokens_and_bodies_are_400_and_change_nothing(site: Site) -> None:
    tokens = confirmed(site, "anna@example.org")
    good = tokens["unsubscribe"]
    provider = site.app.test_client()
    cases = {
        "garbage": ("garbage", ONE_CLICK),
        "tampered": (good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"), ONE_CLICK),
        "manage token": (tokens["manage"], ONE_CLICK),
        "confirm token": (tokens["confirm"], ONE_CLICK),
        "non-ascii": ("åäö", ONE_CLICK),
        "too long": ("A" * 5000, ONE_CLICK),
        "no body": (good, {}),
        "wrong body": (good, {"List-Unsubscribe": "yes"}),
    }
    before = len(site.events())
    for name, (token, body) in cases.items():
        response = provider.post(f"/u/{token}", data=body, buffered=True)
        assert response.status_code == 400, name
        assert "Set-Cookie" not in response.headers, name
        assert "<h1>" in response.get_data(as_text=True), name  # a page, in Swedish
        page = provider.get(f"/u/{token}", buffered=True)
        assert page.status_code in (200, 400), name
    for path in ("/u/", "/u/%00", "/u/..%2F"):
        assert provider.post(path, data=ONE_CLICK, buffered=True).status_code in (400, 404), path
    assert provider.post("/u/", data=ONE_CLICK, buffered=True).status_code == 400
    assert status(site) is SubscriberStatus.ACTIVE
    assert len(site.events()) == before


def test_a_rotated_salt_makes_an_old_unsubscribe_link_a_400(site: Site) -> None:
    tokens = confirmed(site, "anna@example.org")
    with site.sessions.begin() as session:
        subscriber = find_subscriber(session, "anna@example.org")
        assert subscriber is not None
        subscriber.token_salt = new_token_salt()
    response = site.app.test_client().post(f"/u/{tokens['unsubscribe']}", data=ONE_CLICK)
    assert response.status_code == 400
    assert status(site) is SubscriberStatus.ACTIVE


def test_the_newsletters_links_match_these_routes(site: Site) -> None:
    # The sender builds BASE_URL/p/<token> and BASE_URL/u/<token> itself.
    tokens = confirmed(site, "anna@example.org")
    assert site.get(f"/p/{tokens['manage']}").status_code == 200
    assert site.get(f"/u/{tokens['unsubscribe']}").status_code == 200
