"""The follow-up tests reuse the workspace's live server and axe-core helpers."""

from __future__ import annotations

import sys
from pathlib import Path

EDITOR_TESTS = str(Path(__file__).resolve().parents[1] / "editor")
if EDITOR_TESTS not in sys.path:
    sys.path.append(EDITOR_TESTS)
