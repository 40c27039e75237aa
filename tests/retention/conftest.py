"""The retention tests reuse the scheduler tests' builders (``scheduler_factories``)."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
for helpers in (TESTS / "scheduler",):
    if str(helpers) not in sys.path:
        sys.path.insert(0, str(helpers))
