"""In real Chromium the message keeps 4.5:1 contrast, light and dark, and loads nothing foreign.

Uses the shared `browser` fixture (tests/conftest.py): one Chromium for the whole run.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from html_checks import contrast, luminance
from render_samples import (
    IMAGE_HOST,
    SENDER,
    TEMPLATES_DIR,
    make_issue,
    rich_activities,
    rich_variant,
)

from tryggnews.render.newsletter import NewsletterRenderer

pytestmark = pytest.mark.browser

# Every element with its own text: computed colour and the first opaque background above it.
COLLECT = """
() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    const hidden = style.visibility === 'hidden' || style.opacity === '0';
    if (el.getClientRects().length === 0 || hidden) continue;
    let bg = null;
    for (let node = el; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) { bg = c.slice(0, 3); break; }
    }
    out.push({text: el.textContent.trim().slice(0, 40), fg: rgb(style.color).slice(0, 3),
              bg: bg || [255, 255, 255], size: parseFloat(style.fontSize)});
  }
  return out;
}
"""


def _hex(channels: list[float]) -> str:
    return "#" + "".join(f"{round(c):02x}" for c in channels)


@pytest.fixture(scope="module")
def html() -> str:
    renderer = NewsletterRenderer(TEMPLATES_DIR)
    return renderer.render_variant(make_issue(), rich_variant(), rich_activities(), SENDER).html


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_contrast_and_text_size(browser: Any, html: str, scheme: str) -> None:
    page = browser.new_page(viewport={"width": 640, "height": 900}, color_scheme=scheme)
    requested: list[str] = []

    def block(route: Any) -> None:
        requested.append(route.request.url)
        route.abort()

    page.route("**/*", block)
    page.set_content(html)
    runs = page.evaluate(COLLECT)
    page.close()
    assert len(runs) > 50
    body = next(run for run in runs if run["text"].startswith("Det är olagligt"))
    # The dark scheme really applies (the test would be vacuous otherwise).
    assert (luminance(_hex(body["bg"])) < 0.05) == (scheme == "dark")
    failures = [
        (run["text"], _hex(run["fg"]), _hex(run["bg"]))
        for run in runs
        if contrast(_hex(run["fg"]), _hex(run["bg"])) < 4.5
    ]
    assert failures == []
    assert [run["text"] for run in runs if run["size"] < 14] == []
    assert {urlsplit(url).hostname for url in requested} <= {IMAGE_HOST}
