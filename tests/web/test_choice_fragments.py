"""The choice fields of the sign-up form and the preference centre are rendered once per
combination of ticked boxes and language, and never shown for the wrong person, language
or a form with errors. The real app on a SQLite file and PostgreSQL."""

from __future__ import annotations

import re

from public_site import Site, confirmed, site_fixture  # noqa: F401

from tryggnews.web.public.fragments import fragment_cache


def _renders(site: Site) -> int:
    with site.app.app_context():
        return fragment_cache().renders


def _checked(html: str) -> set[str]:
    return set(re.findall(r'name="audiences" value="([^"]+)" checked', html))


def test_choice_fields_are_rendered_once_per_combination_and_language(site: Site) -> None:
    first = site.get("/prenumerera").get_data(as_text=True)
    before = _renders(site)
    assert site.get("/prenumerera").get_data(as_text=True).count('type="checkbox"') == (
        first.count('type="checkbox"')
    )
    assert _renders(site) == before, "the same empty form was rendered again"
    assert site.get("/prenumerera?lang=en").status_code == 200
    assert _renders(site) == before + 1, "another language must be its own entry"

    anna = confirmed(site, "anna@example.org", ["parents-7-9", "senior"])
    bo = confirmed(site, "bo@example.org", ["foretag"])
    anna_page = site.get(f"/p/{anna['manage']}").get_data(as_text=True)
    bo_page = site.get(f"/p/{bo['manage']}").get_data(as_text=True)
    assert _checked(anna_page) == {"parents-7-9", "senior"}
    assert _checked(bo_page) == {"foretag"}
    renders = _renders(site)
    assert _checked(site.get(f"/p/{anna['manage']}").get_data(as_text=True)) == {
        "parents-7-9",
        "senior",
    }
    assert _renders(site) == renders


def test_a_form_with_errors_is_rendered_as_it_is(site: Site) -> None:
    site.get("/prenumerera")
    response = site.sign_up("utan.grupp@example.org", audiences=())
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # The error stands beside the audience field, which a cached fragment could not show.
    assert 'id="audiences-error"' in html and "field-error" in html
