"""The subscriber workspace through the Flask client, on SQLite and PostgreSQL: editors see
counts only; administrators search (prefix, any case, keyset pages), read a person's page and
pause, unsubscribe, resend the confirmation, export and erase — each audited, each needing
the CSRF token; lifting a suppression needs a reason and is audited."""

from __future__ import annotations

import json

import pytest
from editor_helpers import ADMIN, POLIS, login, outbox_messages
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from subscriber_workspace_helpers import TEST_SECRET, add_person, sent_to

from tryggnews.config import Settings
from tryggnews.db.models import (
    AuditEvent,
    DeliveryStatus,
    Subscriber,
    SubscriberStatus,
    Suppression,
)
from tryggnews.subscribers.suppression import address_hash, suppress
from tryggnews.web.public.state import public_state

BASE = "/redaktion/prenumeranter"


@pytest.fixture
def anna(session_factory: sessionmaker[Session], people: dict[str, int]) -> int:
    with session_factory.begin() as session:
        subscriber = add_person(session, "Anna.Berg@example.org", "Åsa Berg")
        add_person(session, "bo@example.org", "Bo Ek", audiences=("senior",), language="en")
        add_person(session, "vantar@example.org", confirmed=False)
        sent_to(session, subscriber, status=DeliveryStatus.SENT)
        return subscriber.id


def audit_actions(session_factory: sessionmaker[Session]) -> list[str]:
    with session_factory() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def subscriber(session_factory: sessionmaker[Session], email_key: str) -> Subscriber | None:
    with session_factory() as session:
        return session.scalar(select(Subscriber).where(Subscriber.email_key == email_key))


def test_an_editor_sees_counts_and_no_person(app: Flask, anna: int) -> None:
    client = app.test_client()
    token = login(client, POLIS)
    page = client.get(f"{BASE}/?q=anna")
    assert page.status_code == 200
    assert "Alla som finns i listan" in page.text and "Väntar på bekräftelse" in page.text
    assert "anna.berg@example.org" not in page.text.lower() and 'name="q"' not in page.text
    assert client.get(f"{BASE}/{anna}").status_code == 403
    assert client.get(f"{BASE}/{anna}/radera").status_code == 403
    for path in (f"{BASE}/{anna}/avregistrera", f"{BASE}/{anna}/export", "/redaktion/sparrar/hav"):
        assert client.post(path, data={"csrf_token": token}).status_code == 403
    assert client.get(f"{BASE}/import/").status_code == 403
    assert client.get("/redaktion/sparrar/").status_code == 403


def test_counts_per_status_audience_and_language(app: Flask, anna: int) -> None:
    client = app.test_client()
    login(client, POLIS)
    text = client.get(f"{BASE}/").text
    # Two active (Anna, Bo), one pending; languages and audiences in words.
    assert '<td>Aktiv</td><td class="number">2</td>' in text
    assert '<td>Väntar på bekräftelse</td><td class="number">1</td>' in text
    assert '<td>Engelska</td><td class="number">1</td>' in text or "English" in text


def test_search_is_a_case_insensitive_prefix_on_address_or_name(app: Flask, anna: int) -> None:
    client = app.test_client()
    login(client, ADMIN)
    found = client.get(f"{BASE}/?q=ANNA.b").text
    assert "Anna.Berg@example.org" in found and "bo@example.org" not in found
    assert "Anna.Berg@example.org" not in client.get(f"{BASE}/?q=berg").text  # prefix only
    by_name = client.get(f"{BASE}/?q=åSA&i=namn").text
    assert "Anna.Berg@example.org" in by_name and "Bo Ek" not in by_name
    assert "Ingen adress eller inget namn börjar så" in client.get(f"{BASE}/?q=zz").text


def test_search_pages_follow_the_keyset(
    app: Flask, session_factory: sessionmaker[Session], people: dict[str, int]
) -> None:
    with session_factory.begin() as session:
        for number in range(55):
            add_person(session, f"p{number:02d}@example.org", f"Per {number:02d}")
    client = app.test_client()
    login(client, ADMIN)
    first = client.get(f"{BASE}/?q=p").text
    assert first.count("@example.org</a>") == 50 and "p49@example.org" in first
    assert "efter=p49@example.org" in first
    second = client.get(f"{BASE}/?q=p&i=adress&efter=p49@example.org").text
    assert second.count("@example.org</a>") == 5 and "p50@example.org" in second
    assert "Fler träffar" not in second
    names = client.get(f"{BASE}/?q=per&i=namn").text
    assert "Fler träffar" in names


