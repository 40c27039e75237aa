"""In Chromium: the block's translations overview, a block translation form (Arabic, right
to left beside the Swedish original) and an issue translation form at phone (320 px) and
desktop (1280 px) width, with axe-core at zero violations and no sideways scrolling."""

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
def served(app: Flask, issue_with_blocks: dict[str, int]) -> Iterator[tuple[str, dict[str, int]]]:
    with live_server(app) as url:
        yield url, issue_with_blocks


def _log_in(browser: Any, base: str, viewport: dict[str, int]) -> Any:
    page = browser.new_context(viewport=viewport, locale="sv-SE").new_page()
    page.goto(f"{base}/redaktion/logga-in")
    page.fill("#email", POLIS)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Logga in')")
    page.wait_for_url(f"{base}/redaktion/")
    return page


@pytest.mark.parametrize("viewport", [NARROW, WIDE], ids=["320px", "1280px"])
def test_the_translation_pages_are_accessible(
    browser: Any, served: tuple[str, dict[str, int]], viewport: dict[str, int]
) -> None:
    source = axe_source()
    if source is None:
        pytest.skip("axe-core is not installed (node_modules/axe-core/axe.min.js): run npm ci")
    base, ids = served
    block = ids["polis_block"]
    page = _log_in(browser, base, viewport)
    try:
        for path, heading in [
            (f"/redaktion/block/{block}/oversattningar", "Översättningar"),
            (f"/redaktion/block/{block}/oversattningar/ar", ""),
            ("/redaktion/utskick/2027-1/oversattningar/en", ""),
        ]:
            response = page.goto(base + path)
            assert response is not None and response.status == 200, path
            assert heading in page.locator("h1").inner_text(), path
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{path} scrolls sideways ({width}px)"
            assert axe_violations(page, source) == [], path
        # The Arabic form's fields are written right to left.
        page.goto(f"{base}/redaktion/block/{block}/oversattningar/ar")
        assert page.locator("textarea[dir='rtl'], textarea[lang='ar']").count() >= 1
    finally:
        page.context.close()
