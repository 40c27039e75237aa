"""Audience and topic labels in the page's language: the sign-up form, the preference
centre and the staff-audience refusal show audiences.toml's [translations.<lang>] labels,
with the page's lang/dir intact; Swedish pages are unchanged.

The real app on a SQLite file and PostgreSQL.
"""

from __future__ import annotations

import html

from public_site import Site, confirmed, site_fixture, text_of  # noqa: F401

STAFF = "staff-myndighet"


def page_of(site: Site, path: str) -> str:
    response = site.get(path)
    assert response.status_code == 200, path
    return html.unescape(response.get_data(as_text=True))


def test_the_arabic_sign_up_form_shows_the_arabic_labels(site: Site) -> None:
    arabic = page_of(site, "/prenumerera?lang=ar")
    assert '<html lang="ar" dir="rtl">' in arabic
    assert "<span>أولياء الأمور – الصفوف 7–9</span>" in arabic
    assert "<span>الوقاية من العنف</span>" in arabic
    assert "Föräldrar – årskurs 7–9" not in arabic and "Våldsprevention" not in arabic
    # Language names stay in their own language, marked as such.
    assert '<span lang="sv" dir="ltr">Svenska</span>' in arabic
    # The fragments are cached per language: Swedish and English get their own labels.
    swedish = page_of(site, "/prenumerera?lang=sv")
    assert '<html lang="sv" dir="ltr">' in swedish
    assert "<span>Föräldrar – årskurs 7–9</span>" in swedish
    assert "<span>Våldsprevention</span>" in swedish
    assert "كبار السن" not in swedish
    english = page_of(site, "/prenumerera?lang=en")
    assert "<span>Parents – school years 7–9</span>" in english


def test_the_preference_centre_shows_the_stored_choices_in_the_readers_language(
    site: Site,
) -> None:
    tokens = confirmed(site, "layla@example.org", ["parents-7-9", "senior"])
    manage = f"/p/{tokens['manage']}"
    saved = site.submit(manage, audiences=["senior"], topics=["vald"], language="ar")
    assert saved.status_code == 303
    page = site.get(manage)
    body = html.unescape(page.get_data(as_text=True))
    assert '<html lang="ar" dir="rtl">' in body
    text = text_of(page)
    assert "كبار السن" in text and "الوقاية من العنف" in text
    assert "Senior" not in text and "Våldsprevention" not in text
    # The same person's page in Swedish: the Swedish labels.
    swedish = text_of(site.get(manage + "?lang=sv"))
    assert "Senior" in swedish and "Våldsprevention" in swedish
    # The page of stored data names the stored choices in the reader's language too.
    stored = text_of(site.get(manage + "/mina-uppgifter"))
    assert "كبار السن" in stored and "الوقاية من العنف" in stored
    assert "Senior" not in stored and "Våldsprevention" not in stored


def test_the_staff_refusal_names_the_audience_in_the_readers_language(site: Site) -> None:
    site.get("/prenumerera?lang=ar")  # sets the language cookie
    refused = site.sign_up("anna@example.org", [STAFF], language="ar")
    assert refused.status_code == 422
    body = html.unescape(refused.get_data(as_text=True))
    assert '<html lang="ar" dir="rtl">' in body
    assert (
        "المجموعة «العاملون – البلدية والشرطة» مخصصة فقط للعاملين الذين لديهم عناوين بريد "
        "على \u2066osteraker.se, polisen.se\u2069."  # the domains isolated, left to right
    ) in body
    assert "Målgruppen" not in body
