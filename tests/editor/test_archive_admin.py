"""Administrators take an issue or one block off the public archive with a reason, and
put it back, in the workspace (/redaktion/arkiv) and with `tryggnews archive`; each
change is audit-logged and the public pages follow at once (410, block left out)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from editor_helpers import ADMIN, PASSWORD, POLIS, login
from editor_live import axe_source, axe_violations, live_server
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.cli import cli
from tryggnews.config import Settings
from tryggnews.db.models import AuditEvent, Issue, IssueStatus

SENT = datetime(2027, 2, 15, 7, 0, tzinfo=UTC)


@pytest.fixture
def sent(
    session_factory: sessionmaker[Session], issue_with_blocks: dict[str, int]
) -> dict[str, int]:
    """Issue 2027-1 (a police and a kommun block) as a finished send leaves it."""
    with session_factory.begin() as session:
        issue = session.get(Issue, issue_with_blocks["issue"])
        assert issue is not None
        issue.status = IssueStatus.SENT
        issue.sent_at = SENT
    return issue_with_blocks


def _actions(session_factory: sessionmaker[Session]) -> list[tuple[str, str, dict[str, Any]]]:
    with session_factory() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("archive.%")).order_by(AuditEvent.id)
        )
        return [(e.action, e.actor, dict(e.details)) for e in events]


def test_only_administrators_reach_the_archive_page(app: Flask, sent: dict[str, int]) -> None:
    client = app.test_client()
    token = login(client, POLIS)
    assert client.get("/redaktion/arkiv/").status_code == 403
    refused = client.post(
        "/redaktion/arkiv/2027-1/ta-bort", data={"csrf_token": token, "reason": "x"}
    )
    assert refused.status_code == 403
    assert client.get("/arkiv/2027-1").status_code == 200


def test_an_admin_withdraws_and_restores_an_issue_with_a_reason(
    app: Flask, sent: dict[str, int], session_factory: sessionmaker[Session]
) -> None:
    client: FlaskClient = app.test_client()
    token = login(client, ADMIN)
    page = client.get("/redaktion/arkiv/")
    assert page.status_code == 200
    assert "Visas i arkivet" in page.text and "Langning inför sportlovet" in page.text

    # No reason: refused in Swedish, nothing changes.
    empty = client.post(
        "/redaktion/arkiv/2027-1/ta-bort",
        data={"csrf_token": token, "reason": "  "},
        follow_redirects=True,
    )
    assert "Skriv skälet" in empty.text
    assert client.get("/arkiv/2027-1").status_code == 200
    # Without the CSRF token: refused.
    assert client.post("/redaktion/arkiv/2027-1/ta-bort", data={"reason": "x"}).status_code == 400

    done = client.post(
        "/redaktion/arkiv/2027-1/ta-bort",
        data={"csrf_token": token, "reason": "Beslut om sekretess"},
        follow_redirects=True,
    )
    assert "är borttaget från arkivet" in done.text and "Beslut om sekretess" in done.text
    gone = client.get("/arkiv/2027-1")
    assert gone.status_code == 410
    assert "Langning" not in client.get("/arkiv.atom").text

    back = client.post(
        "/redaktion/arkiv/2027-1/aterstall", data={"csrf_token": token}, follow_redirects=True
    )
    assert "finns i arkivet igen" in back.text
    assert client.get("/arkiv/2027-1").status_code == 200
    assert "Langning" in client.get("/arkiv.atom").text

    assert _actions(session_factory) == [
        ("archive.withdraw_issue", ADMIN, {"key": "2027-1", "reason": "Beslut om sekretess"}),
        ("archive.restore_issue", ADMIN, {"key": "2027-1"}),
    ]
    # The log page names the actions in Swedish.
    log = client.get("/redaktion/logg/")
    assert "Tog bort utskick från arkivet" in log.text


def test_an_admin_withdraws_and_restores_one_block(
    app: Flask, sent: dict[str, int], session_factory: sessionmaker[Session]
) -> None:
    client = app.test_client()
    token = login(client, ADMIN)
    block = sent["polis_block"]
    assert "Langning inför sportlovet" in client.get("/arkiv/2027-1").text
    client.post(
        f"/redaktion/arkiv/block/{block}/ta-bort",
        data={"csrf_token": token, "reason": "Fel uppgift om datum"},
    )
    page = client.get("/arkiv/2027-1")
    assert page.status_code == 200
    assert "Langning inför sportlovet" not in page.text
    assert "Nattvandring i Åkersberga" in page.text
    admin = client.get("/redaktion/arkiv/")
    assert "Borttaget: Fel uppgift om datum" in admin.text

    client.post(f"/redaktion/arkiv/block/{block}/aterstall", data={"csrf_token": token})
    assert "Langning inför sportlovet" in client.get("/arkiv/2027-1").text
    # Restoring what is not withdrawn says so instead of logging a change.
    again = client.post(
        f"/redaktion/arkiv/block/{block}/aterstall",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "är inte borttaget" in again.text
    assert [a for a, _, _ in _actions(session_factory)] == [
        "archive.withdraw_block",
        "archive.restore_block",
    ]


def _run(settings: Settings, *args: str) -> tuple[int, str]:
    env = {
        "TRYGGNEWS_DATABASE_URL": settings.database_url,
        "TRYGGNEWS_SECRET_KEY": settings.secret_key,
        "TRYGGNEWS_OUTBOX_DIR": str(settings.outbox_dir),
        "TRYGGNEWS_PUBLIC_BASE_URL": "https://trygg.example.se",
    }
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_the_cli_lists_withdraws_and_restores(
    settings: Settings, sent: dict[str, int], session_factory: sessionmaker[Session]
) -> None:
    code, out = _run(settings, "archive", "list")
    assert code == 0, out
    assert "2027-1" in out and "public at https://trygg.example.se/arkiv/2027-1" in out

    code, out = _run(settings, "archive", "withdraw", "2027-1", "--reason", "   ")
    assert code == 2 and "Skriv skälet" in out
    code, out = _run(settings, "archive", "withdraw", "2027-9", "--reason", "x")
    assert code == 2 and "2027-9" in out

    code, out = _run(settings, "archive", "withdraw", "2027-1", "--reason", "Rättsligt skäl")
    assert code == 0, out
    code, out = _run(settings, "archive", "list")
    assert "withdrawn: Rättsligt skäl" in out
    code, out = _run(settings, "archive", "restore", "2027-1")
    assert code == 0, out
    code, out = _run(
        settings, "archive", "withdraw-block", str(sent["kommun_block"]), "--reason", "Namn"
    )
    assert code == 0, out
    code, out = _run(settings, "archive", "list")
    assert "Borttaget: Namn" in out
    code, out = _run(settings, "archive", "restore-block", str(sent["kommun_block"]))
    assert code == 0, out
    actors = {actor for _, actor, _ in _actions(session_factory)}
    assert len(actors) == 1 and next(iter(actors)).startswith("cli")


@pytest.mark.browser
@pytest.mark.parametrize("width", [320, 1280])
def test_the_archive_page_has_no_axe_violations(
    browser: Any, app: Flask, sent: dict[str, int], width: int, tmp_path: Path
) -> None:
    source = axe_source()
    if source is None:
        pytest.skip("axe-core is not installed (node_modules/axe-core/axe.min.js): run npm ci")
    with live_server(app) as base:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="sv-SE")
        page = context.new_page()
        page.goto(f"{base}/redaktion/logga-in")
        page.fill("#email", ADMIN)
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Logga in')")
        page.wait_for_url(f"{base}/redaktion/")
        page.goto(f"{base}/redaktion/arkiv/")
        page.fill(f"#skal-block-{sent['polis_block']}", "Fel datum")
        page.click(f"#block-{sent['polis_block']} button")
        page.wait_for_selector("text=visas inte längre i arkivet")
        assert axe_violations(page, source) == []
        width_now = page.evaluate("document.documentElement.scrollWidth")
        assert width_now <= width, f"the page scrolls sideways ({width_now}px)"
        context.close()
