"""Screenshots of the rendered sample issue at desktop and phone width, for the README.

Runs `tryggnews demo`'s preview output through Debian's Chromium (Playwright with
`executable_path`; nothing is downloaded). Usage, after `make demo`:

    .venv/bin/python scripts/screenshot_newsletter.py [PREVIEW.html] [--out docs/images]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = {"desktop": 680, "phone": 375}
# The sample blocks point at images on the sender's own (example) domain, which does
# not exist; serve a local illustration in their place so the screenshot is complete.
SAMPLE_MEDIA = "https://trygg.example.se/media/**"
ILLUSTRATION = Path(__file__).resolve().parent.parent / "docs" / "images" / "sample-lecture.svg"


def newest_preview(language: str) -> Path:
    # The demo writes the whole issue as KEY.html (Swedish) and KEY.<lang>.html.
    pattern = f"*.{language}.html" if language else "*.html"
    found = Path("var/preview").glob(pattern)
    if not language:
        found = (p for p in found if "." not in p.stem)
    previews = sorted(found, key=lambda p: p.stat().st_mtime)
    if not previews:
        sys.exit("No preview found in var/preview: run `make demo` first.")
    return previews[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("preview", nargs="?", type=Path, help="HTML file (default: newest)")
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    parser.add_argument(
        "--language", default="", help="A reader language's preview, e.g. ar (default: Swedish)."
    )
    parser.add_argument(
        "--max-height", type=int, default=2400, help="Clip long issues to this many pixels."
    )
    args = parser.parse_args()
    preview = (args.preview or newest_preview(args.language)).resolve()
    prefix = f"newsletter-{args.language}" if args.language else "newsletter"
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for name, width in WIDTHS.items():
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.route(
                SAMPLE_MEDIA,
                lambda route: route.fulfill(
                    body=ILLUSTRATION.read_bytes(), content_type="image/svg+xml"
                ),
            )
            page.goto(preview.as_uri())
            target = args.out / f"{prefix}-{name}.png"
            height = min(page.evaluate("document.documentElement.scrollHeight"), args.max_height)
            page.screenshot(
                path=str(target),
                full_page=True,
                clip={"x": 0, "y": 0, "width": width, "height": height},
            )
            page.close()
            print(target)
        browser.close()


if __name__ == "__main__":
    main()
