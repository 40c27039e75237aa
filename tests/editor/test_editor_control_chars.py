"""Control characters in the workspace: the forms refuse them with the field named in Swedish,
and an issue stored with one before (a NUL, a line break) still shows its page, preview,
lists and test send as Swedish messages, never a 500, so an editor can fix it."""

from __future__ import annotations

from editor_helpers import POLIS, issue_row, login, outbox_messages
from flask import Flask
from sqlalchemy import update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.config import Settings
from tryggnews.db.models import Issue, User


def _stored_control(db_url: str) -> str:
    """A NUL where the database can hold one (SQLite); PostgreSQL refuses NUL in text."""
    return "\x00" if make_url(db_url).get_backend_name() == "sqlite" else "\x1b"


def test_the_issue_form_refuses_a_line_break_in_the_subject(
    app: Flask, session_factory: sessionmaker[Session], issue_with_blocks: dict[str, int]
) -> None:
    client = app.test_client()
    token = login(client, POLIS)
    before = issue_row(session_factory, issue_with_blocks["issue"])
    response = client.post(
        "/redaktion/utskick/2027-1/texter",
        data={
            "csrf_token": token,
            "version": before.version,
            "title": "Sportlov",
            "subject": "Sportlov\r\nBcc: alla@example.org",
            "preheader": "Tips\u2028och råd",
            "intro_md": "Rad ett\r\n\r\nRad två\tmed tabb",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "ämnesrad: innehåller en radbrytning (U+000D" in response.text
    assert "förhandstext: innehåller ett osynligt styrtecken (U+2028" in response.text
    assert "ingress" not in response.text.split("notice-error", 1)[-1].split("</ul>")[0]
    after = issue_row(session_factory, issue_with_blocks["issue"])
    assert (after.subject, after.version) == (before.subject, before.version)


def test_the_block_form_refuses_control_characters_in_single_line_fields(
    app: Flask, session_factory: sessionmaker[Session], issue_with_blocks: dict[str, int]
) -> None:
    client = app.test_client()
    token = login(client, POLIS)
    response = client.post(
        "/redaktion/block/nytt",
        data={
            "csrf_token": token,
            "title": "Langning\x00",
            "body_md": "Rad ett\r\n\tRad två",
            "focus_area": "andts",
            "cta_url": "https://polisen.se/tips",
            "cta_label": "Läs\x85 polisens tips",
        },
    )
    assert response.status_code == 400
    assert "rubrik: innehåller ett NUL-tecken (U+0000" in response.text
    assert "knapptext: innehåller ett osynligt styrtecken (U+0085" in response.text
    assert "<li>text: innehåller" not in response.text


def test_an_issue_stored_with_a_control_character_still_shows_every_page(
    app: Flask,
    db_url: str,
    session_factory: sessionmaker[Session],
    issue_with_blocks: dict[str, int],
) -> None:
    char = _stored_control(db_url)
    with session_factory.begin() as session:
        session.execute(
            update(Issue)
            .where(Issue.id == issue_with_blocks["issue"])
            .values(subject=f"Sportlov{char}", title=f"Stöd{char} <b>efter</b> brott")
        )
    client = app.test_client()
    token = login(client, POLIS)
    page = client.get("/redaktion/utskick/2027-1")
    assert page.status_code == 200
    assert f"ämnesrad: innehåller ett {'NUL-tecken' if char == chr(0) else 'osynligt'}" in page.text
    assert "<b>efter</b>" not in page.text and "&lt;b&gt;efter&lt;/b&gt;" in page.text
    for url in ("/redaktion/", "/redaktion/utskick/"):
        assert client.get(url).status_code == 200, url
    for url in (
        "/redaktion/utskick/2027-1/forhandsgranska",
        "/redaktion/utskick/2027-1/forhandsgranska/meddelande",
    ):
        preview = client.get(url)
        assert preview.status_code == 422, url
        assert "Rätta detta först: rubrik: innehåller" in preview.text
        assert "ämnesrad: innehåller" in preview.text
    sent = client.post(
        "/redaktion/utskick/2027-1/testutskick", data={"csrf_token": token, "malgrupp": "alla"}
    )
    assert sent.status_code == 422 and "ämnesrad" in sent.text


def test_the_test_send_with_a_stored_line_break_in_a_name_answers_in_swedish(
    app: Flask,
    editor_settings: Settings,
    session_factory: sessionmaker[Session],
    issue_with_blocks: dict[str, int],
) -> None:
    with session_factory.begin() as session:
        session.execute(update(User).where(User.email == POLIS).values(name="Pelle\nBcc: x@y.se"))
    client = app.test_client()
    token = login(client, POLIS)
    sent = client.post(
        "/redaktion/utskick/2027-1/testutskick",
        data={"csrf_token": token, "malgrupp": "alla"},
        follow_redirects=True,
    )
    assert sent.status_code == 200
    assert "Testmeddelandet kunde inte byggas" in sent.text
    assert outbox_messages(editor_settings.outbox_dir) == []
