"""The backup tests reuse the delivery tests' builders (``sending_setup``)."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
for helpers in (TESTS / "delivery",):
    if str(helpers) not in sys.path:
        sys.path.insert(0, str(helpers))
