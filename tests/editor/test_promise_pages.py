"""The promise in the workspace: follow-up per commitment (CSRF, audit, errors as pages),
the issue's switch for "Så går det med löftet", and approval refused without the police."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from editor_helpers import KOMMUN, POLIS, START, csrf_of, login
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.config import Settings
from tryggnews.db.models import (
    Approval,
    AuditEvent,
    Issue,
    IssueBlock,
    PromiseStatus,
    PromiseUpdate,
)

REPO_PROMISE = Path(__file__).resolve().parents[2] / "promise.toml"
KEY = "andts-hotspots"


@pytest.fixture
def editor_settings(settings: Settings, tmp_path: Path) -> Settings:
    # A copy of the shipped promise that a test may break.
    promise = tmp_path / "promise.toml"
    promise.write_text(REPO_PROMISE.read_text(encoding="utf-8"), encoding="utf-8")
    return dataclasses.replace(settings, media_dir=tmp_path / "media", promise=promise)


def test_anonymous_visitors_are_sent_to_the_login(app: Flask) -> None:
    response = app.test_client().get("/redaktion/loftet/")
    assert response.status_code == 302 and "/redaktion/logga-in" in response.location


def test_an_editor_sees_the_promise_and_records_a_status_and_a_note(
    app: Flask, people: dict[str, int], session_factory: sessionmaker[Session]
) -> None:
    client = app.test_client()
    login(client, POLIS)
    page = client.get("/redaktion/loftet/")
    assert page.status_code == 200
    assert 'aria-current="page">Löftet</a>' in page.text
    assert "Våldsprevention" in page.text and "Organiserad brottslighet" in page.text
    assert "Kommunstyrelsens ordförande" in page.text
    assert page.text.count(">planerat</span>") == 17

    form = client.get(f"/redaktion/loftet/{KEY}")
    assert form.status_code == 200 and 'name="csrf_token"' in form.text
    # No CSRF token: refused, nothing written.
    refused = client.post(
        f"/redaktion/loftet/{KEY}", data={"status": "pagar", "noted_on": "2027-01-10"}
    )
    assert refused.status_code == 400
    response = client.post(
        f"/redaktion/loftet/{KEY}",
        data={
            "csrf_token": csrf_of(form.text),
            "status": "pagar",
            "note": "Insats vid pendelparkeringen.",
            "noted_on": "2027-01-10",
        },
    )
    assert response.status_code == 302 and response.location.endswith(f"/redaktion/loftet/#{KEY}")
    page = client.get("/redaktion/loftet/")
    assert "Uppföljningen av" in page.text and ">pågår</span>" in page.text
    assert "Insats vid pendelparkeringen." in page.text and "Polisen" in page.text
    with session_factory() as session:
        row = session.scalars(select(PromiseUpdate)).one()
        assert (row.status, row.organisation_key, row.author) == (
            PromiseStatus.ONGOING,
            "polis",
            POLIS,
        )
        assert row.created_at == START
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "promise.update")
        ).one()
        assert (event.actor, event.object_type, event.object_id) == (POLIS, "commitment", KEY)
        assert event.details["status"] == "pagar" and event.details["previous"] == "planerat"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"status": "planerat", "note": "", "noted_on": "2027-01-10"}, "Ingenting ändrades"),
        ({"status": "klart", "note": "x", "noted_on": "2027-01-10"}, "status: välj en status"),
        ({"status": "pagar", "note": "x", "noted_on": "i går"}, "datum: skriv datumet som"),
        ({"status": "pagar", "note": "x", "noted_on": "2027-02-01"}, "kan inte ligga i framtiden"),
    ],
)
def test_bad_follow_up_is_shown_on_the_form_and_nothing_is_written(
    app: Flask,
    people: dict[str, int],
    session_factory: sessionmaker[Session],
    data: dict[str, str],
    problem: str,
) -> None:
    client = app.test_client()
    token = login(client, KOMMUN)
    response = client.post(f"/redaktion/loftet/{KEY}", data={**data, "csrf_token": token})
    assert response.status_code == 400
    assert problem in response.text and 'role="alert"' in response.text
    with session_factory() as session:
        assert session.scalars(select(PromiseUpdate)).all() == []


def test_an_unknown_commitment_is_a_404_page(app: Flask, people: dict[str, int]) -> None:
    client = app.test_client()
    login(client, KOMMUN)
    response = client.get("/redaktion/loftet/finns-inte")
    assert response.status_code == 404 and "Det finns inget åtagande finns-inte" in response.text


def test_a_broken_promise_file_is_shown_to_the_editor_not_a_server_error(
    app: Flask, people: dict[str, int], editor_settings: Settings
) -> None:
    text = editor_settings.promise.read_text(encoding="utf-8")
    editor_settings.promise.write_text(
        text.replace('key = "vald"', 'key = "vlad"'), encoding="utf-8"
    )
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t == 'key = "vald"')
    client = app.test_client()
    token = login(client, KOMMUN)
    for response in (
        client.get("/redaktion/loftet/"),
        client.get(f"/redaktion/loftet/{KEY}"),
        client.post(f"/redaktion/loftet/{KEY}", data={"csrf_token": token, "status": "pagar"}),
    ):
        assert response.status_code == 200
        assert "Löftet kan inte visas" in response.text
        assert f"{editor_settings.promise}:{line}: focus area &#34;vlad&#34;" in response.text
    editor_settings.promise.unlink()
    response = client.get("/redaktion/loftet/")
    assert response.status_code == 200 and "finns inte" in response.text


def test_the_issue_switch_adds_the_block_as_a_new_version_and_withdraws_approvals(
    app: Flask,
    people: dict[str, int],
    issue_with_blocks: dict[str, int],
    session_factory: sessionmaker[Session],
) -> None:
    client = app.test_client()
    token = login(client, KOMMUN)
    page = client.get("/redaktion/utskick/2027-1")
    assert "Lägg till blocket om löftet" in page.text
    with session_factory() as session:
        version = str(session.scalars(select(Issue.version)).one())
    approved = client.post(
        "/redaktion/utskick/2027-1/godkann",
        data={"csrf_token": token, "version": version, "organisation": "kommun"},
        follow_redirects=True,
    )
    assert f"Du har godkänt version {version}" in approved.text
    with session_factory() as session:
        assert session.scalars(select(Approval)).one().withdrawn_at is None
    response = client.post(
        "/redaktion/utskick/2027-1/loftet",
        data={"csrf_token": token, "version": version, "on": "1"},
    )
    assert response.status_code == 302
    page = client.get("/redaktion/utskick/2027-1")
    assert "är tillagt" in page.text and "Ta bort blocket om löftet" in page.text
    with session_factory() as session:
        issue = session.scalars(select(Issue)).one()
        assert issue.promise_block and issue.version == int(version) + 1
        assert session.scalars(select(Approval)).one().withdrawn_at is not None
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert "issue.promise_block" in actions
    # The preview shows the block, from the follow-up.
    preview = client.get("/redaktion/utskick/2027-1/forhandsgranska/meddelande")
    assert "Så går det med löftet" in preview.text
    assert "Löftets 17 åtaganden just nu: 17 planerade." in preview.text
    # A stale version is a conflict, not a silent switch.
    stale = client.post(
        "/redaktion/utskick/2027-1/loftet",
        data={"csrf_token": token, "version": version, "on": "0"},
    )
    assert stale.status_code == 409


def test_an_issue_without_a_police_block_cannot_be_approved_in_the_workspace(
    app: Flask,
    people: dict[str, int],
    issue_with_blocks: dict[str, int],
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        session.execute(
            IssueBlock.__table__.delete().where(
                IssueBlock.block_id == issue_with_blocks["polis_block"]
            )
        )
    client = app.test_client()
    token = login(client, KOMMUN)
    page = client.get("/redaktion/utskick/2027-1")
    assert (
        "Numret saknar ett block från Polisen. Be polisens redaktör skriva ett block" in page.text
    )
    response = client.post(
        "/redaktion/utskick/2027-1/godkann",
        data={"csrf_token": token, "version": "1", "organisation": "kommun"},
        follow_redirects=True,
    )
    assert "Åtgärda problemen" in response.text
    with session_factory() as session:
        assert session.scalars(select(Approval)).all() == []
