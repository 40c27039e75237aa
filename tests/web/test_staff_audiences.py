"""An audience for staff accepts only its e-mail domains: audiences.toml declares them
(checked with file and line), and sign-up, the preference centre and the importer refuse
other addresses with the same Swedish reason. Also: the unsubscribe page links the
preference centre, and the preference centre says in words how a person came on the list.

The real app on a SQLite file and PostgreSQL.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from public_site import Site, confirmed, site_fixture, text_of  # noqa: F401
from sqlalchemy import select

from tryggnews.content.vocabulary import load_vocabulary
from tryggnews.db.models import Subscriber
from tryggnews.errors import ConfigError
from tryggnews.subscribers.import_plan import parse_csv
from tryggnews.subscribers.sources import source_words

REPO = Path(__file__).resolve().parents[2]
VOCABULARY = load_vocabulary(REPO / "audiences.toml")
STAFF = "staff-myndighet"
WHY = (
    "Målgruppen ”Personal – kommun, polis” är bara för anställda inom Österåkers kommun och "
    "Polisen (adresser på osteraker.se eller polisen.se)."
)


def test_the_shipped_file_restricts_the_staff_audience_to_its_domains() -> None:
    rule = VOCABULARY.restricted[STAFF]
    assert rule.domains == ("osteraker.se", "polisen.se")
    assert (VOCABULARY.refusal([STAFF], "anna@example.org") or "").startswith(WHY)
    assert VOCABULARY.refusal([STAFF], "anna@OSTERAKER.se") is None
    assert VOCABULARY.refusal([STAFF], "anna@skola.osteraker.se") is None  # a subdomain
    assert VOCABULARY.refusal([STAFF], "anna@notosteraker.se") is not None
    assert VOCABULARY.refusal(["senior"], "anna@example.org") is None


def test_a_bad_domains_entry_names_file_and_line(tmp_path: Path) -> None:
    source = (REPO / "audiences.toml").read_text(encoding="utf-8")
    broken = source.replace('domains = ["osteraker.se", "polisen.se"]', 'domains = ["@@", 7]')
    broken = broken.replace('who = "anställda', 'vem = "anställda')
    path = tmp_path / "audiences.toml"
    path.write_text(broken, encoding="utf-8")
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if text.startswith(STAFF))
    with pytest.raises(ConfigError) as caught:
        load_vocabulary(path)
    message = str(caught.value)
    assert f"{path}:{line}: domains of {STAFF} must be a list of e-mail domains" in message
    assert f'{path}:{line}: unknown key "vem" in audience {STAFF}' in message


def test_sign_up_refuses_the_staff_audience_to_another_address(site: Site) -> None:
    refused = site.sign_up("anna@example.org", [STAFF, "senior"])
    assert refused.status_code == 422
    assert WHY in html.unescape(refused.get_data(as_text=True))
    assert site.subscriber("anna@example.org") is None
    assert site.sign_up("anna@osteraker.se", [STAFF]).status_code == 303
    stored = site.subscriber("anna@osteraker.se")
    assert stored is not None and stored.audiences == [STAFF]


def test_the_preference_centre_refuses_the_staff_audience_to_another_address(
    site: Site,
) -> None:
    tokens = confirmed(site, "bo@example.org", ["senior"])
    path = f"/p/{tokens['manage']}"
    refused = site.submit(path, audiences=[STAFF], language="sv")
    assert refused.status_code == 422
    assert WHY in html.unescape(refused.get_data(as_text=True))
    subscriber = site.subscriber("bo@example.org")
    assert subscriber is not None and subscriber.audiences == ["senior"]

    staff = confirmed(site, "bo@polisen.se", ["senior"])
    saved = site.submit(f"/p/{staff['manage']}", audiences=[STAFF, "senior"], language="sv")
    assert saved.status_code == 303


def test_the_importer_refuses_the_row_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "lista.csv"
    path.write_text(
        "email;name;audiences\n"
        "anna@example.org;Anna;staff-myndighet|senior\n"
        "bo@osteraker.se;Bo;staff-myndighet\n",
        encoding="utf-8",
    )
    plan = parse_csv(path, VOCABULARY)
    assert [row.email for row in plan.rows] == ["bo@osteraker.se"]
    [problem] = plan.problems
    assert (problem.line, problem.column) == (2, "audiences")
    assert problem.reason.startswith(WHY)


def test_the_unsubscribe_page_links_the_preference_centre(site: Site) -> None:
    tokens = confirmed(site, "cia@example.org")
    page = site.get(f"/u/{tokens['unsubscribe']}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f"/p/{tokens['manage']}" in body
    assert "Ändra dina val eller pausa nyhetsbrevet" in body


def test_the_preference_centre_says_how_the_person_came_on_the_list(site: Site) -> None:
    tokens = confirmed(site, "dan@example.org")
    stored = f"/p/{tokens['manage']}/mina-uppgifter"
    text = text_of(site.get(stored))
    assert "Hur du kom med på listan Anmäld via webbplatsen 2027-03-01" in text
    with site.sessions.begin() as session:
        person = session.scalars(
            select(Subscriber).where(Subscriber.email == "dan@example.org")
        ).one()
        person.source = "demo"
    text = text_of(site.get(stored))
    assert "Importerad av Österåkers kommun 2027-03-01 (exempeldata" in text
    assert " demo " not in text


def test_every_source_key_is_said_in_words() -> None:
    assert source_words("form") == "anmäld via webbplatsen"
    assert source_words("import:lista.csv", "2027-01-10T08:00:00+00:00") == (
        "importerad av Österåkers kommun 2027-01-10"
    )
    assert source_words("demo", "2027-01-10T08:00:00") == (
        "importerad av Österåkers kommun 2027-01-10 (exempeldata för en demonstration)"
    )


def test_the_forms_say_beside_a_staff_audience_who_may_choose_it(site: Site) -> None:
    """Before anyone is refused: the note is part of the option's label, so a screen reader
    reads it with the name of the group, in the page's language."""
    note = {
        "sv": "Bara för anställda inom Österåkers kommun och Polisen, med en adress på "
        "osteraker.se eller polisen.se.",
        "en": "Only for staff with addresses at \u2066osteraker.se, polisen.se\u2069.",
    }
    for language, words in note.items():
        page = html.unescape(site.get(f"/prenumerera?lang={language}").get_data(as_text=True))
        label = re.search(rf'<label for="audiences-{STAFF}".*?</label>', page, re.S)
        assert label is not None, language
        assert words in " ".join(label.group(0).split()), language
        # Only the staff audience has one.
        assert page.count('class="option-note"') == 1, language
    manage = confirmed(site, "anna@osteraker.se", [STAFF])["manage"]
    page = html.unescape(site.get(f"/p/{manage}?lang=sv").get_data(as_text=True))
    assert note["sv"] in " ".join(page.split())
