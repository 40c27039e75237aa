"""In Chromium: an editor follows up the promise on a phone and a desktop; axe finds nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from editor_helpers import KOMMUN, PASSWORD, POLIS
from editor_live import axe_source, axe_violations, live_server
from flask import Flask

from tryggnews.config import Settings

pytestmark = pytest.mark.browser
NARROW = {"width": 320, "height": 720}
DESKTOP = {"width": 1280, "height": 900}
REPO_PROMISE = Path(__file__).resolve().parents[2] / "promise.toml"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    # Browser tests drive the pages, not the database: SQLite alone keeps them fast.
    return f"sqlite:///{tmp_path / 'tryggnews.db'}"


@pytest.fixture
def editor_settings(settings: Settings, tmp_path: Path) -> Settings:
    return dataclasses.replace(settings, media_dir=tmp_path / "media", promise=REPO_PROMISE)


@pytest.fixture
def base(app: Flask, issue_with_blocks: dict[str, int]) -> Iterator[str]:
    with live_server(app) as url:
        yield url


def _log_in(browser: Any, base: str, email: str, viewport: dict[str, int]) -> Any:
    page = browser.new_context(viewport=viewport, locale="sv-SE").new_page()
    page.goto(f"{base}/redaktion/logga-in")
    assert page.query_selector("#email"), page.content()
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Logga in')")
    page.wait_for_url(f"{base}/redaktion/")
    return page


def _check(page: Any, source: str, found: dict[str, list[str]], name: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways ({width}px)"
    found[name] = axe_violations(page, source)


@pytest.mark.parametrize(
    ("viewport", "email"), [(NARROW, POLIS), (DESKTOP, KOMMUN)], ids=["320px", "1280px"]
)
def test_following_up_a_commitment_has_no_axe_violations(
    browser: Any, base: str, viewport: dict[str, int], email: str
) -> None:
    source = axe_source()
    if source is None:
        pytest.skip("axe-core is not installed (node_modules/axe-core/axe.min.js): run npm ci")
    found: dict[str, list[str]] = {}
    page = _log_in(browser, base, email, viewport)
    page.click("nav >> text=Löftet")
    page.wait_for_url(f"{base}/redaktion/loftet/")
    assert page.is_visible("h2:has-text('Våldsprevention')")
    _check(page, source, found, "list")

    page.click("a:has-text('Följ upp'):near(:text('hotspotsplatser'))")
    page.wait_for_url(f"{base}/redaktion/loftet/andts-hotspots")
    _check(page, source, found, "commitment")
    # Nothing changed: the form says so, in an alert, and keeps what was typed.
    page.click("button:has-text('Spara uppföljningen')")
    page.wait_for_selector("[role=alert] >> text=Ingenting ändrades")
    _check(page, source, found, "commitment with problems")

    page.select_option("#status", "pagar")
    page.fill("#note", "Gemensam insats vid pendelparkeringen.")
    page.click("button:has-text('Spara uppföljningen')")
    page.wait_for_url(f"{base}/redaktion/loftet/#andts-hotspots")
    assert page.is_visible("#andts-hotspots >> text=pågår")
    assert page.is_visible("#andts-hotspots >> text=Gemensam insats vid pendelparkeringen.")
    _check(page, source, found, "list after update")

    page.goto(f"{base}/redaktion/utskick/2027-1")
    page.click("button:has-text('Lägg till blocket om löftet')")
    page.wait_for_selector("text=är tillagt")
    _check(page, source, found, "issue with the promise block")
    page.context.close()
    assert {name: v for name, v in found.items() if v} == {}
