"""The workspace pages: safe concurrent saving, withdrawal emails, issues, the log, accounts."""

from __future__ import annotations

import csv
import io
import re

from editor_helpers import (
    ADMIN,
    KOMMUN,
    POLIS,
    POLIS2,
    block_row,
    csrf_of,
    issue_row,
    login,
    outbox_messages,
)
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.config import Settings
from tryggnews.db.models import Block, IssueStatus, Subscriber, SubscriberStatus


def _block_form(token: str, version: int, title: str, body: str) -> dict[str, object]:
    return {
        "csrf_token": token,
        "version": version,
        "title": title,
        "body_md": body,
        "focus_area": "andts",
        "audiences": ["parents-7-9", "parents-gymnasium"],
    }


def _approve(client: FlaskClient, token: str, organisation: str, version: int) -> None:
    response = client.post(
        "/redaktion/utskick/2027-1/godkann",
        data={"csrf_token": token, "version": version, "organisation": organisation},
    )
    assert response.status_code == 302, response.text


def test_the_second_of_two_saves_is_told_to_reload_and_overwrites_nothing(
    app: Flask, session_factory: sessionmaker[Session], issue_with_blocks: dict[str, int]
) -> None:
    block_id = issue_with_blocks["polis_block"]
    first, second = app.test_client(), app.test_client()
    first_token, second_token = login(first, POLIS), login(second, POLIS2)
    opened = block_row(session_factory, block_id).version
    saved = first.post(
        f"/redaktion/block/{block_id}",
        data=_block_form(first_token, opened, "Först sparad", "Den första texten."),
    )
    assert saved.status_code == 302
    late = second.post(
        f"/redaktion/block/{block_id}",
        data=_block_form(second_token, opened, "Sent sparad", "Den andra texten."),
    )
    assert late.status_code == 409 and "Någon annan har sparat blocket" in late.text
    block = block_row(session_factory, block_id)
    assert (block.title, block.body_md, block.version) == (
        "Först sparad",
        "Den första texten.\n",
        opened + 1,
    )
    assert block.audiences == ["parents-7-9", "parents-gymnasium"]


def test_an_edit_after_approval_emails_the_approvers_and_the_page_shows_it(
    app: Flask,
    editor_settings: Settings,
    session_factory: sessionmaker[Session],
    issue_with_blocks: dict[str, int],
) -> None:
    polis, kommun = app.test_client(), app.test_client()
    polis_token, kommun_token = login(polis, POLIS), login(kommun, KOMMUN)
    issue_id = issue_with_blocks["issue"]
    _approve(polis, polis_token, "polis", issue_row(session_factory, issue_id).version)
    _approve(kommun, kommun_token, "kommun", issue_row(session_factory, issue_id).version)
    assert issue_row(session_factory, issue_id).status is IssueStatus.APPROVED
    block_id = issue_with_blocks["polis_block"]
    edited = polis.post(
        f"/redaktion/block/{block_id}",
        data=_block_form(
            polis_token, block_row(session_factory, block_id).version, "Ny rubrik", "Ny text."
        ),
        follow_redirects=True,
    )
    assert "E-post skickades till " + KOMMUN in edited.text
    assert issue_row(session_factory, issue_id).status is IssueStatus.DRAFT
    [notice] = outbox_messages(editor_settings.outbox_dir)
    assert notice["To"] == KOMMUN
    assert notice["Subject"] == "Godkännandet av utskick 2027-1 har återkallats"
    body = notice.get_content()
    assert POLIS in body and "Ny rubrik" in body
    assert f"{editor_settings.base_url}/redaktion/utskick/2027-1" in body
    page = kommun.get("/redaktion/utskick/2027-1").text
    assert page.count("väntar på godkännande") == 2
    assert "återkallat" in page and "Godkänn version" in page


