"""In Debian's Chromium, against the real app served over HTTP: /kalender passes axe-core
(WCAG 2.1 A and AA) with zero violations at 1280 and 320 px, has no horizontal scroll,
and its "Lägg i kalendern" and subscribe links give iCalendar files."""

from __future__ import annotations

from typing import Any

import pytest
from test_public_browser import RUN_AXE, WCAG_21_AA, Server, _axe_or_skip, server  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 320])
def test_the_calendar_is_accessible_at_desktop_and_phone_width(
    browser: Any,
    server: Server,  # noqa: F811  # the fixture imported above
    width: int,
) -> None:
    axe = _axe_or_skip()
    # CSP forbids inline scripts, which is how axe-core is injected: bypass it for the test.
    context = browser.new_context(
        bypass_csp=True, viewport={"width": width, "height": 900}, locale="sv-SE"
    )
    try:
        page = context.new_page()
        page.goto(server.base_url + "/kalender")
        heading = page.get_by_role("heading", level=1).inner_text()
        assert heading.startswith("Aktiviteter ")
        assert page.get_by_role("heading", level=2, name="Tryggvedagen").is_visible()
        page.add_script_tag(path=str(axe))
        assert page.evaluate(RUN_AXE, WCAG_21_AA) == []
        assert page.evaluate("document.documentElement.lang") == "sv"
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"/kalender scrolls sideways at {width} px ({scroll} px wide)"

        link = page.get_by_role("link", name="Lägg i kalendern: Tryggvedagen")
        ics = page.request.get(server.base_url + str(link.get_attribute("href")))
        assert ics.status == 200 and ics.headers["content-type"].startswith("text/calendar")
        assert b"BEGIN:VTIMEZONE" in ics.body()
        feed = page.get_by_role("link", name="Prenumerera på kalendern")
        assert page.request.get(server.base_url + str(feed.get_attribute("href"))).ok
    finally:
        context.close()
