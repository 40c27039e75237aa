"""The Arabic message in real Chromium: right to left, and no axe-core violation at phone
and desktop width; numbers keep their order inside the Arabic text."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from language_samples import translated_issue, variant_in
from render_samples import SENDER, TEMPLATES_DIR, rich_activities

from tryggnews.render.newsletter import NewsletterRenderer

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA. Not axe's "best-practice" landmark rules: a message has no <main>
# and no landmarks in any mail program, Swedish or Arabic.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return r.violations.map(v => ({id: v.id, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
}"""


def _axe() -> str:
    if AXE.is_file():
        return AXE.read_text(encoding="utf-8")
    message = f"{AXE} is missing: run `npm ci` (make test does) to install axe-core"
    if os.environ.get("TRYGGNEWS_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def arabic_html() -> str:
    issue = replace(translated_issue(), web_url="https://trygg.osteraker.example/arkiv/2027-2")
    renderer = NewsletterRenderer(TEMPLATES_DIR)
    return renderer.render_variant(issue, variant_in("ar"), rich_activities(), SENDER).html


@pytest.mark.parametrize("width", [320, 1280])
def test_the_arabic_message_is_rtl_and_has_no_axe_violations(
    browser: Any, arabic_html: str, width: int
) -> None:
    source = _axe()
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.route("**/*", lambda route: route.abort())  # nothing foreign is loaded
    page.set_content(arabic_html)
    root = page.evaluate("[document.documentElement.lang, document.documentElement.dir]")
    assert root == ["ar", "rtl"]
    article = page.locator('[role="article"]')
    assert article.get_attribute("lang") == "ar" and article.get_attribute("dir") == "rtl"
    # The Arabic title is laid out right to left; a Swedish block inside stays left to right.
    title = page.locator("h1")
    assert title.evaluate("e => getComputedStyle(e).direction") == "rtl"
    swedish = page.locator('div.tn-sv[lang="sv"]').first
    assert swedish.evaluate("e => getComputedStyle(e).direction") == "ltr"
    # "114 14" inside Arabic text: its two groups stay in order on screen (not "14 114").
    number = page.locator('span[dir="ltr"]', has_text="114 14").first
    assert number.evaluate("e => getComputedStyle(e).unicodeBidi") == "isolate"
    assert number.evaluate("e => getComputedStyle(e).direction") == "ltr"
    # Nothing wider than the screen at phone width.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.evaluate(source)
    violations = page.evaluate(RUN_AXE, WCAG_21_AA)
    page.close()
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
