"""What one setting is, and the parsers that turn its text into a typed value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

PREFIX = "TRYGGNEWS_"


@dataclass(frozen=True)
class Setting:
    """One setting: its name without prefix, default, parser and help text."""

    name: str
    default: str
    help: str
    parse: Callable[[str], Any] = str
    secret: bool = False

    @property
    def env_name(self) -> str:
        return PREFIX + self.name.upper()


def positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError("must be a positive whole number")
    return number


def non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be 0 or a positive whole number")
    return number


def non_negative_float(value: str) -> float:
    number = float(value)
    if number < 0:
        raise ValueError("must be 0 or a positive number")
    return number


def choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip().lower()
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    return parse


def flag(value: str) -> bool:
    value = value.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def origins(value: str) -> tuple[str, ...]:
    """Web origins (``https://www.osteraker.se``), separated by commas or spaces."""
    found: list[str] = []
    for item in value.replace(",", " ").split():
        parts = urlsplit(item)
        if (
            parts.scheme != "https"
            or not parts.hostname
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or parts.username
            or any(c in item for c in "*;'\"")
        ):
            raise ValueError(
                f"{item!r} is not a web origin: write https://host (optionally :port), "
                "with no path, separated by commas"
            )
        found.append(f"https://{parts.netloc.lower()}")
    return tuple(dict.fromkeys(found))


def url(value: str) -> str:
    value = value.strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value


def optional_url(value: str) -> str:
    """An http(s) address, or empty for "use the default"."""
    return url(value) if value.strip() else ""


def minimum_counts(value: str) -> tuple[tuple[str, int], ...]:
    """``key=count`` pairs separated by commas (``polis=1,kommun=0``); empty: none."""
    found: dict[str, int] = {}
    for item in value.replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, count = item.partition("=")
        key = key.strip().lower()
        if not sep or not key or not count.strip().isdigit():
            raise ValueError(f"{item!r}: write organisation=count, for example polis=1")
        found[key] = int(count)
    return tuple(sorted(found.items()))
