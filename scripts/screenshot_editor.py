"""Screenshots of the editors' workspace for the README: the dashboard and the preview.

Builds a throwaway workspace (a SQLite file in a temporary folder, the repository's
templates and schedule.toml, the sample blocks, three accounts), serves it on
loopback and photographs it with Debian's Chromium through Playwright (nothing is
downloaded). Usage:

    .venv/bin/python scripts/screenshot_editor.py [--out docs/images]
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

from tryggnews.clock import FixedClock
from tryggnews.config import load_settings
from tryggnews.content.approvals import approve
from tryggnews.content.issues import add_block
from tryggnews.content.vocabulary import load_vocabulary
from tryggnews.db.engine import make_engine, make_session_factory
from tryggnews.db.migrate import upgrade
from tryggnews.editors.accounts import create_user
from tryggnews.editors.issue_edits import create_from_plan
from tryggnews.planning.schedule import load_schedule
from tryggnews.sample.loader import load_sample_blocks, read_sample
from tryggnews.transports.outbox import MaildirTransport
from tryggnews.web.app import create_app

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
PASSWORD = secrets.token_urlsafe(16)
NOW = datetime(2027, 1, 20, 9, 30, tzinfo=UTC)


def seed(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        factory = make_session_factory(engine)
        schedule = load_schedule(REPO / "schedule.toml")
        with factory.begin() as session:
            users = {
                email: create_user(
                    session,
                    email=email,
                    organisation=org,
                    role=role,
                    name=name,
                    password=PASSWORD,
                    actor="screenshot",
                    now=NOW,
                )
                for email, org, role, name in (
                    ("admin@kommun.example.se", "kommun", "admin", "Ada Administratör"),
                    ("kommunpolis@polisen.example.se", "polis", "editor", "Pelle Polis"),
                    ("trygghet@kommun.example.se", "kommun", "editor", "Kim Kommun"),
                )
            }
            planned = schedule.issue("2027-1")
            assert planned is not None
            issue = create_from_plan(session, planned, actor="screenshot", now=NOW)
            vocabulary = load_vocabulary(REPO / "audiences.toml")
            text = read_sample(vocabulary).issue
            issue.subject = f"Trygg i Österåker: {planned.title}"
            issue.preheader = text.preheader
            issue.intro_md = text.intro_md
            sample_blocks = load_sample_blocks(session, author="screenshot", vocabulary=vocabulary)
            for block in sample_blocks[:4]:
                add_block(session, issue, block)
            session.flush()
            approve(
                session,
                issue,
                users["kommunpolis@polisen.example.se"],
                organisation="polis",
                expected_version=issue.version,
                now=NOW,
            )
    finally:
        engine.dispose()


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/redaktion/logga-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/redaktion/")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "docs/images")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        database_url = f"sqlite:///{tmp / 'screens.db'}"
        seed(database_url)
        settings = load_settings(
            environ={},
            dotenv_path=None,
            database_url=database_url,
            secret_key=secrets.token_urlsafe(48),
            outbox_dir=str(tmp / "outbox"),
            media_dir=str(tmp / "media"),
            templates_dir=str(REPO / "templates"),
            schedule=str(REPO / "schedule.toml"),
            audiences=str(REPO / "audiences.toml"),
        )
        transport = MaildirTransport(settings.outbox_dir)
        engine = make_engine(database_url)
        app = create_app(
            settings,
            transport=transport,
            clock=FixedClock(NOW),
            session_factory=make_session_factory(engine),
        )
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                log_in(page, base, "admin@kommun.example.se")
                target = args.out / "editor-dashboard.png"
                page.screenshot(path=str(target), full_page=True)
                print(target)
                page.goto(
                    f"{base}/redaktion/utskick/2027-1/forhandsgranska?malgrupp=parents-7-9&bredd=375"
                )
                page.set_viewport_size({"width": 1280, "height": 1100})
                target = args.out / "editor-preview.png"
                page.screenshot(path=str(target), full_page=False)
                print(target)
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
            transport.close()
            engine.dispose()


if __name__ == "__main__":
    main()