def test_an_issue_is_created_from_the_plan_and_filled_on_its_page(
    app: Flask, session_factory: sessionmaker[Session], issue_with_blocks: dict[str, int]
) -> None:
    client = app.test_client()
    token = login(client, KOMMUN)
    dashboard = client.get("/redaktion/").text
    assert "2027: 0 skickade, 5 planerade – minst 4" in dashboard
    assert "Börja på utskick 2027-2" in dashboard
    created = client.post("/redaktion/utskick/skapa", data={"csrf_token": token, "key": "2027-2"})
    assert created.headers["Location"] == "/redaktion/utskick/2027-2"
    page = client.get("/redaktion/utskick/2027-2").text
    assert "Inför valborg" in page and "utskicket har inga block" in page

    def post(path: str, **data: object) -> None:
        version = page_version(client.get("/redaktion/utskick/2027-2").text)
        response = client.post(
            f"/redaktion/utskick/2027-2/{path}",
            data={"csrf_token": token, "version": version, **data},
        )
        assert response.status_code == 302, response.text

    post("block", block_id=issue_with_blocks["polis_block"])
    post("block", block_id=issue_with_blocks["kommun_block"])
    post(f"block/{issue_with_blocks['kommun_block']}/flytta", riktning="upp")
    post(
        "texter",
        title="Inför valborg",
        subject="Valborg närmar sig",
        preheader="Tips",
        intro_md="Hej!",
    )
    post(f"block/{issue_with_blocks['polis_block']}/ta-bort")
    with session_factory() as session:
        from tryggnews.content.issues import get_issue, issue_blocks

        issue = get_issue(session, "2027-2")
        assert [b.id for b in issue_blocks(issue)] == [issue_with_blocks["kommun_block"]]
        assert (issue.subject, issue.preheader, issue.intro_md) == (
            "Valborg närmar sig",
            "Tips",
            "Hej!\n",
        )
        assert issue.version == 6
    stale = client.post(
        "/redaktion/utskick/2027-2/texter",
        data={"csrf_token": token, "version": 1, "title": "x", "subject": "y"},
    )
    assert stale.status_code == 409 and "har ändrats av någon annan" in stale.text


def page_version(html: str) -> int:
    start = html.index('name="version" value="') + len('name="version" value="')
    return int(html[start : html.index('"', start)])


def test_the_block_preview_works_without_javascript_and_saves_nothing(
    app: Flask, session_factory: sessionmaker[Session], issue_with_blocks: dict[str, int]
) -> None:
    client = app.test_client()
    token = login(client, POLIS)
    response = client.post(
        "/redaktion/block/nytt",
        data={
            "csrf_token": token,
            "action": "preview",
            "title": "Utkast",
            "body_md": "- ett\n- två\n\n[Polisens tips](https://polisen.se/tips)",
            "focus_area": "andts",
        },
    )
    assert response.status_code == 200
    assert "<li>ett</li>" in response.text and 'href="https://polisen.se/tips"' in response.text
    assert 'value="Utkast"' in response.text
    with session_factory() as session:
        from sqlalchemy import func, select

        from tryggnews.db.models import Block

        assert session.scalar(select(func.count()).select_from(Block)) == 2


def test_admins_filter_and_export_the_audit_log(
    app: Flask, issue_with_blocks: dict[str, int]
) -> None:
    editor = app.test_client()
    token = login(editor, POLIS)
    editor.post(
        "/redaktion/block/nytt",
        data={
            "csrf_token": token,
            "title": '=HYPERLINK("https://evil.example")',
            "body_md": "Text.",
            "focus_area": "andts",
        },
    )
    admin = app.test_client()
    login(admin, ADMIN)
    page = admin.get("/redaktion/logg/?handelse=block.create").text
    assert (
        "Skapade block" in page and POLIS in page and "Loggade in" not in page.split("<tbody>")[1]
    )
    with admin.get("/redaktion/logg/export.csv?handelse=block.create") as export:
        assert export.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert rows[0] == ["id", "at", "actor", "action", "object_type", "object_id", "details"]
    assert [r[3] for r in rows[1:]] == ["block.create"]
    assert rows[1][2] == POLIS
    assert '"title": "=HYPERLINK' in rows[1][6]  # JSON starts with "{", not a formula
    with admin.get(f"/redaktion/logg/export.csv?vem={ADMIN}") as export:
        everyone = export.get_data(as_text=True)
    assert "auth.login" in everyone and "block.create" not in everyone


