"""Security of the workspace: default deny, roles, organisations, CSRF, sessions, safe Markdown."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from editor_helpers import (
    ADMIN,
    KOMMUN,
    POLIS,
    block_row,
    csrf_of,
    issue_row,
    login,
    outbox_messages,
)
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import FixedClock
from tryggnews.config import Settings
from tryggnews.db.models import Approval, Block, User
from tryggnews.editors.accounts import set_password
from tryggnews.editors.media import MAX_IMAGE_BYTES, image_type, store_image
from tryggnews.errors import ValidationError
from tryggnews.web.editor.services import LOGIN_ATTEMPTS_PER_ADDRESS

# The masthead logos are public on purpose: every email links them.
PUBLIC_ENDPOINTS = {
    "editor.auth.login",
    "editor.auth.set_password",
    "editor.media.file",
    "editor.media.logo",
}
ADMIN_BLUEPRINTS = (
    "editor.scheduling.",
    "editor.audit.",
    "editor.users.",
    "editor.archive_admin.",
    "editor.subscriber_actions.",
    "editor.subscriber_import.",
    "editor.suppressions.",
)
ARGUMENTS = {
    "key": "2027-1",
    "block_id": 1,
    "user_id": 1,
    "subscriber_id": 1,
    "year": 2027,
    "lang": "en",
    "token": "x",
    "name": "x.png",
}
HOSTILE = (
    "<script>alert('s')</script>\n\n"
    "[Läs om langning](javascript:alert('j'))\n\n"
    '<img src="x" onerror="alert(1)">\n\n'
    "Vanlig text med **fetstil**."
)


def _workspace_rules(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every route of the workspace, filled with sample values."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith("/redaktion"):
                continue
            values: dict[str, Any] = {arg: ARGUMENTS[arg] for arg in rule.arguments}
            url = app.url_for(rule.endpoint, **values)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, url))
    return found


def test_every_workspace_route_refuses_anonymous_visitors(
    app: Flask, issue_with_blocks: dict[str, int]
) -> None:
    rules = _workspace_rules(app)
    assert len({endpoint for endpoint, _, _ in rules}) >= 20  # the enumeration found the routes
    public = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "tryggnews_public", False)
    }
    # A new public view must be added here on purpose.
    assert public == PUBLIC_ENDPOINTS
    client = app.test_client()
    token = csrf_of(client.get("/redaktion/logga-in").text)
    for endpoint, method, url in rules:
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        response = client.open(url, method=method, data={"csrf_token": token})
        if method == "GET":
            assert response.status_code == 302, (endpoint, response.status_code)
            assert "/redaktion/logga-in" in response.headers["Location"], endpoint
        else:
            assert response.status_code == 401, (endpoint, response.status_code)


def test_editors_cannot_reach_admin_pages(app: Flask, issue_with_blocks: dict[str, int]) -> None:
    client = app.test_client()
    token = login(client, POLIS)
    admin_rules = [r for r in _workspace_rules(app) if r[0].startswith(ADMIN_BLUEPRINTS)]
    assert {r[0].split(".")[1] for r in admin_rules} == {
        "scheduling",
        "audit",
        "users",
        "archive_admin",
        "subscriber_actions",
        "subscriber_import",
        "suppressions",
    }
    for endpoint, method, url in admin_rules:
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 403, (endpoint, method, response.status_code)
    admin = app.test_client()
    login(admin, ADMIN)
    assert admin.get("/redaktion/logg/").status_code == 200
    assert admin.get("/redaktion/anvandare/").status_code == 200


def test_an_editor_cannot_edit_the_other_organisations_block(
    app: Flask, session_factory: sessionmaker[Session], issue_with_blocks: dict[str, int]
) -> None:
    client = app.test_client()
    token = login(client, POLIS)
    block_id = issue_with_blocks["kommun_block"]
    before = block_row(session_factory, block_id)
    page = client.get(f"/redaktion/block/{block_id}")
    assert page.status_code == 200 and "kan läsa det men inte ändra" in page.text
    response = client.post(
        f"/redaktion/block/{block_id}",
        data={
            "csrf_token": token,
            "version": before.version,
            "title": "Kapad rubrik",
            "body_md": "Kapad text",
            "focus_area": "andts",
            "organisation": "polis",
        },
    )
    assert response.status_code == 403
    after = block_row(session_factory, block_id)
    assert (after.title, after.version, after.organisation_key) == (
        before.title,
        before.version,
        "kommun",
    )


def test_an_editor_cannot_approve_for_the_other_organisation(
    app: Flask, session_factory: sessionmaker[Session], issue_with_blocks: dict[str, int]
) -> None:
    client = app.test_client()
    token = login(client, POLIS)
    version = issue_row(session_factory, issue_with_blocks["issue"]).version
    response = client.post(
        "/redaktion/utskick/2027-1/godkann",
        data={"csrf_token": token, "version": version, "organisation": "kommun"},
    )
    assert response.status_code == 403
    assert "bara godkänna för Polisen" in response.text
    with session_factory() as session:
        assert session.scalars(select(Approval)).all() == []


def test_a_post_without_csrf_token_is_refused(
    app: Flask, session_factory: sessionmaker[Session], issue_with_blocks: dict[str, int]
) -> None:
    client = app.test_client()
    login(client, POLIS)
    before = issue_row(session_factory, issue_with_blocks["issue"])
    response = client.post(
        "/redaktion/utskick/2027-1/texter",
        data={"version": before.version, "title": "Ändrad", "subject": "Ändrad", "intro_md": ""},
    )
    assert response.status_code == 400 and "Formuläret har gått ut" in response.text
    assert client.post("/redaktion/block/forhandsvisning", data={"body_md": "x"}).status_code == 400
    after = issue_row(session_factory, issue_with_blocks["issue"])
    assert (after.title, after.version) == (before.title, before.version)


def _no_script(html: str) -> None:
    assert "<script" not in html.lower()
    assert not re.search(r"<img[^>]*onerror", html, re.IGNORECASE)
    assert not re.search(r"href=[\"']?\s*javascript:", html, re.IGNORECASE)


def test_markdown_cannot_inject_script_into_the_preview_or_the_email(
    app: Flask, editor_settings: Settings, issue_with_blocks: dict[str, int]
) -> None:
    client = app.test_client()
    token = login(client, POLIS)
    live = client.post(
        "/redaktion/block/forhandsvisning",
        data={"body_md": HOSTILE},
        headers={"X-CSRFToken": token},
    )
    assert live.status_code == 200 and "<strong>fetstil</strong>" in live.text
    _no_script(live.text)
    created = client.post(
        "/redaktion/block/nytt",
        data={
            "csrf_token": token,
            "title": "<script>alert('t')</script> Langning",
            "body_md": HOSTILE,
            "focus_area": "andts",
            "organisation": "polis",
            "utskick": "2027-1",
        },
    )
    assert created.status_code == 302, created.text
    issue_page = client.get("/redaktion/utskick/2027-1")
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; Langning" in issue_page.text
    _no_script(issue_page.text.replace('<script src="/static/editor.js" defer></script>', ""))
    message = client.get("/redaktion/utskick/2027-1/forhandsgranska/meddelande?malgrupp=alla")
    assert "fetstil" in message.text
    _no_script(message.text)
    policy = message.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "script-src" not in policy and "default-src 'none'" in policy
    sent = client.post(
        "/redaktion/utskick/2027-1/testutskick", data={"csrf_token": token, "malgrupp": "alla"}
    )
    assert sent.status_code == 302
    [test_mail] = outbox_messages(editor_settings.outbox_dir)
    assert test_mail["To"].addresses[0].addr_spec == POLIS
    assert test_mail["Subject"].startswith("[Test] ")
    html = test_mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "fetstil" in html
    _no_script(html)


def test_sessions_end_after_inactivity_and_when_the_password_changes(
    app: Flask,
    clock: FixedClock,
    editor_settings: Settings,
    session_factory: sessionmaker[Session],
    people: dict[str, int],
) -> None:
    client = app.test_client()
    login(client, KOMMUN)
    clock.advance(timedelta(hours=editor_settings.session_hours) - timedelta(minutes=1))
    assert client.get("/redaktion/").status_code == 200  # activity keeps the session alive
    clock.advance(timedelta(hours=editor_settings.session_hours) - timedelta(minutes=1))
    assert client.get("/redaktion/").status_code == 200
    clock.advance(timedelta(hours=editor_settings.session_hours, minutes=1))
    response = client.get("/redaktion/")
    assert response.status_code == 302 and "logga-in" in response.headers["Location"]
    assert "inte har varit aktiv" in client.get("/redaktion/logga-in").text
    login(client, KOMMUN)
    with session_factory.begin() as session:
        user = session.get(User, people[KOMMUN])
        assert user is not None
        set_password(session, user, "ett annat långt lösenord", actor=ADMIN, now=clock.now())
    response = client.get("/redaktion/")
    assert response.status_code == 302 and "logga-in" in response.headers["Location"]


def test_login_is_rate_limited_per_address_and_never_redirects_away(
    app: Flask, issue_with_blocks: dict[str, int]
) -> None:
    client = app.test_client()
    token = csrf_of(client.get("/redaktion/logga-in").text)
    # One client trying many addresses (each only once: per address it would be throttled
    # sooner, see test_login_throttle.py).
    for number in range(LOGIN_ATTEMPTS_PER_ADDRESS):
        refused = client.post(
            "/redaktion/logga-in",
            data={"email": f"n{number}@example.se", "password": "", "csrf_token": token},
        )
        assert refused.status_code == 401
    limited = client.post(
        "/redaktion/logga-in", data={"email": POLIS, "password": "x", "csrf_token": token}
    )
    assert limited.status_code == 429 and "För många inloggningsförsök" in limited.text
    other = app.test_client()
    page = other.get("/redaktion/logga-in")
    response = other.post(
        "/redaktion/logga-in?next=https://evil.example/redaktion",
        data={
            "email": KOMMUN,
            "password": "ett långt lösenord 2027",
            "csrf_token": csrf_of(page.text),
        },
        environ_base={"REMOTE_ADDR": "127.0.0.2"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/redaktion/"


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.mark.parametrize(
    ("filename", "content", "accepted"),
    [
        ("bild.png", PNG, True),
        ("bild.png", b"<html><script>alert(1)</script></html>", False),
    ],
)
def test_uploaded_images_are_checked_by_content_and_served_under_random_names(
    app: Flask,
    editor_settings: Settings,
    issue_with_blocks: dict[str, int],
    filename: str,
    content: bytes,
    accepted: bool,
) -> None:
    client = app.test_client()
    token = login(client, POLIS)
    response = client.post(
        "/redaktion/block/nytt",
        data={
            "csrf_token": token,
            "title": "Med bild",
            "body_md": "Text.",
            "focus_area": "andts",
            "organisation": "polis",
            "image_alt": "Två föräldrar på nattvandring",
            "image_file": (BytesIO(content), filename),
        },
        content_type="multipart/form-data",
    )
    stored = list(editor_settings.media_dir.glob("*")) if editor_settings.media_dir.exists() else []
    if not accepted:
        assert response.status_code == 400
        assert "PNG, JPEG, WebP eller GIF" in response.text
        assert stored == []
        return
    assert response.status_code == 302, response.text
    [image] = stored
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}\.png", image.name) and image.read_bytes() == PNG
    with app.test_client().get(f"/media/{image.name}") as served:  # public: emails load it
        assert served.status_code == 200 and served.mimetype == "image/png"
        assert served.get_data() == PNG
        assert "sandbox" in served.headers["Content-Security-Policy"]
    assert app.test_client().get("/media/..%2Fsecret.png").status_code == 404
    assert app.test_client().get("/media/" + image.name.replace(".png", ".gif")).status_code == 404


def test_blocks_of_a_sent_issue_are_read_only(
    app: Flask, session_factory: sessionmaker[Session], issue_with_blocks: dict[str, int]
) -> None:
    from tryggnews.db.models import Issue, IssueStatus

    with session_factory.begin() as session:
        issue = session.get(Issue, issue_with_blocks["issue"])
        assert issue is not None
        issue.status = IssueStatus.SENT
    client = app.test_client()
    token = login(client, POLIS)
    block = block_row(session_factory, issue_with_blocks["polis_block"])
    response = client.post(
        f"/redaktion/block/{block.id}",
        data={
            "csrf_token": token,
            "version": block.version,
            "title": "Ändrad efter utskick",
            "body_md": "Ny text",
            "focus_area": "andts",
        },
    )
    assert response.status_code == 400 and "Gör en kopia" in response.text
    with session_factory() as session:
        assert session.get(Block, block.id).title == block.title  # type: ignore[union-attr]


def test_images_over_the_size_limit_are_refused(tmp_path: Path) -> None:
    # Checked on the storing function: a 5 MB upload through the test client leaks its
    # spooled temporary file (a werkzeug test-client quirk), which warnings would fail.
    with pytest.raises(ValidationError, match="högst 5 MB"):
        store_image(tmp_path, PNG + b"0" * MAX_IMAGE_BYTES)
    assert list(tmp_path.iterdir()) == []
    assert image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert image_type(b"GIF89a...") == "gif"
    assert image_type(b"\xff\xd8\xff\xe0") == "jpg"
    assert image_type(b"<svg onload=alert(1)>") is None
