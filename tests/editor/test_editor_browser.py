"""In Chromium: police writes, both approve, an edit withdraws, admin schedules; axe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from editor_helpers import ADMIN, KOMMUN, PASSWORD, POLIS, outbox_messages
from editor_live import axe_source, axe_violations, live_server
from flask import Flask

from tryggnews.config import Settings

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    # Browser tests drive the pages, not the database: SQLite alone keeps them fast.
    return f"sqlite:///{tmp_path / 'tryggnews.db'}"


@pytest.fixture
def base(app: Flask, issue_with_blocks: dict[str, int]) -> Iterator[str]:
    with live_server(app) as url:
        yield url


def _log_in(browser: Any, base: str, email: str, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport, locale="sv-SE")
    page = context.new_page()
    page.goto(f"{base}/redaktion/")
    assert "/redaktion/logga-in" in page.url  # the guard sent us to the login page
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Logga in')")
    page.wait_for_url(f"{base}/redaktion/")
    return page


def _approve(page: Any, base: str) -> None:
    page.goto(f"{base}/redaktion/utskick/2027-1")
    page.click("button:has-text('Godkänn version')")
    page.wait_for_selector("text=Du har godkänt version")


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways ({width}px)"


def test_two_organisations_approve_an_edit_withdraws_and_an_admin_schedules(
    browser: Any, base: str, editor_settings: Settings
) -> None:
    # The police editor works on a phone.
    polis = _log_in(browser, base, POLIS, PHONE)
    polis.goto(f"{base}/redaktion/utskick/2027-1")
    polis.click("text=Skriv ett nytt block till det här utskicket")
    polis.fill("#title", "Föreläsning om droger för föräldrar")
    polis.select_option("#focus_area", "andts")
    polis.fill("#body_md", "Välkommen på **onsdag** kl. 18 i Åkersberga.")
    # The live preview shows the sanitised Markdown while typing.
    polis.wait_for_selector("#body-preview strong:has-text('onsdag')")
    assert polis.is_hidden("button:has-text('Visa förhandsgranskning')")
    _no_sideways_scroll(polis)
    polis.click("button:has-text('Spara blocket')")
    polis.wait_for_url(f"{base}/redaktion/utskick/2027-1")
    assert polis.is_visible(".issue-blocks >> text=Föreläsning om droger för föräldrar")
    _no_sideways_scroll(polis)

    polis.click("text=Förhandsgranska e-postmeddelandet")
    polis.check("input[name=bredd][value='375']")
    polis.click("button:has-text('Visa')")
    polis.wait_for_url("**bredd=375**")
    frame_element = polis.wait_for_selector("iframe.message-frame")
    assert frame_element.get_attribute("width") == "375"
    frame = frame_element.content_frame()
    frame.wait_for_selector("text=Föreläsning om droger för föräldrar")
    assert frame.evaluate("document.documentElement.scrollWidth") <= 375
    assert "Trygg i Österåker" in (polis.text_content(".text-part pre") or "")

    kommun = _log_in(browser, base, KOMMUN, DESKTOP)
    _approve(kommun, base)
    _approve(polis, base)
    assert polis.is_visible("text=Båda organisationerna har nu godkänt")

    # The police editor edits a block of the approved issue: both approvals are withdrawn.
    polis.goto(f"{base}/redaktion/utskick/2027-1")
    polis.click(".issue-blocks >> text=Föreläsning om droger för föräldrar")
    polis.fill("#body_md", "Välkommen på **onsdag** kl. 18.30 i Åkersberga.")
    polis.click("button:has-text('Spara blocket')")
    polis.wait_for_selector("text=Godkännandena återkallades")
    kommun.goto(f"{base}/redaktion/utskick/2027-1")
    assert kommun.locator(".approval-list .waiting").count() == 2
    assert [m["To"] for m in outbox_messages(editor_settings.outbox_dir)] == [KOMMUN]

    _approve(kommun, base)
    _approve(polis, base)
    admin = _log_in(browser, base, ADMIN, DESKTOP)
    admin.goto(f"{base}/redaktion/utskick/2027-1")
    assert admin.input_value("#send_at") == "2027-02-15T08:00"
    admin.click("button:has-text('Schemalägg utskicket')")
    admin.wait_for_selector("text=är schemalagt till 2027-02-15 08:00")
    assert admin.is_visible(".facts >> text=Schemalagt")
    for page in (polis, kommun, admin):
        page.context.close()


PAGES = [
    ("login", None, "/redaktion/logga-in"),
    ("dashboard", ADMIN, "/redaktion/"),
    ("issues", ADMIN, "/redaktion/utskick/"),
    ("issue", ADMIN, "/redaktion/utskick/2027-1"),
    ("preview", ADMIN, "/redaktion/utskick/2027-1/forhandsgranska?bredd=375"),
    ("blocks", ADMIN, "/redaktion/block/"),
    ("new block", ADMIN, "/redaktion/block/nytt"),
    ("block", POLIS, "/redaktion/block/2"),
    ("audit log", ADMIN, "/redaktion/logg/"),
    ("users", ADMIN, "/redaktion/anvandare/"),
    ("not found", ADMIN, "/redaktion/utskick/1999-9"),
]


def test_every_page_kind_has_no_axe_violations(browser: Any, base: str) -> None:
    source = axe_source()
    if source is None:
        pytest.skip("axe-core is not installed (node_modules/axe-core/axe.min.js): run npm ci")
    pages: dict[str | None, Any] = {None: browser.new_page(viewport=DESKTOP)}
    found: dict[str, list[str]] = {}
    for name, who, path in PAGES:
        if who is not None and who not in pages:
            pages[who] = _log_in(browser, base, who, DESKTOP)
        page = pages[who]
        page.goto(base + path)
        found[name] = axe_violations(page, source)
    for page in pages.values():
        page.context.close()
    assert {name: v for name, v in found.items() if v} == {}
