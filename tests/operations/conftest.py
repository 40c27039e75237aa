"""The operations tests reuse the builders of the delivery and web tests."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
for helpers in (TESTS / "delivery", TESTS / "web"):
    if str(helpers) not in sys.path:
        sys.path.insert(0, str(helpers))
