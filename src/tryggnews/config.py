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


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be 0 or a positive whole number")
    return number


def _non_negative_float(value: str) -> float:
    number = float(value)
    if number < 0:
        raise ValueError("must be 0 or a positive number")
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
        "How messages leave: outbox writes a local Maildir and sends nothing; "
        "smtp sends through a mail server; brevo through the Brevo HTTP API.",
        _choice("outbox", "smtp", "brevo"),
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
        "audiences",
        "audiences.toml",
        "Audiences, topics and languages readers choose from, with Swedish labels.",
    ),
    # --- delivery -------------------------------------------------------------------
    Setting(
        "smtp_host",
        "",
        "Mail server for TRANSPORT=smtp.",
    ),
    Setting(
        "smtp_port",
        "587",
        "Port of the mail server: 587 with STARTTLS, 465 with implicit TLS.",
        _positive_int,
    ),
    Setting(
        "smtp_security",
        "starttls",
        "starttls, ssl (implicit TLS) or none (clear text; warned about unless the host "
        "is loopback).",
        _choice("starttls", "ssl", "none"),
    ),
    Setting("smtp_username", "", "Login for the mail server; empty for none."),
    Setting("smtp_password", "", "Password for the mail server.", secret=True),
    Setting(
        "smtp_timeout",
        "30",
        "Seconds to wait for the mail server before the attempt counts as failed.",
        _positive_int,
    ),
    Setting(
        "smtp_messages_per_connection",
        "100",
        "Messages sent over one SMTP connection before it is renewed.",
        _positive_int,
    ),
    Setting("brevo_api_key", "", "API key for TRANSPORT=brevo.", secret=True),
    Setting(
        "brevo_base_url",
        "https://api.brevo.com",
        "Address of the Brevo API (tests point it at a local stub).",
        _url,
    ),
    Setting(
        "brevo_batch_size",
        "50",
        "Message versions per Brevo API call (at most 1000).",
        _positive_int,
    ),
    Setting(
        "send_connections",
        "2",
        "Parallel SMTP connections or API calls while sending.",
        _positive_int,
    ),
    Setting(
        "send_rate",
        "0",
        "Most messages per second while sending; 0 for no limit.",
        _non_negative_float,
    ),
    Setting(
        "send_hourly_cap",
        "0",
        "Most messages per hour (a provider's quota); 0 for no cap.",
        _non_negative_int,
    ),
    Setting(
        "send_give_up_hours",
        "48",
        "Hours after which a message that keeps failing temporarily counts as failed.",
        _positive_int,
    ),
    Setting(
        "send_lease_seconds",
        "120",
        "Seconds a sender's claim on a batch lasts unless renewed; a crashed sender's "
        "rows are taken over after at most this long.",
        _positive_int,
    ),
    Setting(
        "redirect_all_to",
        "",
        "Development only: deliver every message to this one address instead.",
    ),
    Setting("dkim_domain", "", "Domain to sign with DKIM (d=); empty to not sign."),
    Setting("dkim_selector", "", "DKIM selector (s=)."),
    Setting("dkim_private_key_file", "", "PEM file with the DKIM private key."),
    Setting(
        "webhook_secret",
        "",
        "Shared secret the mail provider's bounce/complaint webhook must present.",
        secret=True,
    ),
    Setting(
        "soft_bounce_limit",
        "5",
        "Temporary bounces in a row after which an address is suppressed.",
        _positive_int,
    ),
    # --- subscribers ----------------------------------------------------------------
    Setting(
        "legal_basis",
        "consent",
        "GDPR legal basis recorded for sign-ups: consent or public-task.",
        _choice("consent", "public-task"),
    ),
    Setting(
        "confirm_token_hours",
        "72",
        "Hours a sign-up confirmation link stays valid.",
        _positive_int,
    ),
    Setting(
        "purge_unconfirmed_days",
        "30",
        "Days after which sign-ups that were never confirmed are deleted.",
        _positive_int,
    ),
    # --- scheduler and editors ------------------------------------------------------
    Setting(
        "send_grace_hours",
        "24",
        "After downtime, an issue whose send time passed less than this long ago is "
        "sent at once; older ones are held and reported.",
        _positive_int,
    ),
    Setting(
        "media_dir",
        "var/media",
        "Where images uploaded by editors are stored.",
    ),
    Setting(
        "session_hours",
        "8",
        "Hours an editor stays logged in without activity.",
        _positive_int,
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
    audiences: Path
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_username: str
    smtp_password: str
    smtp_timeout: int
    smtp_messages_per_connection: int
    brevo_api_key: str
    brevo_base_url: str
    brevo_batch_size: int
    send_connections: int
    send_rate: float
    send_hourly_cap: int
    send_give_up_hours: int
    send_lease_seconds: int
    redirect_all_to: str
    dkim_domain: str
    dkim_selector: str
    dkim_private_key_file: str
    webhook_secret: str
    soft_bounce_limit: int
    legal_basis: str
    confirm_token_hours: int
    purge_unconfirmed_days: int
    send_grace_hours: int
    media_dir: Path
    session_hours: int
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
            raw = overrides.pop(setting.name)
        else:
            raw = environ.get(setting.env_name)
            if raw is None:
                raw = from_file.get(setting.env_name)
            if raw is None:
                raw = setting.default
        try:
            value = setting.parse(str(raw))
        except ValueError as exc:
            raise ConfigError(f"{setting.env_name}={raw!r}: {exc}") from None
        values[setting.name] = Path(value) if setting.name in _PATH_FIELDS else value
    if overrides:
        raise TypeError(f"unknown settings: {', '.join(sorted(overrides))}")
    return Settings(**values)
