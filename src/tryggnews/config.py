"""Settings, declared as data with their help text, read once at the edge.

Order of precedence: process environment, then ``.env`` (python-dotenv), then the
defaults below. ``load_settings`` returns one frozen ``Settings`` object that the
entry points pass down; nothing below ``cli``/``web``/``wiring`` reads the environment.
A test checks that every setting here is documented in ``.env.example``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from tryggnews.errors import ConfigError

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


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError("must be a positive whole number")
    return number


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip().lower()
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    return parse


def _url(value: str) -> str:
    value = value.strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        "sqlite:///var/tryggnews.db",
        "SQLAlchemy URL of the database. A SQLite file by default; "
        "postgresql://user@host/db for production.",
    ),
    Setting(
        "transport",
        "outbox",
        "How messages leave: outbox writes a local Maildir and sends nothing.",
        _choice("outbox"),
    ),
    Setting(
        "outbox_dir",
        "var/outbox",
        "Maildir that the outbox transport writes to; any mail client can open it.",
    ),
    Setting(
        "base_url",
        "http://127.0.0.1:8000",
        "Public address of the web app; preference and unsubscribe links start with it.",
        _url,
    ),
    Setting(
        "secret_key",
        "",
        "Signs the links in every email. Generated into .env by `tryggnews init`; "
        "changing it invalidates every link already sent.",
        secret=True,
    ),
    Setting(
        "sender_address",
        "nyhetsbrev@trygg.example.se",
        "From address of the newsletter.",
    ),
    Setting(
        "sender_name",
        "Trygg i Österåker",
        "Display name in the From header.",
    ),
    Setting(
        "unsubscribe_address",
        "avregistrera@trygg.example.se",
        "Mailbox behind the mailto: alternative in List-Unsubscribe.",
    ),
    Setting(
        "list_id",
        "trygg.example.se",
        "Domain-style identifier in the List-Id header (ASCII).",
    ),
    Setting(
        "templates_dir",
        "templates",
        "Folder with newsletter.mjml.j2, newsletter.txt.j2 and their partials.",
    ),
    Setting(
        "schedule",
        "schedule.toml",
        "The editorial plan: issues per year, send dates, deadlines, calendar overrides.",
    ),
    Setting(
        "send_batch_size",
        "500",
        "How many ledger rows a sender claims and sends per database transaction.",
        _positive_int,
    ),
)


@dataclass(frozen=True)
class Settings:
    """The typed, validated settings of one run."""

    database_url: str
    transport: str
    outbox_dir: Path
    base_url: str
    secret_key: str
    sender_address: str
    sender_name: str
    unsubscribe_address: str
    list_id: str
    templates_dir: Path
    schedule: Path
    send_batch_size: int

    def require_secret_key(self) -> str:
        if not self.secret_key:
            raise ConfigError(
                "TRYGGNEWS_SECRET_KEY is not set: run `tryggnews init` to generate one into .env"
            )
        if len(self.secret_key) < 32:
            raise ConfigError(
                "TRYGGNEWS_SECRET_KEY is too short: use at least 32 random characters"
            )
        return self.secret_key


_PATH_FIELDS = {f.name for f in fields(Settings) if f.type in ("Path", Path)}


def load_settings(
    environ: Mapping[str, str] | None = None,
    dotenv_path: Path | None = Path(".env"),
    **overrides: Any,
) -> Settings:
    """Build settings from ``environ`` (default ``os.environ``) over ``.env`` over defaults.

    ``overrides`` (by field name) win over everything; tests use them to vary behaviour.
    """
    environ = os.environ if environ is None else environ
    from_file: dict[str, str | None] = {}
    if dotenv_path is not None and dotenv_path.is_file():
        from_file = dict(dotenv_values(dotenv_path))
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in overrides:
            values[setting.name] = overrides.pop(setting.name)
            continue
        raw = environ.get(setting.env_name)
        if raw is None:
            raw = from_file.get(setting.env_name)
        if raw is None:
            raw = setting.default
        try:
            value = setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{setting.env_name}={raw!r}: {exc}") from None
        values[setting.name] = Path(value) if setting.name in _PATH_FIELDS else value
    if overrides:
        raise TypeError(f"unknown settings: {', '.join(sorted(overrides))}")
    return Settings(**values)
