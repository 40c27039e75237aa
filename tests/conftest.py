"""Shared fixtures: real databases (a SQLite file, and PostgreSQL when configured)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.config import Settings, load_settings
from tryggnews.content.vocabulary import Vocabulary, load_vocabulary
from tryggnews.db.engine import make_engine, make_session_factory, normalise_url
from tryggnews.db.migrate import upgrade

REPO_ROOT = Path(__file__).resolve().parent.parent
REPO_VOCABULARY = REPO_ROOT / "audiences.toml"
POSTGRES_URL = os.environ.get("TRYGGNEWS_TEST_POSTGRES_URL", "")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def _postgres_or_skip() -> str:
    if POSTGRES_URL:
        return POSTGRES_URL
    if IN_CI:
        pytest.fail("CI=true but TRYGGNEWS_TEST_POSTGRES_URL is unset: PostgreSQL cases must run")
    pytest.skip("TRYGGNEWS_TEST_POSTGRES_URL is not set: PostgreSQL cases skipped")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: a fresh SQLite file, or a fresh PostgreSQL schema.

    The PostgreSQL schema is reached through ``search_path`` in the URL itself, so
    subprocesses (a worker started by a test) see the same isolated schema.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tryggnews.db'}"
        return
    base = normalise_url(_postgres_or_skip())
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated database engine."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """Settings for one test: its own database, outbox and the repository's templates."""
    return load_settings(
        environ={},
        dotenv_path=None,
        database_url=db_url,
        outbox_dir=str(tmp_path / "outbox"),
        secret_key=TEST_SECRET,
        templates_dir=str(REPO_ROOT / "templates"),
        schedule=str(REPO_ROOT / "schedule.toml"),
        audiences=str(REPO_VOCABULARY),
    )


@pytest.fixture(scope="session")
def vocabulary() -> Vocabulary:
    """The audiences, topics and languages of the repository's audiences.toml."""
    return load_vocabulary(REPO_VOCABULARY)


CHROMIUM = Path(os.environ.get("TRYGGNEWS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; never downloads a browser.

    Skips where Chromium is absent, unless TRYGGNEWS_REQUIRE_BROWSER=1 (CI), where
    a missing browser is a failure.
    """
    if not CHROMIUM.exists():
        if os.environ.get("TRYGGNEWS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"TRYGGNEWS_REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium): browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
