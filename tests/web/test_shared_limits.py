"""The public forms' rate limits hold across processes: two apps, or two real `tryggnews serve`
processes, on one database (SQLite file and PostgreSQL) together allow what one allows.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from public_site import Site, open_site
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.config import Settings
from tryggnews.db.engine import make_engine, make_session_factory
from tryggnews.web.public.limits import PublicLimits

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def two_sites(
    settings: Settings, session_factory: sessionmaker[Session], db_url: str, engine: Engine
) -> Iterator[tuple[Site, Site]]:
    """Two apps, each with an engine (connections) of its own, on the same database."""
    other = make_engine(db_url)
    try:
        with (
            open_site(settings, session_factory) as first,
            open_site(settings, make_session_factory(other)) as second,
        ):
            yield first, second
    finally:
        other.dispose()


def test_two_apps_send_no_more_confirmations_than_one(two_sites: tuple[Site, Site]) -> None:
    first, second = two_sites
    for number in range(PublicLimits.PER_ADDRESS + 3):
        site = two_sites[number % 2]
        assert site.sign_up("anna@example.org").status_code == 303
    # The outbox is shared too: every mail either app sent is there.
    assert len(first.mails()) == len(second.mails()) == PublicLimits.PER_ADDRESS


def test_two_apps_refuse_one_machine_together(two_sites: tuple[Site, Site]) -> None:
    tokens = [site.csrf_token() for site in two_sites]
    for number in range(PublicLimits.PER_IP):
        site = two_sites[number % 2]
        data = {"csrf_token": tokens[number % 2], "email": f"x{number}@"}
        assert site.post("/prenumerera", data).status_code == 422
    for site, token in zip(two_sites, tokens, strict=True):
        data = {"csrf_token": token, "email": "anna@example.org"}
        assert site.post("/prenumerera", data).status_code == 429


# --- two real `tryggnews serve` processes ----------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRYGGNEWS_")}
    env.update(
        {
            "TRYGGNEWS_DATABASE_URL": settings.database_url,
            "TRYGGNEWS_SECRET_KEY": settings.secret_key,
            "TRYGGNEWS_TEMPLATES_DIR": str(settings.templates_dir),
            "TRYGGNEWS_SCHEDULE": str(settings.schedule),
            "TRYGGNEWS_AUDIENCES": str(settings.audiences),
            "TRYGGNEWS_OUTBOX_DIR": str(settings.outbox_dir),
        }
    )
    return env


class Browser:
    """One client with cookies, against one server."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=20) as response:
            body: bytes = response.read()
            return body.decode()

    def post(self, path: str, fields: dict[str, str]) -> int:
        data = urllib.parse.urlencode(fields).encode()
        try:
            with self.opener.open(self.base + path, data=data, timeout=20) as response:
                status: int = response.status
                return status
        except urllib.error.HTTPError as exc:
            return exc.code


@pytest.fixture
def two_servers(settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[list[Browser]]:
    env = serve_env(settings)
    ports = [free_port(), free_port()]
    processes = []
    for n, port in enumerate(ports):
        with (tmp_path / f"serve{n}.log").open("wb") as log:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tryggnews", "serve", "--port", str(port)],
                    env=env,
                    cwd=tmp_path,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    try:
        browsers = [Browser(f"http://127.0.0.1:{port}") for port in ports]
        for browser, process in zip(browsers, processes, strict=True):
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, [p.read_text() for p in tmp_path.glob("*.log")]
                try:
                    browser.get("/prenumerera")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
        yield browsers
    finally:
        # SIGTERM (systemd's and a container runtime's stop) ends `serve` cleanly.
        for process in processes:
            process.terminate()
        assert [process.wait(timeout=20) for process in processes] == [0, 0]


def test_two_serve_processes_refuse_one_machine_together(two_servers: list[Browser]) -> None:
    tokens = []
    for browser in two_servers:
        match = CSRF.search(browser.get("/prenumerera"))
        assert match
        tokens.append(match.group(1))
    statuses = []
    for number in range(PublicLimits.PER_IP + 4):
        browser = two_servers[number % 2]
        fields = {"csrf_token": tokens[number % 2], "email": f"x{number}@"}
        statuses.append(browser.post("/prenumerera", fields))
    # Each process alone would allow PER_IP; together they allow PER_IP, not twice that.
    assert statuses == [422] * PublicLimits.PER_IP + [429] * 4
