"""The typed settings of one run, read once at the edge.

Order of precedence: process environment, then ``.env`` (python-dotenv), then the
defaults declared in ``declared.py``. ``load_settings`` returns one frozen ``Settings``
object that the entry points pass down; nothing below ``cli``/``web``/``wiring`` reads
the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from tryggnews.config.declared import SETTINGS
from tryggnews.errors import ConfigError


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
    dkim_ed25519_selector: str
    dkim_ed25519_private_key_file: str
    webhook_secret: str
    soft_bounce_limit: int
    bounce_address: str
    bounce_maildir: str
    bounce_imap_host: str
    bounce_imap_port: int
    bounce_imap_username: str
    bounce_imap_password: str
    bounce_imap_folder: str
    bounce_imap_processed_folder: str
    legal_basis: str
    confirm_token_hours: int
    purge_unconfirmed_days: int
    send_grace_hours: int
    media_dir: Path
    session_hours: int
    hsts: bool
    embed_origins: tuple[str, ...]
    proxy_count: int
    send_batch_size: int
    public_base_url: str
    promise: Path
    issue_min_blocks: tuple[tuple[str, int], ...]
    logo_kommun: str
    logo_kommun_alt: str
    logo_polis: str
    logo_polis_alt: str
    log_format: str
    metrics_token: str
    expect_scheduler: bool
    keep_deliveries_days: int
    keep_consent_days: int
    keep_audit_days: int
    keep_bounce_mail_days: int

    @property
    def public_url(self) -> str:
        """Where the public archive, feed and calendar live (PUBLIC_BASE_URL or BASE_URL)."""
        return self.public_base_url or self.base_url

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