def test_the_person_page_shows_choices_history_and_deliveries(app: Flask, anna: int) -> None:
    client = app.test_client()
    login(client, ADMIN)
    page = client.get(f"{BASE}/{anna}").text
    assert "Anna.Berg@example.org" in page and "Åsa Berg" in page
    assert "Aktiv" in page and "Svenska" in page and "Samtycke" in page
    assert "Anmälde sig" in page and "Bekräftade" in page and "version " in page
    assert "2026-4 – Vinterns nummer" in page and "Skickat" in page
    assert "Adressen står inte på spärrlistan" in page


def test_actions_need_the_csrf_token(
    app: Flask, anna: int, session_factory: sessionmaker[Session]
) -> None:
    client = app.test_client()
    login(client, ADMIN)
    assert client.post(f"{BASE}/{anna}/avregistrera").status_code == 400
    found = subscriber(session_factory, "anna.berg@example.org")
    assert found is not None and found.status is SubscriberStatus.ACTIVE


def test_pause_resume_unsubscribe_are_done_and_audited(
    app: Flask, anna: int, session_factory: sessionmaker[Session]
) -> None:
    client = app.test_client()
    token = login(client, ADMIN)
    client.post(f"{BASE}/{anna}/pausa", data={"csrf_token": token, "till": "2027-03-31"})
    found = subscriber(session_factory, "anna.berg@example.org")
    assert found is not None and found.paused_until is not None
    # Midnight starting 1 April in Stockholm, summer time (UTC+2) by then.
    assert found.paused_until.isoformat() == "2027-03-31T22:00:00+00:00"
    assert "Avsluta pausen" in client.get(f"{BASE}/{anna}").text
    client.post(f"{BASE}/{anna}/ateruppta", data={"csrf_token": token})
    client.post(f"{BASE}/{anna}/avregistrera", data={"csrf_token": token})
    found = subscriber(session_factory, "anna.berg@example.org")
    assert found is not None and found.status is SubscriberStatus.UNSUBSCRIBED
    assert audit_actions(session_factory)[-3:] == [
        "subscriber.pause",
        "subscriber.resume",
        "subscriber.unsubscribe",
    ]
    page = client.get(f"{BASE}/{anna}").text
    assert "Avregistrerades" in page and "administratör" in page


def test_a_pause_in_the_past_is_refused_in_swedish(app: Flask, anna: int) -> None:
    client = app.test_client()
    token = login(client, ADMIN)
    page = client.post(
        f"{BASE}/{anna}/pausa",
        data={"csrf_token": token, "till": "2020-01-01"},
        follow_redirects=True,
    )
    assert "pausen måste sluta efter i dag" in page.text


