"""Fixtures for the planning tests: schedule files written to a temporary folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

NEWSLETTER = """\
[newsletter]
name = "Trygg i Österåker"
timezone = "Europe/Stockholm"
min_issues_per_year = 4
default_send_time = "08:00"
sender_address = "nyhetsbrev@example.se"
administrators = ["admin@example.se"]

[newsletter.editors]
polis = ["polis@example.org"]
kommun = ["kommun@example.se"]

[newsletter.escalation]
polis = ["chef@example.org"]
kommun = ["chef@example.se"]
"""

FOUR_ISSUES = """
[[issue]]
key = "2027-1"
title = "Nummer 1"
send_on = 2027-02-15

[[issue]]
key = "2027-2"
title = "Nummer 2"
send_on = { event = "valborg-lecture", days_before = 21 }

[[issue]]
key = "2027-3"
title = "Nummer 3"
send_on = 2027-05-24

[[issue]]
key = "2027-4"
title = "Nummer 4"
send_on = 2027-09-06
"""

WriteSchedule = Callable[[str], Path]


@pytest.fixture
def newsletter_toml() -> str:
    """A valid [newsletter] part, without issues."""
    return NEWSLETTER


@pytest.fixture
def four_issues_toml() -> str:
    """Four valid 2027 issues, one of them relative to the Wednesday lecture."""
    return FOUR_ISSUES


@pytest.fixture
def write_schedule(tmp_path: Path) -> WriteSchedule:
    """Write a schedule.toml with the given text; returns its path."""

    def write(text: str) -> Path:
        path = tmp_path / "schedule.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
