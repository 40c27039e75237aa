"""The public pages in the reader's language: ?lang= and its cookie, Accept-Language among
the declared languages, Swedish by default; the preference centre follows the stored
language; the confirmation mail and the consent record follow the language chosen."""

from __future__ import annotations

from public_site import Site, confirmed, h1, site_fixture  # noqa: F401

from tryggnews.subscribers.texts import current_text


def html_of(site: Site, path: str, **kwargs: object) -> str:
    response = site.get(path, **kwargs)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_swedish_by_default_and_accept_language_among_the_declared(site: Site) -> None:
    assert '<html lang="sv" dir="ltr">' in html_of(site, "/prenumerera")
    english = site.get("/prenumerera", headers={"Accept-Language": "de-DE, en-GB;q=0.8"})
    assert '<html lang="en" dir="ltr">' in english.get_data(as_text=True)
    assert h1(english) == "Subscribe to Trygg i Österåker"
    assert {"Accept-Language", "Cookie"} <= set(english.vary)
    # A language audiences.toml does not declare is not offered: Swedish.
    german = html_of(site, "/prenumerera", headers={"Accept-Language": "de"})
    assert '<html lang="sv" dir="ltr">' in german


def test_the_switcher_names_each_language_in_itself_and_keeps_the_choice(site: Site) -> None:
    page = html_of(site, "/arkiv?amne=x")
    assert '<nav class="language-switcher" aria-label="Välj språk">' in page
    assert 'href="/arkiv?amne=x&amp;lang=ar" lang="ar" dir="rtl" hreflang="ar"' in page
    assert ">العربية</a>" in page and ">Soomaali</a>" in page and ">English</a>" in page
    assert 'lang="sv" dir="ltr" hreflang="sv" aria-current="true">Svenska</a>' in page

    arabic = site.get("/prenumerera?lang=ar", headers={"Accept-Language": "en"})
    assert '<html lang="ar" dir="rtl">' in arabic.get_data(as_text=True)
    cookie = arabic.headers["Set-Cookie"]
    assert cookie.startswith("lang=ar;") and "SameSite=Lax" in cookie and "HttpOnly" in cookie
    assert arabic.headers["Cache-Control"] == "private, no-store"
    # The cookie outweighs Accept-Language on the next page, without the parameter.
    later = site.get("/min-lank", headers={"Accept-Language": "en"})
    assert '<html lang="ar" dir="rtl">' in later.get_data(as_text=True)
    assert h1(later) == "احصل على رابط إلى إعداداتك"
    assert "Set-Cookie" not in later.headers
    # An undeclared value is ignored, like any unknown parameter.
    assert '<html lang="ar"' in html_of(site, "/prenumerera?lang=xx")


def test_error_pages_speak_the_readers_language_and_the_workspace_stays_swedish(
    site: Site,
) -> None:
    missing = site.get("/finns-inte", headers={"Accept-Language": "so"})
    assert missing.status_code == 404
    assert h1(missing) == "Boggu ma jiro"
    login = site.get("/redaktion/login?lang=ar", headers={"Accept-Language": "ar"})
    assert '<html lang="sv" dir="ltr">' in login.get_data(as_text=True)
    assert "language-switcher" not in login.get_data(as_text=True)
    assert "Set-Cookie" not in login.headers or "lang=" not in login.headers["Set-Cookie"]


def test_an_arabic_sign_up_records_the_arabic_consent_text_and_mails_in_arabic(
    site: Site,
) -> None:
    page = html_of(site, "/prenumerera?lang=ar")
    text = current_text(site.settings.legal_basis, "ar")
    assert text.language == "ar" and text.title in page
    assert f'name="consent_text" value="{text.version}"' in page
    assert site.sign_up("samira@example.org", language="ar").status_code == 303
    [event] = site.events()
    assert (event.text_version, event.text_sha256) == (text.version, text.sha256)
    [mail] = site.mails()
    assert mail["Subject"] == "أكّد اشتراكك في Trygg i Österåker"
    html = mail.get_body(("html",))
    assert html is not None and '<html lang="ar" dir="rtl">' in html.get_content()
    # The confirmation page follows the language chosen on the form, cookie or not.
    site.client.delete_cookie("lang")
    confirm = site.get(site.path_of(site.links(mail)[0]))
    assert h1(confirm) == "أكّد اشتراكك"


def test_the_preference_centre_follows_the_stored_language(site: Site) -> None:
    tokens = confirmed(site, "ahmed@example.org")
    manage = f"/p/{tokens['manage']}"
    assert h1(site.get(manage)) == "Dina inställningar"
    response = site.submit(manage, audiences=["parents-7-9"], language="so")
    assert response.status_code == 303
    page = site.get(manage, headers={"Accept-Language": "en"})
    assert '<html lang="so" dir="ltr">' in page.get_data(as_text=True)
    assert h1(page) == "Goobahaaga"
    assert "Doorashooyinkaaga waa la kaydiyay." in page.get_data(as_text=True)
    # The link email is in the stored language too.
    site.submit("/min-lank", email="ahmed@example.org")
    assert site.mails()[-1]["Subject"] == "Xiriiriyahaaga Trygg i Österåker"
    # The switcher still lets the reader look at this page in another language.
    assert h1(site.get(manage + "?lang=ar")) == "إعداداتك"
