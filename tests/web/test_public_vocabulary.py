"""The public pages offer exactly what audiences.toml declares: an edited file changes the
forms, a key it no longer declares is refused, and a broken file stops the app at start.

The real app on a SQLite file and PostgreSQL, with its own copy of audiences.toml.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from public_site import Site, confirmed, open_site, text_of
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.config import Settings
from tryggnews.errors import ConfigError
from tryggnews.web import create_app

SHIPPED = Path(__file__).resolve().parents[2] / "audiences.toml"
# Another kommun's choices: seniors relabelled, dog owners added, boat owners gone, and
# no labels in other languages ([translations.*] is optional).
EDITED = (
    SHIPPED.read_text(encoding="utf-8")
    .partition("\n[translations.")[0]
    .replace('senior = "Senior"', 'senior = "Seniorer 65+"\nhundagare = "Hundägare"')
    .replace('batagare = "Båtägare"\n', "")
)


@pytest.fixture
def site(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[Site]:
    path = tmp_path / "audiences.toml"
    path.write_text(EDITED, encoding="utf-8")
    with open_site(dataclasses.replace(settings, audiences=path), session_factory) as site:
        yield site


def test_the_sign_up_form_offers_the_files_audiences_with_its_labels(site: Site) -> None:
    page = site.get("/prenumerera")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="hundagare"' in html and "Hundägare" in html
    assert "Seniorer 65+" in html
    assert 'value="batagare"' not in html and "Båtägare" not in html


def test_a_declared_key_is_stored_and_shown_with_its_label(site: Site) -> None:
    tokens = confirmed(site, "anna@example.org", ["hundagare", "senior"])
    subscriber = site.subscriber("anna@example.org")
    assert subscriber is not None and subscriber.audiences == ["hundagare", "senior"]
    page = text_of(site.get(f"/p/{tokens['manage']}/mina-uppgifter"))
    assert "Grupper Hundägare, Seniorer 65+" in page


def test_a_key_the_file_does_not_declare_is_a_field_error_and_stores_nothing(
    site: Site,
) -> None:
    response = site.sign_up("anna@example.org", ["batagare"])
    assert response.status_code == 422
    assert "Ett av valen finns inte i listan" in response.get_data(as_text=True)
    assert site.subscriber("anna@example.org") is None
    assert site.events() == [] and site.mails() == []


def test_a_broken_file_stops_the_app_at_start_naming_the_line(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "audiences.toml"
    path.write_text(EDITED.replace("hundagare =", '"Hundägare" ='), encoding="utf-8")
    line = next(n for n, text in enumerate(EDITED.splitlines(), 1) if "hundagare" in text)
    with pytest.raises(ConfigError, match=rf"^{path}:{line}: audience key \"Hundägare\""):
        create_app(dataclasses.replace(settings, audiences=path), session_factory=session_factory)
