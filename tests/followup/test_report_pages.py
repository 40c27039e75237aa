"""The report pages in Chromium: the workspace's (login required) and the public one pass
axe-core at 320 and 1280 px; the public page shows no per-variant figures; the issue page
shows its figures per variant and says there is no tracking; a bad year is 404; the
charts' SVG references nothing outside and the page runs under the site's CSP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from editor_live import axe_source, axe_violations, live_server
from flask import Flask
from sqlalchemy import event, update
from sqlalchemy.orm import Session, sessionmaker
from year_data import T2, YEAR, build_year

from tryggnews.clock import FixedClock
from tryggnews.config import Settings
from tryggnews.db.models import Issue
from tryggnews.editors.accounts import create_user, hash_password
from tryggnews.transports.outbox import MaildirTransport
from tryggnews.web.app import create_app

EDITOR = "redaktor@example.org"
PASSWORD = "ett långt lösenord för uppföljning"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    # The pages are under test here; the figures' truth is tested on both databases.
    return f"sqlite:///{tmp_path / 'tryggnews.db'}"


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session]) -> Flask:
    build_year(settings, session_factory)
    clock = FixedClock(T2)
    with session_factory.begin() as session:
        user = create_user(
            session,
            email=EDITOR,
            organisation="polis",
            role="editor",
            name="Redaktör",
            actor="test",
            now=clock.now(),
        )
        user.password_hash = hash_password(PASSWORD)
        user.password_changed_at = clock.now()
    app = create_app(
        settings,
        transport=MaildirTransport(settings.outbox_dir),
        clock=clock,
        session_factory=session_factory,
    )
    app.config["TESTING"] = True
    return app


@pytest.fixture
def base(app: Flask) -> Iterator[str]:
    with live_server(app) as url:
        yield url


def test_pages_without_a_browser(app: Flask) -> None:
    client = app.test_client()
    public = client.get(f"/uppfoljning/{YEAR}")
    assert public.status_code == 200
    html = public.get_data(as_text=True)
    assert "Vi mäter inte öppningar eller klick" in html
    assert "per målgruppsvariant" not in html and "@example.org" not in html
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 4
    for svg in svgs:
        assert "<script" not in svg and "<style" not in svg and " style=" not in svg
        assert not re.search(r"(href|src)=|url\(", svg)
        assert 'role="img"' in svg and "<desc" in svg
    for bad in ("20x6", "99999", "1999"):
        assert client.get(f"/uppfoljning/{bad}").status_code == 404
    assert client.get(f"/redaktion/uppfoljning/{YEAR}").status_code in (302, 303)
    assert client.get("/arkiv").get_data(as_text=True).count(f"/uppfoljning/{YEAR}") == 1
    css = client.get("/uppfoljning/diagram.css")
    assert css.status_code == 200 and css.mimetype == "text/css"


def test_the_public_page_is_built_once_per_five_minutes_and_sets_no_cookie(
    app: Flask, session_factory: sessionmaker[Session]
) -> None:
    clock = app.extensions["tryggnews"].clock
    assert isinstance(clock, FixedClock)
    statements: list[str] = []
    engine = session_factory.kw["bind"]
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    client = app.test_client()
    first = client.get(f"/uppfoljning/{YEAR}")
    built = len(statements)
    assert built > 0 and "Set-Cookie" not in first.headers
    assert first.headers["Cache-Control"] == "public, max-age=300"
    again = app.test_client().get(f"/uppfoljning/{YEAR}")
    assert again.get_data() == first.get_data() and len(statements) == built  # kept
    assert "Set-Cookie" not in again.headers
    with session_factory.begin() as session:  # the figures change: the next window shows it
        session.execute(update(Issue).values(title="Nytt namn på alla nummer"))
    clock.advance(timedelta(seconds=300))
    later = app.test_client().get(f"/uppfoljning/{YEAR}").get_data(as_text=True)
    assert len(statements) > built and "Nytt namn på alla nummer" in later
    assert "Nytt namn på alla nummer" not in first.get_data(as_text=True)


def _log_in(browser: Any, base: str, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="sv-SE")
    page = context.new_page()
    page.goto(f"{base}/redaktion/")
    page.fill("#email", EDITOR)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Logga in')")
    page.wait_for_url(f"{base}/redaktion/")
    return page


@pytest.mark.browser
def test_report_pages_pass_axe(browser: Any, base: str) -> None:
    source = axe_source()
    if source is None:
        pytest.skip("axe-core is not installed (node_modules/axe-core/axe.min.js): run npm ci")
    checked = []
    blocked: list[str] = []

    def watch(message: Any) -> None:
        if "Content Security" in message.text:
            blocked.append(message.text)

    for width in (1280, 320):
        page = _log_in(browser, base, width)
        page.on("console", watch)
        try:
            for path in (
                f"/redaktion/uppfoljning/{YEAR}",
                f"/uppfoljning/{YEAR}",
                "/uppfoljning/2031",
                f"/redaktion/utskick/{YEAR}-1",
            ):
                response = page.goto(base + path)
                assert response is not None and response.status == 200, path
                assert axe_violations(page, source) == [], f"{path} at {width} px"
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width, f"{path} scrolls sideways at {width} px"
                checked.append(path)
            page.goto(f"{base}/redaktion/utskick/{YEAR}-1")
            text = page.inner_text("main")
            assert "Siffror för utskicket" in text and "Vi mäter inte öppningar" in text
            assert "Föräldrar – årskurs 7–9" in text  # a variant in words
            page.goto(f"{base}/redaktion/uppfoljning/{YEAR}")
            assert "Texter att använda" in page.inner_text("main")
            # The charts are coloured by the stylesheet, not by inline styles.
            fill = page.evaluate(
                "getComputedStyle(document.querySelector('#chart-delivery .color-0 rect')).fill"
            )
            assert fill == "rgb(31, 92, 153)"
            # The public page: Swedish content marked as such in an English frame, and a
            # wide table that scrolls in its region at 320 px instead of breaking words.
            page.goto(f"{base}/uppfoljning/{YEAR}?lang=en")
            assert page.evaluate("document.documentElement.lang") == "en"
            assert page.evaluate("document.querySelector('main h1').closest('[lang]').lang") == "sv"
            if width == 320:
                region = page.locator(".table-scroll", has_text="Polisens avsnitt")
                assert region.evaluate("r => r.scrollWidth > r.clientWidth")
                # "Planerat" on one line: its text's line boxes, counted by a Range.
                lines = region.locator("th", has_text="Planerat").evaluate(
                    "th => { const r = document.createRange(); r.selectNodeContents(th);"
                    " return r.getClientRects().length; }"
                )
                assert lines == 1
        finally:
            page.context.close()
        assert blocked == [], blocked
    assert len(checked) == 8


def test_unsubscribing_through_the_link_names_the_latest_issue(
    app: Flask, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    from sqlalchemy import select

    from tryggnews import wiring
    from tryggnews.db.models import ConsentEvent, Issue, Subscriber
    from tryggnews.followup.figures import issue_figures

    def unsubscriptions() -> int:
        with session_factory() as session:
            issue = session.scalar(select(Issue).where(Issue.key == f"{YEAR}-2"))
            assert issue is not None
            return issue_figures(session, issue).total.unsubscriptions

    before = unsubscriptions()
    with session_factory() as session:
        person = session.scalar(select(Subscriber).where(Subscriber.email == "p00@example.org"))
        assert person is not None
        token = wiring.signer(settings).unsubscribe_token(person.id, person.token_salt)
    answer = app.test_client().post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    with session_factory() as session:
        event = session.scalars(
            select(ConsentEvent).order_by(ConsentEvent.id.desc()).limit(1)
        ).one()
        assert event.kind.value == "unsubscribed" and event.channel == "one-click"
        assert event.details["issue"] == f"{YEAR}-2"
        assert event.details["attributed"] == "latest-sent"
    assert unsubscriptions() == before + 1
