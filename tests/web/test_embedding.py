"""Sign-up on the organisations' websites: /prenumerera (and the page after it) may be
framed by exactly the origins in TRYGGNEWS_EMBED_ORIGINS, every other page only by this
site; a plain HTML form posted from a listed origin signs up without our CSRF token and
still only sends the confirmation link (double opt-in); other origins still need the token.
A bad setting value names the setting."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest
from public_site import Site, open_site, site_fixture  # noqa: F401
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.config import Settings, load_settings
from tryggnews.db.models import SubscriberStatus
from tryggnews.errors import ConfigError

ORIGINS = ("https://www.osteraker.se", "https://polisen.se")
FRAME_ANCESTORS = re.compile(r"frame-ancestors ([^;]*);")
PLAIN_FORM = {"email": "Anna@Example.org", "audiences": ["senior", "ovriga"], "language": "sv"}


@pytest.fixture
def embedded(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Site]:
    changed = dataclasses.replace(
        settings, embed_origins=ORIGINS, base_url="https://trygg.example.se"
    )
    with open_site(changed, session_factory) as site:
        yield site


def ancestors(headers: dict[str, str]) -> list[str]:
    match = FRAME_ANCESTORS.search(headers["Content-Security-Policy"])
    assert match, headers["Content-Security-Policy"]
    return match.group(1).split()


def test_the_sign_up_pages_may_be_framed_by_exactly_the_listed_origins(embedded: Site) -> None:
    base = "https://trygg.example.se"
    for path in ("/prenumerera", "/prenumerera/skickat"):
        response = embedded.get(path, base_url=base)
        assert response.status_code == 200
        headers = dict(response.headers)
        assert ancestors(headers) == ["'self'", *ORIGINS]
        assert "X-Frame-Options" not in headers  # it cannot name another site
        assert "script-src 'self'" in headers["Content-Security-Policy"]  # otherwise as strict
    for path in ("/min-lank", "/tillganglighet", "/kalender", "/finns-inte", "/healthz"):
        headers = dict(embedded.get(path, base_url=base).headers)
        assert ancestors(headers) == ["'self'"], path
        assert headers["X-Frame-Options"] == "SAMEORIGIN", path


def test_without_the_setting_nothing_may_frame_the_sign_up_page(site: Site) -> None:
    headers = dict(site.get("/prenumerera").headers)
    assert ancestors(headers) == ["'self'"]
    assert headers["X-Frame-Options"] == "SAMEORIGIN"


def test_a_plain_form_from_a_listed_site_signs_up_with_double_opt_in(embedded: Site) -> None:
    response = embedded.post(
        "/prenumerera",
        PLAIN_FORM,
        base_url="https://trygg.example.se",
        headers={"Origin": "https://polisen.se", "Referer": "https://polisen.se/lokalt/"},
    )
    assert response.status_code == 303 and response.location == "/prenumerera/skickat"
    subscriber = embedded.subscriber("anna@example.org")
    assert subscriber is not None and subscriber.status is SubscriberStatus.PENDING
    [mail] = embedded.mails()
    assert mail["To"] == "Anna@example.org"
    assert "/bekrafta/" in embedded.links(mail)[0]


def test_a_plain_form_with_a_mistake_shows_our_page_with_the_error(embedded: Site) -> None:
    response = embedded.post(
        "/prenumerera",
        {**PLAIN_FORM, "audiences": []},
        base_url="https://trygg.example.se",
        headers={"Origin": "https://www.osteraker.se"},
    )
    assert response.status_code == 422
    assert "Välj minst en grupp" in response.get_data(as_text=True)
    assert embedded.subscriber("anna@example.org") is None


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://polisen.se", "null", "https://polisen.se.evil"]
)
def test_any_other_origin_still_needs_the_csrf_token(embedded: Site, origin: str) -> None:
    response = embedded.post(
        "/prenumerera", PLAIN_FORM, base_url="https://trygg.example.se", headers={"Origin": origin}
    )
    assert response.status_code == 400
    assert embedded.subscriber("anna@example.org") is None
    assert embedded.mails() == []


def test_the_own_origin_stands_in_for_the_token_inside_a_frame(embedded: Site) -> None:
    # Inside another site's iframe the browser keeps no cookie of ours, so the form's
    # token matches no session; the Origin header is what is left.
    embedded.client.delete_cookie("tryggnews")
    embedded.client.delete_cookie("__Host-tryggnews")
    response = embedded.post(
        "/prenumerera",
        {**PLAIN_FORM, "csrf_token": "from-a-session-the-browser-did-not-keep"},
        base_url="https://trygg.example.se",
        headers={"Origin": "https://trygg.example.se"},
    )
    assert response.status_code == 303
    assert embedded.subscriber("anna@example.org") is not None


@pytest.mark.parametrize(
    "value",
    [
        "http://www.osteraker.se",
        "https://www.osteraker.se/nyhetsbrev",
        "www.osteraker.se",
        "https://*.osteraker.se",
        "https://polisen.se;script-src *",
        "https://",
    ],
)
def test_a_bad_origin_names_the_setting(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^TRYGGNEWS_EMBED_ORIGINS=.*not a web origin"):
        load_settings(environ={"TRYGGNEWS_EMBED_ORIGINS": value}, dotenv_path=None)


def test_origins_are_read_from_a_comma_separated_list() -> None:
    settings = load_settings(
        environ={"TRYGGNEWS_EMBED_ORIGINS": " https://WWW.Osteraker.se/, https://polisen.se:8443"},
        dotenv_path=None,
    )
    assert settings.embed_origins == ("https://www.osteraker.se", "https://polisen.se:8443")
    assert load_settings(environ={}, dotenv_path=None).embed_origins == ()
