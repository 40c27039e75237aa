"""In Debian's Chromium: the archive index, an issue page and the 410 page of a withdrawn
issue pass axe-core (WCAG 2.1 A and AA) with zero violations at 1280 and 320 px, and
do not scroll sideways at 320 px."""

from __future__ import annotations

from typing import Any

import pytest
from archive_site import Part, send_issue
from test_public_browser import RUN_AXE, WCAG_21_AA, Server, _axe_or_skip
from test_public_browser import server as server

from tryggnews.archive.withdrawal import withdraw_issue
from tryggnews.clock import SystemClock

pytestmark = pytest.mark.browser


def test_the_archive_pages_pass_axe_at_1280_and_320_px(browser: Any, server: Server) -> None:
    axe = _axe_or_skip()
    parts = [
        Part("Trygghetsvandring i Åkersberga", body="Vi går [runt centrum](https://example.se)."),
        Part("Föräldraskolan", "andts", ("parents-7-9",)),
    ]
    send_issue(server.settings, server.sessions, "2027-1", parts)
    send_issue(server.settings, server.sessions, "2027-2", parts[:1], title="Mörka kvällar")
    with server.sessions.begin() as session:
        withdraw_issue(session, "2027-2", reason="Test", actor="admin", now=SystemClock().now())

    checked = []
    for width in (1280, 320):
        # CSP forbids inline scripts, which is how axe-core is injected: bypass it here.
        context = browser.new_context(
            bypass_csp=True, viewport={"width": width, "height": 800}, locale="sv-SE"
        )
        page = context.new_page()
        try:
            for path, status in (
                ("/arkiv", 200),
                ("/arkiv/2027-1", 200),
                ("/arkiv/2027-1?lang=ar", 200),  # its blocks in Swedish, under an Arabic note
                ("/arkiv/2027-2", 410),
            ):
                response = page.goto(server.base_url + path)
                assert response is not None and response.status == status, path
                page.add_script_tag(path=str(axe))
                violations = page.evaluate(RUN_AXE, WCAG_21_AA)
                assert violations == [], f"axe on {path} at {width} px: {violations}"
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width, f"{path} scrolls sideways at {width} px ({scroll} px)"
                checked.append((path, width))
        finally:
            context.close()
    assert len(checked) == 8