def test_an_admin_adds_an_editor_who_sets_a_password_through_the_emailed_link(
    app: Flask, editor_settings: Settings, issue_with_blocks: dict[str, int]
) -> None:
    admin = app.test_client()
    token = login(admin, ADMIN)
    page = admin.post(
        "/redaktion/anvandare/",
        data={
            "csrf_token": token,
            "email": "Ny@Polisen.example.se",
            "name": "Nina Ny",
            "organisation": "polis",
            "role": "editor",
        },
    )
    assert page.status_code == 200 and "ny@polisen.example.se" in page.text
    [invite] = outbox_messages(editor_settings.outbox_dir)
    assert invite["To"] == "ny@polisen.example.se"
    link = next(
        line for line in invite.get_content().splitlines() if "/redaktion/losenord/" in line
    )
    path = link.strip().removeprefix(editor_settings.base_url)
    assert path in page.text
    newcomer = app.test_client()
    form = newcomer.get(path)
    assert form.status_code == 200 and "Välj lösenord" in form.text
    short = newcomer.post(
        path, data={"csrf_token": csrf_of(form.text), "password": "kort", "password_repeat": "kort"}
    )
    assert short.status_code == 400 and "minst 12 tecken" in short.text
    chosen = "mitt nya långa lösenord"
    done = newcomer.post(
        path,
        data={"csrf_token": csrf_of(form.text), "password": chosen, "password_repeat": chosen},
    )
    assert done.status_code == 302
    login(newcomer, "ny@polisen.example.se", chosen)
    assert newcomer.get(path).status_code == 400  # the link worked once
    duplicate = admin.post(
        "/redaktion/anvandare/",
        data={
            "csrf_token": token,
            "email": "ny@polisen.example.se",
            "organisation": "polis",
            "role": "editor",
        },
    )
    assert duplicate.status_code == 400 and "finns redan" in duplicate.text


def test_the_dashboard_counts_active_people_per_audience_and_flags_undeclared_keys(
    app: Flask, session_factory: sessionmaker[Session], people: dict[str, int]
) -> None:
    with session_factory.begin() as session:
        for n, (audiences, status) in enumerate(
            [
                (["senior", "batagare"], SubscriberStatus.ACTIVE),
                (["senior"], SubscriberStatus.ACTIVE),
                (["senior"], SubscriberStatus.UNSUBSCRIBED),  # not counted
                (["pensionar"], SubscriberStatus.ACTIVE),  # a key audiences.toml lacks
            ]
        ):
            session.add(
                Subscriber(
                    email=f"p{n}@example.org",
                    email_key=f"p{n}@example.org",
                    audiences=audiences,
                    status=status,
                    token_salt=f"salt{n}",
                )
            )
    client = app.test_client()
    login(client, KOMMUN)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/redaktion/").text))
    assert " Senior 2 " in text and " Båtägare 1 " in text and " Förening 0 " in text
    assert " ”pensionar” (finns inte längre i audiences.toml) 1 " in text
    assert " Totalt, aktiva prenumeranter 3 " in text


def test_a_block_aimed_at_a_retired_audience_says_so_on_its_form(
    app: Flask, session_factory: sessionmaker[Session], issue_with_blocks: dict[str, int]
) -> None:
    block_id = issue_with_blocks["kommun_block"]
    with session_factory.begin() as session:
        block = session.get(Block, block_id)
        assert block is not None
        block.audiences = ["senior", "pensionar"]  # "pensionar" is not in audiences.toml
    client = app.test_client()
    login(client, KOMMUN)
    page = client.get(f"/redaktion/block/{block_id}").text
    assert 'value="senior" checked' in page
    assert "Blocket riktas också till ”pensionar”, som inte längre finns" in page


def test_the_issue_list_counts_each_issues_blocks(
    app: Flask, issue_with_blocks: dict[str, int]
) -> None:
    client = app.test_client()
    token = login(client, KOMMUN)
    client.post("/redaktion/utskick/skapa", data={"csrf_token": token, "key": "2027-2"})
    listing = client.get("/redaktion/utskick/").text
    rows = re.findall(r'utskick/(2027-\d)">.*?</td>\s*<td>[^<]*</td>\s*<td>(\d+)</td>', listing)
    assert rows == [("2027-1", "2"), ("2027-2", "0")]
