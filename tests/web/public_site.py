"""The public site under test: the real app on a test database, a Maildir outbox and a
fixed clock, with helpers to fill in forms and read the emails that were sent.

Import the fixture into a test module: ``from public_site import site_fixture  # noqa: F401``
makes the ``site`` fixture available there.
"""

from __future__ import annotations

import contextlib
import email
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from tryggnews.clock import FixedClock
from tryggnews.config import Settings
from tryggnews.db.models import ConsentEvent, Subscriber
from tryggnews.subscribers.tokens import TokenSigner
from tryggnews.web import create_app
from tryggnews.web.public.state import public_state

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK = re.compile(r"https?://\S+")


class Site:
    """One app and one browser-like client (cookies kept between requests)."""

    def __init__(
        self, app: Flask, settings: Settings, sessions: sessionmaker[Session], clock: FixedClock
    ) -> None:
        self.app = app
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.client: FlaskClient = app.test_client()
        self.signer = TokenSigner(settings.require_secret_key())

    # --- requests -----------------------------------------------------------

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, buffered=True, **kwargs)

    def post(self, path: str, data: Any = None, **kwargs: Any) -> TestResponse:
        return self.client.post(path, data=data, buffered=True, **kwargs)

    def csrf_token(self, page: str = "/prenumerera") -> str:
        match = CSRF.search(self.get(page).get_data(as_text=True))
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def submit(self, page: str, action: str | None = None, **fields: Any) -> TestResponse:
        """Load ``page``, then post ``fields`` to ``action`` (or ``page``) as its form does:
        with the page's CSRF token where it has one (a page behind a signed link has none)."""
        match = CSRF.search(self.get(page).get_data(as_text=True))
        data = {"csrf_token": match.group(1), **fields} if match else fields
        return self.post(action or page, data)

    def sign_up(self, email: str, audiences: Any = ("parents-7-9",), **fields: Any) -> TestResponse:
        values = {"email": email, "audiences": list(audiences), "language": "sv", **fields}
        return self.submit("/prenumerera", **values)

    # --- what was sent ------------------------------------------------------

    def mails(self) -> list[EmailMessage]:
        """Every email handed to the outbox so far, oldest first."""
        with self.app.app_context():
            public_state().mailer.wait()
        new = Path(self.settings.outbox_dir) / "new"
        if not new.is_dir():
            return []
        files = sorted(new.iterdir(), key=lambda path: path.stat().st_mtime_ns)
        messages = []
        for path in files:
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(message, EmailMessage)
            messages.append(message)
        return messages

    def links(self, message: EmailMessage) -> list[str]:
        body = message.get_body(("plain",))
        assert body is not None
        return LINK.findall(body.get_content())

    def path_of(self, url: str) -> str:
        assert url.startswith(self.settings.base_url + "/"), url
        return url[len(self.settings.base_url) :]

    # --- what is stored -----------------------------------------------------

    def subscriber(self, email_key: str) -> Subscriber | None:
        with self.sessions() as session:
            return session.scalar(select(Subscriber).where(Subscriber.email_key == email_key))

    def events(self) -> list[ConsentEvent]:
        with self.sessions() as session:
            return list(session.scalars(select(ConsentEvent).order_by(ConsentEvent.id)))

    def tokens(self, email_key: str) -> dict[str, str]:
        subscriber = self.subscriber(email_key)
        assert subscriber is not None
        return {
            "manage": self.signer.manage_token(subscriber.id, subscriber.token_salt),
            "unsubscribe": self.signer.unsubscribe_token(subscriber.id, subscriber.token_salt),
            "confirm": self.signer.confirm_token(subscriber.id, subscriber.token_salt),
        }


@contextlib.contextmanager
def open_site(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Site]:
    """The public site with these settings; its background mailer is closed at the end."""
    clock = FixedClock(T0)
    app = create_app(settings, session_factory=session_factory, clock=clock)
    try:
        yield Site(app, settings, session_factory, clock)
    finally:
        with app.app_context():
            public_state().mailer.close()


@pytest.fixture(name="site")
def site_fixture(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Site]:
    """The public site on the test database (import ``site_fixture`` to use ``site``)."""
    with open_site(settings, session_factory) as site:
        yield site


def confirmed(site: Site, email: str, audiences: Any = ("parents-7-9",)) -> dict[str, str]:
    """Sign ``email`` up through the form and confirm it; return its tokens."""
    assert site.sign_up(email, audiences).status_code == 303
    [mail] = [m for m in site.mails() if m["To"] == email.lower()][-1:]
    confirm_path = site.path_of(site.links(mail)[0])
    assert site.submit(confirm_path).status_code == 200
    return site.tokens(email.casefold())


def text_of(response: TestResponse) -> str:
    """The page's text without tags and with collapsed spaces, for content assertions."""
    html = response.get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text)


def h1(response: TestResponse) -> str:
    match = re.search(r"<h1>(.*?)</h1>", response.get_data(as_text=True), re.S)
    assert match, "the page has no h1"
    return re.sub(r"\s+", " ", match.group(1)).strip()


__all__ = ["T0", "Site", "confirmed", "h1", "site_fixture", "text_of"]
