"""The README stays true: it documents every setting, and the screenshots it shows exist."""

from __future__ import annotations

import re
from pathlib import Path

from tryggnews.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_configuration_table() -> None:
    missing = [s.env_name for s in SETTINGS if f"`{s.env_name}`" not in README]
    assert missing == []


def test_images_in_the_readme_exist() -> None:
    images = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", README)
    assert images, "the README should show the rendered newsletter"
    for image in images:
        assert (ROOT / image).is_file(), image


def test_the_two_commands_are_shown() -> None:
    assert "make demo" in README and "make test" in README
