"""Sign-up and "email me my link": double opt-in, the same answer whatever the address,
field errors that store nothing, rate limits, and a confirm link that confirms once.

The real app on a SQLite file and PostgreSQL, mail into a real Maildir outbox.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from public_site import Site, confirmed, h1, site_fixture, text_of  # noqa: F401

from tryggnews.db.models import ConsentEventKind, SubscriberStatus
from tryggnews.subscribers.suppression import address_hash, suppress
from tryggnews.subscribers.texts import current_text
from tryggnews.web.public.limits import PublicLimits


def test_the_front_page_leads_to_the_sign_up_form(site: Site) -> None:
    response = site.get("/")
    assert response.status_code == 302 and response.location == "/prenumerera"
    page = site.get("/prenumerera")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="sv" dir="ltr">' in html
    assert '<label for="email">E-postadress</label>' in html
    assert "<legend>Vem är du? Välj en eller flera grupper</legend>" in html
    assert '<span lang="ar" dir="rtl">العربية</span>' in html
    text = current_text(site.settings.legal_basis)
    for paragraph in text.paragraphs:
        assert paragraph in html
    assert 'href="/tillganglighet"' in html
    assert page.headers["Cache-Control"] == "no-store"


def test_a_new_address_gets_a_confirmation_and_waits_as_pending(site: Site) -> None:
    response = site.sign_up("Anna@Example.org", ["parents-7-9", "senior"], topics=["andts"])
    assert response.status_code == 303 and response.location == "/prenumerera/skickat"
    subscriber = site.subscriber("anna@example.org")
    assert subscriber is not None and subscriber.status is SubscriberStatus.PENDING
    assert (subscriber.audiences, subscriber.topics) == (["parents-7-9", "senior"], ["andts"])
    [mail] = site.mails()
    assert mail["To"] == "Anna@example.org"
    assert mail["Subject"] == "Bekräfta din prenumeration på Trygg i Österåker"
    [link] = site.links(mail)
    assert link.startswith(site.settings.base_url + "/bekrafta/")
    [event] = site.events()
    text = current_text("consent")
    assert event.kind is ConsentEventKind.SUBSCRIBED
    assert (event.channel, event.legal_basis) == ("form", "consent")
    assert (event.text_version, event.text_sha256) == (text.version, text.sha256)
    assert event.created_at == site.clock.now()


def test_the_answer_is_the_same_whether_or_not_the_address_is_known(site: Site) -> None:
    confirmed(site, "known@example.org")
    with site.sessions.begin() as session:
        secret = site.settings.require_secret_key()
        hidden = address_hash(secret, "gone@example.org")
        suppress(session, email_hash=hidden, reason="erased", now=site.clock.now())
    before = len(site.mails())
    answers = []
    for address in ("new@example.org", "known@example.org", "gone@example.org"):
        response = site.sign_up(address)
        followed = site.get(response.location)
        answers.append((response.status_code, response.location, followed.get_data()))
    assert answers[0] == answers[1] == answers[2]
    sent = site.mails()[before:]
    assert [(m["To"], m["Subject"]) for m in sent] == [
        ("new@example.org", "Bekräfta din prenumeration på Trygg i Österåker"),
        ("known@example.org", "Din länk till Trygg i Österåker"),
    ]
    assert site.subscriber("gone@example.org") is None
    # The active person's choices were not changed by a stranger's sign-up.
    known = site.subscriber("known@example.org")
    assert known is not None and known.audiences == ["parents-7-9"]
    manage, unsubscribe = site.links(sent[1])
    assert "/p/" in manage and "/u/" in unsubscribe


def test_an_over_long_address_is_a_field_error_and_nothing_is_stored(site: Site) -> None:
    long_address = "a" * 300 + "@example.org"
    response = site.sign_up(long_address)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Fel: " in html
    assert re.search(r'<div class="error-summary" role="alert"', html)
    assert '<a href="#email">E-postadressen är för lång.' in html
    assert 'id="email-error"><span class="visually-hidden">Fel: </span>E-postadressen' in html
    assert re.search(
        r'<input type="email" id="email"[^>]*aria-describedby="email-hint email-error"', html
    )
    assert re.search(r'<input type="email" id="email"[^>]*aria-invalid="true"', html)
    assert long_address not in html  # not echoed back
    assert site.subscriber(long_address) is None
    assert site.events() == [] and site.mails() == []


def test_script_in_a_field_is_a_field_error_shown_as_text(site: Site) -> None:
    script = '<script>alert("x")</script>@example.org'
    response = site.sign_up(script, audiences=["senior", "<img src=x onerror=alert(1)>"])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html  # the typed value comes back escaped
    assert "Skriv en giltig e-postadress" in html
    assert "Ett av valen finns inte i listan" in html
    assert site.events() == [] and site.mails() == []


def test_a_group_must_be_chosen(site: Site) -> None:
    response = site.sign_up("anna@example.org", audiences=[])
    assert response.status_code == 422
    assert '<a href="#audiences-parents-forskola">Välj minst en grupp' in response.get_data(
        as_text=True
    )
    assert site.subscriber("anna@example.org") is None


def test_a_form_without_its_csrf_token_is_refused(site: Site) -> None:
    response = site.post("/prenumerera", {"email": "anna@example.org", "audiences": "senior"})
    assert response.status_code == 400
    assert site.subscriber("anna@example.org") is None


def test_the_confirm_link_shows_a_button_and_confirms_only_when_pressed(site: Site) -> None:
    site.sign_up("anna@example.org")
    [mail] = site.mails()
    path = site.path_of(site.links(mail)[0])
    page = site.get(path)
    assert page.status_code == 200 and h1(page) == "Bekräfta din prenumeration"
    assert page.headers["X-Robots-Tag"] == "noindex"
    subscriber = site.subscriber("anna@example.org")
    assert subscriber is not None and subscriber.status is SubscriberStatus.PENDING
    site.clock.advance(timedelta(minutes=5))
    done = site.submit(path)
    assert done.status_code == 200 and h1(done) == "Tack, din prenumeration är bekräftad"
    subscriber = site.subscriber("anna@example.org")
    assert subscriber is not None and subscriber.status is SubscriberStatus.ACTIVE
    assert subscriber.confirmed_at == site.clock.now()
    # A replayed link, opened or pressed again: already confirmed, nothing changes.
    assert h1(site.get(path)) == "Din prenumeration är redan bekräftad"
    again = site.post(path)  # a second press, from an old tab
    assert h1(again) == "Din prenumeration är redan bekräftad"
    assert [e.kind for e in site.events()] == [
        ConsentEventKind.SUBSCRIBED,
        ConsentEventKind.CONFIRMED,
    ]
    assert "/p/" in again.get_data(as_text=True)


def test_an_expired_confirm_link_is_a_friendly_400(site: Site) -> None:
    site.sign_up("anna@example.org")
    subscriber = site.subscriber("anna@example.org")
    assert subscriber is not None

    class LongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            hours = site.settings.confirm_token_hours + 1
            return int(time.time()) - hours * 3600

    old = URLSafeTimedSerializer(
        site.settings.secret_key, salt="tryggnews.confirm", signer=LongAgo
    ).dumps([subscriber.id, subscriber.token_salt])
    page = site.get(f"/bekrafta/{old}")
    assert page.status_code == 400 and h1(page) == "Länken har slutat gälla"
    pressed = site.post(f"/bekrafta/{old}", {"csrf_token": site.csrf_token()})
    assert pressed.status_code == 400
    subscriber = site.subscriber("anna@example.org")
    assert subscriber is not None and subscriber.status is SubscriberStatus.PENDING


def test_too_many_sign_ups_from_one_address_send_no_more_mail(site: Site) -> None:
    for _ in range(PublicLimits.PER_ADDRESS + 2):
        assert site.sign_up("anna@example.org").status_code == 303
    assert len(site.mails()) == PublicLimits.PER_ADDRESS
    site.clock.advance(PublicLimits.PER_ADDRESS_WINDOW)
    site.sign_up("anna@example.org")
    assert len(site.mails()) == PublicLimits.PER_ADDRESS + 1


def test_too_many_posts_from_one_machine_get_429(site: Site) -> None:
    token = site.csrf_token()
    for number in range(PublicLimits.PER_IP):
        response = site.post("/prenumerera", {"csrf_token": token, "email": f"x{number}@"})
        assert response.status_code == 422
    refused = site.post("/prenumerera", {"csrf_token": token, "email": "anna@example.org"})
    assert refused.status_code == 429
    assert h1(refused) == "För många försök"


def test_email_me_my_link_answers_the_same_and_mails_only_subscribers(site: Site) -> None:
    confirmed(site, "known@example.org")
    site.sign_up("pending@example.org")
    before = len(site.mails())
    answers = set()
    for address in ("known@example.org", "pending@example.org", "stranger@example.org"):
        response = site.submit("/min-lank", email=address)
        assert response.status_code == 303
        answers.add((response.location, site.get(response.location).get_data()))
    assert len(answers) == 1
    sent = [(m["To"], m["Subject"]) for m in site.mails()[before:]]
    assert sent == [
        ("known@example.org", "Din länk till Trygg i Österåker"),
        ("pending@example.org", "Bekräfta din prenumeration på Trygg i Österåker"),
    ]


def test_email_me_my_link_validates_the_address(site: Site) -> None:
    response = site.submit("/min-lank", email="not an address")
    assert response.status_code == 422
    assert "Skriv en giltig e-postadress" in text_of(response)


def test_the_accessibility_statement_is_linked_and_in_swedish(site: Site) -> None:
    page = site.get("/tillganglighet")
    assert page.status_code == 200 and h1(page) == "Tillgänglighetsredogörelse"
    assert "WCAG 2.1" in text_of(page) and "Digg" in text_of(page)


def test_forms_work_over_https_where_csrf_also_checks_the_referrer(site: Site) -> None:
    https = "https://trygg.example.se"
    page = site.client.get("/prenumerera", base_url=https)
    assert page.headers["Referrer-Policy"] == "same-origin"
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert match
    data = {
        "csrf_token": match.group(1),
        "email": "anna@example.org",
        "audiences": "senior",
        "language": "sv",
    }
    # What "no-referrer" would make every browser do: Flask-WTF refuses the form.
    refused = site.client.post("/prenumerera", data=data, base_url=https)
    assert refused.status_code == 400
    sent = site.client.post(
        "/prenumerera", data=data, base_url=https, headers={"Referer": f"{https}/prenumerera"}
    )
    assert sent.status_code == 303
