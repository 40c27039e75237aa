"""In Chromium: the dashboard's "Väntar på dig" at phone (320 px) and desktop (1280 px)
width with axe-core at zero violations, and the email preview's frame grown to the
message's height so the page scrolls, not the frame."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from editor_helpers import PASSWORD, POLIS
from editor_live import axe_source, axe_violations, live_server
from flask import Flask

pytestmark = pytest.mark.browser
NARROW = {"width": 320, "height": 700}
WIDE = {"width": 1280, "height": 900}


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    # Browser tests drive the pages, not the database: SQLite alone keeps them fast.
    return f"sqlite:///{tmp_path / 'tryggnews.db'}"


@pytest.fixture
def base(app: Flask, issue_with_blocks: dict[str, int]) -> Iterator[str]:
    with live_server(app) as url:
        yield url


def _log_in(browser: Any, base: str, viewport: dict[str, int]) -> Any:
    page = browser.new_context(viewport=viewport, locale="sv-SE").new_page()
    page.goto(f"{base}/redaktion/logga-in")
    page.fill("#email", POLIS)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Logga in')")
    page.wait_for_url(f"{base}/redaktion/")
    return page


@pytest.mark.parametrize("viewport", [NARROW, WIDE], ids=["320px", "1280px"])
def test_waiting_for_you_is_readable_and_accessible(
    browser: Any, base: str, viewport: dict[str, int]
) -> None:
    source = axe_source()
    if source is None:
        pytest.skip("axe-core is not installed (node_modules/axe-core/axe.min.js): run npm ci")
    page = _log_in(browser, base, viewport)
    try:
        section = page.locator("section.waiting")
        assert section.locator("h2").inner_text() == "Väntar på dig"
        items = section.locator("li")
        assert items.count() == 2
        assert items.nth(0).inner_text().startswith("Godkänn utskick 2027-1")
        assert "deadline" in items.nth(0).inner_text()
        # The block item leads to the block's form.
        items.nth(1).locator("a").click()
        page.wait_for_url("**/redaktion/block/*")
        page.go_back()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"the dashboard scrolls sideways ({width}px)"
        assert axe_violations(page, source) == []
    finally:
        page.context.close()


def test_the_preview_frame_fits_the_whole_message(browser: Any, base: str) -> None:
    page = _log_in(browser, base, WIDE)
    try:
        page.goto(f"{base}/redaktion/utskick/2027-1/forhandsgranska?bredd=375")
        frame = page.wait_for_selector("iframe.message-frame.fitted")
        content = frame.content_frame()
        content.wait_for_selector("text=Langning inför sportlovet")
        inner = content.evaluate("document.documentElement.scrollHeight")
        outer = frame.evaluate("el => el.getBoundingClientRect().height")
        assert inner > 900  # a whole newsletter, not a frame's default height
        assert abs(outer - inner) <= 2, (outer, inner)  # nothing left to scroll inside
        # The message still runs no script: the frame's sandbox does not allow it.
        assert "allow-scripts" not in (frame.get_attribute("sandbox") or "")
    finally:
        page.context.close()
