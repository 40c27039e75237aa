"""Strict-Transport-Security is sent, for one year, when the public address is https (unless
``TRYGGNEWS_HSTS`` is off), never over plain http; the other security headers stay on every
answer."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.config import Settings, load_settings
from tryggnews.errors import ConfigError
from tryggnews.transports.outbox import MaildirTransport
from tryggnews.web.app import create_app

PATHS = ("/healthz", "/prenumerera", "/redaktion/logga-in", "/finns-inte")


def headers_of(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path, **changes: object
) -> list[dict[str, str]]:
    outbox = MaildirTransport(tmp_path / "outbox")
    try:
        app = create_app(
            dataclasses.replace(settings, **changes),  # type: ignore[arg-type]
            transport=outbox,
            session_factory=session_factory,
        )
        client = app.test_client()
        base = str(changes.get("base_url", settings.base_url))
        return [dict(client.get(path, base_url=base).headers) for path in PATHS]
    finally:
        outbox.close()


def test_hsts_is_sent_for_one_year_when_the_site_is_https(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    for headers in headers_of(
        settings, session_factory, tmp_path, base_url="https://trygg.example.se"
    ):
        assert headers["Strict-Transport-Security"] == "max-age=31536000"
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_no_hsts_over_http_or_when_turned_off(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    for headers in headers_of(settings, session_factory, tmp_path):
        assert "Strict-Transport-Security" not in headers
        assert "Content-Security-Policy" in headers
    for headers in headers_of(
        settings, session_factory, tmp_path, base_url="https://trygg.example.se", hsts=False
    ):
        assert "Strict-Transport-Security" not in headers


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("OFF", False), ("0", False)])
def test_the_hsts_setting_reads_true_and_false(value: str, expected: bool) -> None:
    assert load_settings(environ={"TRYGGNEWS_HSTS": value}, dotenv_path=None).hsts is expected


def test_a_bad_hsts_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="TRYGGNEWS_HSTS"):
        load_settings(environ={"TRYGGNEWS_HSTS": "kanske"}, dotenv_path=None)
