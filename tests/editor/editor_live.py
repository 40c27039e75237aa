"""A real HTTP server on loopback for browser tests, and the axe-core accessibility check."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

REPO_ROOT = Path(__file__).resolve().parents[2]
# The colleague's package.json brings axe-core here; TRYGGNEWS_AXE_JS may point elsewhere.
AXE_JS = Path(os.environ.get("TRYGGNEWS_AXE_JS", REPO_ROOT / "node_modules/axe-core/axe.min.js"))
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def axe_source() -> str | None:
    """axe-core's source, or None (the test then skips; under REQUIRE_BROWSER it fails)."""
    if AXE_JS.is_file():
        return AXE_JS.read_text(encoding="utf-8")
    if os.environ.get("TRYGGNEWS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"TRYGGNEWS_REQUIRE_BROWSER=1 but {AXE_JS} is missing (npm ci installs it)")
    return None


def axe_violations(page: Any, source: str) -> list[str]:
    """WCAG 2.1 A/AA (and best-practice) violations on the page, one line each.

    axe is evaluated through the DevTools protocol, so the page's strict CSP (no
    inline script) stays in force while it runs; the preview iframe is left out,
    the rendered email has its own checks in tests/render.
    """
    page.evaluate(source)
    result = page.evaluate(
        """async (tags) => {
            const only = {runOnly: {type: 'tag', values: tags}};
            const r = await axe.run({exclude: [['iframe']]}, only);
            return r.violations.map(v => ({id: v.id, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
        }""",
        AXE_TAGS,
    )
    return [
        f"{v['id']} ({v['help']}): {json.dumps(v['nodes'], ensure_ascii=False)}" for v in result
    ]
