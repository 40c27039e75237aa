"""In Debian's Chromium: the Arabic sign-up page, the Arabic preference centre and its page
of stored data are laid out right to left (lang="ar", dir="rtl"), pass axe-core (WCAG 2.1 A
and AA) with zero violations and do not scroll sideways, at 1280 and 320 px."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from test_public_browser import RUN_AXE, WCAG_21_AA, Server, _axe_or_skip, follow, server  # noqa: F401

from tryggnews.db.models import Subscriber
from tryggnews.subscribers.lifecycle import Actor, Choices, confirm, sign_up
from tryggnews.subscribers.texts import current_text
from tryggnews.subscribers.tokens import TokenSigner

pytestmark = pytest.mark.browser


def _arabic_subscriber(server: Server) -> str:  # noqa: F811  # a plain argument here
    """An Arabic-speaking subscriber, signed up and confirmed; their manage path."""
    secret = server.settings.require_secret_key()
    by = Actor(channel="form", now=datetime.now(UTC), secret_key=secret)
    with server.sessions.begin() as session:
        outcome = sign_up(
            session,
            "samira@example.org",
            Choices(("parents-7-9",), (), "ar"),
            text=current_text("consent", "ar"),
            by=by,
        )
        assert outcome.recipient is not None
        recipient = outcome.recipient
        subscriber = session.get(Subscriber, recipient.subscriber_id)
        assert subscriber is not None
        confirm(session, subscriber, by=by)
    token = TokenSigner(secret).manage_token(recipient.subscriber_id, recipient.token_salt)
    return f"/p/{token}"


@pytest.mark.parametrize("width", [1280, 320])
def test_arabic_pages_are_right_to_left_and_accessible(
    browser: Any,
    server: Server,  # noqa: F811  # the fixture imported above
    width: int,
) -> None:
    axe = _axe_or_skip()
    manage = _arabic_subscriber(server)
    # CSP forbids inline scripts, which is how axe-core is injected: bypass it for the test.
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        for path, heading in (
            ("/prenumerera?lang=ar", "اشترك في Trygg i Österåker"),
            # The stored language, not the cookie the first page set: so clear it first.
            (manage, "إعداداتك"),
            (f"{manage}/mina-uppgifter", "هذا ما حفظناه عنك"),
        ):
            context.clear_cookies()
            page.goto(server.base_url + path)
            assert page.get_by_role("heading", level=1).inner_text() == heading
            assert page.evaluate("document.documentElement.lang") == "ar"
            assert page.evaluate("document.documentElement.dir") == "rtl"
            assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
            page.add_script_tag(path=str(axe))
            violations = page.evaluate(RUN_AXE, WCAG_21_AA)
            assert violations == [], f"axe on {path} at {width} px: {violations}"
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{path} scrolls sideways at {width} px ({scroll} px wide)"
        # The switcher is a list of links, each in its own language.
        page.goto(server.base_url + manage)
        svenska = page.get_by_role("link", name="Svenska")
        assert svenska.get_attribute("lang") == "sv"
        follow(page, svenska)
        assert page.evaluate("document.documentElement.dir") == "ltr"
        assert page.get_by_role("heading", level=1).inner_text() == "Dina inställningar"
    finally:
        context.close()
