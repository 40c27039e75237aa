"""What `pip install .` (the server install and the image) puts in site-packages: every file
the package reads at run time is named by [tool.setuptools.package-data]. A template that
works from the checkout but is left out of the wheel only fails in production."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "tryggnews"
# Read from the checkout only, by `make catalogues` (pybabel's extraction settings).
CHECKOUT_ONLY = {"i18n/messages.cfg", "i18n/newsletter.cfg"}


def package_data_patterns() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns: list[str] = config["tool"]["setuptools"]["package-data"]["tryggnews"]
    return patterns


def shipped_by_setuptools(path: Path) -> bool:
    """Setuptools' packages.find ships the .py files of folders with __init__.py; anything
    else only through package-data."""
    return path.suffix == ".py" and (path.parent / "__init__.py").exists()


def test_every_file_the_package_reads_is_in_the_wheel() -> None:
    named = {
        str(path.relative_to(PACKAGE))
        for pattern in package_data_patterns()
        for path in PACKAGE.glob(pattern)
        if path.is_file()
    }
    left_out = sorted(
        relative
        for path in PACKAGE.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and not shipped_by_setuptools(path)
        and (relative := str(path.relative_to(PACKAGE))) not in named | CHECKOUT_ONLY
    )
    assert left_out == [], f"add to [tool.setuptools.package-data] in pyproject.toml: {left_out}"


def test_every_package_data_pattern_matches_a_file() -> None:
    # A pattern that matches nothing is a typo that hides the file it meant.
    empty = [pattern for pattern in package_data_patterns() if not list(PACKAGE.glob(pattern))]
    assert empty == []