def test_the_confirmation_is_sent_again_to_a_pending_person(
    app: Flask, anna: int, session_factory: sessionmaker[Session], editor_settings: Settings
) -> None:
    pending = subscriber(session_factory, "vantar@example.org")
    assert pending is not None
    client = app.test_client()
    token = login(client, ADMIN)
    page = client.post(
        f"{BASE}/{pending.id}/bekraftelse", data={"csrf_token": token}, follow_redirects=True
    )
    assert "En ny bekräftelselänk skickas till vantar@example.org" in page.text
    with app.app_context():
        public_state().mailer.wait()
    sent = outbox_messages(editor_settings.outbox_dir)
    assert [m["To"] for m in sent] == ["vantar@example.org"]
    assert "/bekrafta/" in sent[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # An active person has nothing to confirm.
    again = client.post(
        f"{BASE}/{anna}/bekraftelse", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Bara en anmälan som väntar" in again.text
    assert audit_actions(session_factory)[-1] == "subscriber.confirmation_resent"


def test_the_export_is_the_persons_gdpr_json(
    app: Flask, anna: int, session_factory: sessionmaker[Session]
) -> None:
    client = app.test_client()
    token = login(client, ADMIN)
    response = client.post(f"{BASE}/{anna}/export", data={"csrf_token": token})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.data)
    assert data["subscriber"]["email"] == "Anna.Berg@example.org"
    assert [e["kind"] for e in data["consent_events"]] == ["subscribed", "confirmed"]
    assert data["deliveries"][0]["issue"] == "2026-4"
    assert audit_actions(session_factory)[-1] == "subscriber.export"


def test_erasure_asks_first_then_erases_and_suppresses(
    app: Flask, anna: int, session_factory: sessionmaker[Session]
) -> None:
    client = app.test_client()
    token = login(client, ADMIN)
    confirm_page = client.get(f"{BASE}/{anna}/radera").text
    assert "Det går inte att ångra" in confirm_page
    client.post(f"{BASE}/{anna}/radera", data={"csrf_token": token})  # box not ticked
    assert subscriber(session_factory, "anna.berg@example.org") is not None
    page = client.post(
        f"{BASE}/{anna}/radera", data={"csrf_token": token, "bekrafta": "ja"}, follow_redirects=True
    )
    assert "är raderad och står på spärrlistan" in page.text
    assert subscriber(session_factory, "anna.berg@example.org") is None
    with session_factory() as session:
        assert session.get(Suppression, address_hash(TEST_SECRET, "anna.berg@example.org"))
        entry = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert entry is not None and entry.action == "subscriber.erase"
    assert "anna" not in json.dumps(entry.details).lower()  # the log names no address
    assert client.get(f"{BASE}/{anna}").status_code == 404


def test_lifting_a_suppression_needs_a_reason_and_is_audited(
    app: Flask, anna: int, session_factory: sessionmaker[Session]
) -> None:
    email_hash = address_hash(TEST_SECRET, "bo@example.org")
    with session_factory.begin() as session:
        suppress(
            session,
            email_hash=email_hash,
            reason="hard-bounce",
            now=session.get(Subscriber, anna).created_at,
        )  # type: ignore[union-attr]
    client = app.test_client()
    token = login(client, ADMIN)
    page = client.get("/redaktion/sparrar/").text
    assert "Adressen finns inte (hård studs)" in page
    refused = client.post(
        "/redaktion/sparrar/hav",
        data={"csrf_token": token, "email": "bo@example.org", "reason": ""},
    )
    assert refused.status_code == 400 and "Skriv varför spärren hävs" in refused.text
    unknown = client.post(
        "/redaktion/sparrar/hav",
        data={"csrf_token": token, "email": "ny@example.org", "reason": "fel"},
    )
    assert unknown.status_code == 400 and "står inte på spärrlistan" in unknown.text
    done = client.post(
        "/redaktion/sparrar/hav",
        data={"csrf_token": token, "email": "BO@example.org", "reason": "Ny brevlåda hos Bo"},
        follow_redirects=True,
    )
    assert "Spärren för BO@example.org är hävd" in done.text
    with session_factory() as session:
        assert session.get(Suppression, email_hash) is None
        entry = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert entry is not None and entry.action == "suppression.lift"
    assert entry.details["reason"] == "Ny brevlåda hos Bo"
    assert entry.details["suppressed_for"] == "hard-bounce"


def test_recent_bounces_are_listed_with_their_reason(
    app: Flask, anna: int, session_factory: sessionmaker[Session]
) -> None:
    from tryggnews.delivery.bounces import suppress_bounced

    with session_factory.begin() as session:
        suppress_bounced(
            session,
            [(anna, "550 5.1.1 <anna.berg@example.org>: user unknown")],
            secret_key=TEST_SECRET,
            now=session.get(Subscriber, anna).created_at,  # type: ignore[union-attr]
            issue_key="2026-4",
            transport="smtp",
        )
    client = app.test_client()
    login(client, ADMIN)
    page = client.get("/redaktion/sparrar/").text
    assert "550 5.1.1" in page and "Studsade" in page and f"{BASE}/{anna}" in page
    person = client.get(f"{BASE}/{anna}").text
    assert "Adressen studsar" in person and "Häv spärren" in person and "550 5.1.1" in person


def test_the_list_download_is_formula_safe_with_an_optional_bom(
    app: Flask, anna: int, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        add_person(session, "eva@example.org", "@SUM(A1:A2)")
    client = app.test_client()
    token = login(client, ADMIN)
    plain = client.post(f"{BASE}/export.csv", data={"csrf_token": token})
    assert plain.status_code == 200 and plain.data.startswith(b"email;name;")
    assert "eva@example.org;'@SUM(A1:A2);" in plain.text
    excel = client.post(f"{BASE}/export.csv", data={"csrf_token": token, "excel": "1"})
    assert excel.data.startswith(b"\xef\xbb\xbfemail;name;")
    assert audit_actions(session_factory)[-1] == "subscriber.export_list"
