"""The preference centre behind the signed manage link: change choices, pause, resume,
leave and come back; on a page of its own, see what is stored; download it, erase; a bad
link changes nothing and shows nothing.

The real app on a SQLite file and PostgreSQL.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from public_site import Site, confirmed, h1, site_fixture, text_of  # noqa: F401

from tryggnews.db.models import ConsentEventKind, SubscriberStatus
from tryggnews.subscribers.lifecycle import find_subscriber, new_token_salt
from tryggnews.subscribers.suppression import address_hash, is_suppressed


def test_the_page_shows_the_choices_and_links_to_what_is_stored(site: Site) -> None:
    tokens = confirmed(site, "anna@example.org", ["parents-7-9", "senior"])
    path = f"/p/{tokens['manage']}"
    page = site.get(path)
    assert page.status_code == 200 and h1(page) == "Dina inställningar"
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Robots-Tag"] == "noindex"
    text = text_of(page)
    assert "Prenumeration för anna@example.org : aktiv." in text
    # The stored data is a page of its own: this one reads and shows no history.
    assert "Rättslig grund" not in text and "Bekräftelse via länk i e-post" not in text
    html = page.get_data(as_text=True)
    assert 'id="audiences-parents-7-9" name="audiences" value="parents-7-9" checked' in html
    assert 'id="audiences-senior" name="audiences" value="senior" checked' in html
    assert 'id="audiences-foretag" name="audiences" value="foretag">' in html
    for href, label in (
        (f"{path}/mina-uppgifter", "Se allt vi har sparat om dig"),
        (f"{path}/mina-uppgifter.json", "Ladda ner allt vi har sparat om dig (JSON-fil)"),
        (f"{path}/radera", "Radera mina uppgifter"),
    ):
        assert re.search(f'<a href="{re.escape(href)}"[^>]*>{re.escape(label)}</a>', html), href


def test_the_stored_data_page_shows_exactly_what_is_stored(site: Site) -> None:
    tokens = confirmed(site, "anna@example.org", ["parents-7-9", "senior"])
    path = f"/p/{tokens['manage']}"
    page = site.get(f"{path}/mina-uppgifter")
    assert page.status_code == 200 and h1(page) == "Det här har vi sparat om dig"
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Robots-Tag"] == "noindex"
    text = text_of(page)
    for expected in (
        "E-postadress anna@example.org",
        "Status Aktiv",
        "Grupper Föräldrar – årskurs 7–9, Senior",
        "Ämnen Alla ämnen",
        "Rättslig grund samtycke",
        "Bekräftad 1 mars 2027 kl. 10.00",
        "Anmälan via webbformuläret",
        "Bekräftelse via länk i e-post",
        "Nyhetsbrev till dig Inga ännu.",
    ):
        assert expected in text, expected
    html = page.get_data(as_text=True)
    assert f'<a href="{path}">Tillbaka till dina inställningar</a>' in html
    assert f'<a href="{path}/mina-uppgifter.json" download>' in html
    assert f'<a href="{path}/radera">Radera mina uppgifter</a>' in html


def test_changing_choices_is_saved_with_an_event(site: Site) -> None:
    tokens = confirmed(site, "anna@example.org")
    path = f"/p/{tokens['manage']}"
    response = site.submit(
        path, audiences=["parents-4-6"], topics=["vald", "evenemang"], language="en"
    )
    assert response.status_code == 303 and response.location == path
    # The page follows the language just chosen (web/i18n.py), its message too.
    assert "Your choices are saved." in site.get(path).get_data(as_text=True)
    subscriber = site.subscriber("anna@example.org")
    assert subscriber is not None
    assert (subscriber.audiences, subscriber.topics, subscriber.language) == (
        ["parents-4-6"],
        ["vald", "evenemang"],
        "en",
    )
    event = site.events()[-1]
    assert (event.kind, event.channel) == (ConsentEventKind.PREFERENCES_CHANGED, "link")
    assert event.details["audiences"] == {"from": ["parents-7-9"], "to": ["parents-4-6"]}


def test_invalid_choices_are_field_errors_and_change_nothing(site: Site) -> None:
    tokens = confirmed(site, "anna@example.org")
    path = f"/p/{tokens['manage']}"
    response = site.submit(path, audiences=[], topics=["andts"], language="sv")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "Välj minst en grupp" in html
    tampered = site.submit(path, audiences=["senior"], topics=["<script>"], language="sv")
    assert tampered.status_code == 422 and "<script>" not in tampered.get_data(as_text=True)
    subscriber = site.subscriber("anna@example.org")
    assert subscriber is not None
    assert (subscriber.audiences, subscriber.topics) == (["parents-7-9"], [])
    assert [e.kind for e in site.events()][-1] is ConsentEventKind.CONFIRMED


def test_a_pause_runs_through_the_chosen_day_and_can_be_ended(site: Site) -> None:
    tokens = confirmed(site, "anna@example.org")
    path = f"/p/{tokens['manage']}"
    response = site.submit(path, f"{path}/pausa", until="2027-08-15")
    assert response.status_code == 303
    page = text_of(site.get(path))
    assert "Utskicken är pausade till och med 15 augusti 2027." in page
    assert "pausad till och med 15 augusti 2027" in page
    subscriber = site.subscriber("anna@example.org")
    assert subscriber is not None and subscriber.status is SubscriberStatus.ACTIVE
    # Through 15 August in Stockholm: sending resumes at midnight, 22:00 UTC in summer.
    assert subscriber.paused_until == datetime(2027, 8, 15, 22, 0, tzinfo=UTC)
    assert site.events()[-1].kind is ConsentEventKind.PAUSED
    assert site.submit(path, f"{path}/fortsatt").status_code == 303
    subscriber = site.subscriber("anna@example.org")
    assert subscriber is not None and subscriber.paused_until is None
    assert site.events()[-1].kind is ConsentEventKind.RESUMED


BAD_DATES = {
    "": "Välj ett datum.",
    "15/8/2027": "Skriv datumet som år-månad-dag",
    "2027-02-28": "Välj ett datum från och med i dag.",
    "2028-12-31": "Du kan pausa i högst ett år.",
    "<script>": "Skriv datumet som år-månad-dag",
}


def test_a_bad_pause_date_is_a_field_error(site: Site) -> None:
    tokens = confirmed(site, "anna@example.org")
    path = f"/p/{tokens['manage']}"
    for until, message in BAD_DATES.items():
        response = site.submit(path, f"{path}/pausa", until=until)
        assert response.status_code == 422, until
        html = response.get_data(as_text=True)
        assert message in html and '<a href="#until">' in html, until
        assert 'id="until-error"' in html and 'aria-invalid="true"' in html, until
        assert "<script>" not in html
    subscriber = site.subscriber("anna@example.org")
    assert subscriber is not None and subscriber.paused_until is None


def test_leaving_and_coming_back_from_the_page(site: Site) -> None:
    tokens = confirmed(site, "anna@example.org")
    path = f"/p/{tokens['manage']}"
    assert site.submit(path, f"{path}/avsluta").status_code == 303
    subscriber = site.subscriber("anna@example.org")
    assert subscriber is not None and subscriber.status is SubscriberStatus.UNSUBSCRIBED
    page = site.get(path)
    assert "Prenumerera igen" in page.get_data(as_text=True)
    assert site.submit(path, f"{path}/prenumerera-igen").status_code == 303
    subscriber = site.subscriber("anna@example.org")
    assert subscriber is not None and subscriber.status is SubscriberStatus.ACTIVE
    kinds = [event.kind.value for event in site.events()]
    assert kinds[-2:] == ["unsubscribed", "subscribed"]
    assert site.events()[-1].text_sha256 is not None


def test_the_download_is_the_stored_data_as_json(site: Site) -> None:
    tokens = confirmed(site, "anna@example.org")
    response = site.get(f"/p/{tokens['manage']}/mina-uppgifter.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["subscriber"]["email"] == "anna@example.org"
    assert [event["kind"] for event in data["consent_events"]] == ["subscribed", "confirmed"]
    assert "token_salt" not in json.dumps(data["subscriber"])


def test_erasure_asks_first_then_leaves_only_the_hash(site: Site) -> None:
    tokens = confirmed(site, "anna@example.org")
    path = f"/p/{tokens['manage']}/radera"
    page = site.get(path)
    assert h1(page) == "Radera dina uppgifter"
    assert site.subscriber("anna@example.org") is not None  # looking is not erasing
    done = site.submit(path)
    assert done.status_code == 200 and h1(done) == "Dina uppgifter är raderade"
    assert site.subscriber("anna@example.org") is None
    with site.sessions() as session:
        secret = site.settings.require_secret_key()
        assert is_suppressed(session, address_hash(secret, "anna@example.org"))
    assert {event.subscriber_id for event in site.events()} == {None}
    assert site.events()[-1].kind is ConsentEventKind.ERASED
    # Every link the person had now leads to the friendly 400 page.
    for link in (f"/p/{tokens['manage']}", f"/u/{tokens['unsubscribe']}"):
        gone = site.get(link)
        assert gone.status_code == 400 and h1(gone) == "Länken fungerar inte"
    # Signing up again with the address stores nothing and sends nothing.
    before = len(site.mails())
    assert site.sign_up("anna@example.org").status_code == 303
    assert site.subscriber("anna@example.org") is None and len(site.mails()) == before


def test_a_bad_manage_link_is_a_400_and_changes_nothing(site: Site) -> None:
    tokens = confirmed(site, "anna@example.org")
    good = tokens["manage"]
    bad_links = {
        "tampered": good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        "unsubscribe token": tokens["unsubscribe"],
        "confirm token": tokens["confirm"],
        "garbage": "not-a-token",
        "too long": "A" * 2000,
    }
    for name, token in bad_links.items():
        for page in (site.get(f"/p/{token}"), site.get(f"/p/{token}/mina-uppgifter")):
            assert page.status_code == 400, name
            assert h1(page) == "Länken fungerar inte", name
            assert "anna@example.org" not in page.get_data(as_text=True), name
        posted = site.post(f"/p/{token}", {"audiences": "senior"})
        assert posted.status_code == 400, name
        erased = site.post(f"/p/{token}/radera")
        assert erased.status_code == 400, name
    subscriber = site.subscriber("anna@example.org")
    assert subscriber is not None and subscriber.audiences == ["parents-7-9"]


def test_a_rotated_salt_revokes_the_old_links(site: Site) -> None:
    tokens = confirmed(site, "anna@example.org")
    with site.sessions.begin() as session:
        subscriber = find_subscriber(session, "anna@example.org")
        assert subscriber is not None
        subscriber.token_salt = new_token_salt()
    assert site.get(f"/p/{tokens['manage']}").status_code == 400
    assert site.get(f"/p/{tokens['manage']}/mina-uppgifter").status_code == 400
    fresh = site.tokens("anna@example.org")
    assert site.get(f"/p/{fresh['manage']}").status_code == 200
    assert site.get(f"/p/{fresh['manage']}/mina-uppgifter").status_code == 200


def test_the_page_is_available_while_paused_until_a_time(site: Site) -> None:
    tokens = confirmed(site, "anna@example.org")
    path = f"/p/{tokens['manage']}"
    site.submit(path, f"{path}/pausa", until="2027-03-05")
    site.clock.advance(timedelta(days=5))
    text = text_of(site.get(path))
    assert "Prenumeration för anna@example.org : aktiv." in text  # the pause has run out
