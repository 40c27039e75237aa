"""In Chromium: an administrator searches the list, opens a person, imports a list after its
dry run, and lifts a suppression; an editor sees the counts. Every page has no axe-core
violations at 320 and 1280 px."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from editor_helpers import ADMIN, PASSWORD, POLIS
from editor_live import axe_source, axe_violations, live_server
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker
from subscriber_workspace_helpers import TEST_SECRET, add_person, sent_to

from tryggnews.db.models import DeliveryStatus
from tryggnews.subscribers.suppression import address_hash, suppress

pytestmark = pytest.mark.browser
WIDTHS = ({"width": 320, "height": 800}, {"width": 1280, "height": 900})


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    # Browser tests drive the pages; the database behaviour is tested on both elsewhere.
    return f"sqlite:///{tmp_path / 'tryggnews.db'}"


@pytest.fixture
def base(
    app: Flask, people: dict[str, int], session_factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[str]:
    app.config["TRYGGNEWS_IMPORT_DIR"] = str(tmp_path / "imports")
    with session_factory.begin() as session:
        anna = add_person(session, "anna.berg@example.org", "Åsa Berg")
        add_person(session, "bo@example.org", "Bo Ek", audiences=("senior",))
        sent_to(session, anna, status=DeliveryStatus.SENT)
        suppress(
            session,
            email_hash=address_hash(TEST_SECRET, "spard@example.org"),
            reason="hard-bounce",
            now=anna.created_at,
        )
    with live_server(app) as url:
        yield url


def log_in(browser: Any, base: str, email: str, viewport: dict[str, int]) -> Any:
    page = browser.new_context(viewport=viewport, locale="sv-SE").new_page()
    page.goto(f"{base}/redaktion/logga-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Logga in')")
    page.wait_for_url(f"{base}/redaktion/")
    return page


def check(page: Any, source: str | None, found: dict[str, list[str]], name: str) -> None:
    width = page.viewport_size["width"]
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll > width:
        found[f"{name} @{width}"] = [f"scrolls sideways ({scroll}px)"]
    if source is not None:
        violations = axe_violations(page, source)
        if violations:
            found[f"{name} @{width}"] = violations


@pytest.mark.parametrize("viewport", WIDTHS, ids=["320", "1280"])
def test_search_person_import_and_lift_with_no_axe_violations(
    browser: Any, base: str, viewport: dict[str, int], tmp_path: Path
) -> None:
    source = axe_source()
    found: dict[str, list[str]] = {}
    admin = log_in(browser, base, ADMIN, viewport)
    admin.click("nav >> text=Prenumeranter")
    admin.wait_for_selector("text=Alla som finns i listan")
    check(admin, source, found, "counts")

    admin.fill("#q", "ANNA")
    admin.click("button:has-text('Sök')")
    admin.wait_for_selector("text=Träffar för")
    check(admin, source, found, "search")
    admin.check("input[name=i][value=namn]")
    admin.fill("#q", "åsa")
    admin.click("button:has-text('Sök')")
    admin.click("text=anna.berg@example.org")
    admin.wait_for_selector("h1:has-text('anna.berg@example.org')")
    assert admin.is_visible("text=Vinterns nummer")
    assert admin.is_visible("td:has-text('Anmälde sig')")
    check(admin, source, found, "person")
    admin.click("text=Radera personen…")
    admin.wait_for_selector("text=Det går inte att ångra")
    check(admin, source, found, "erase")

    csv_file = tmp_path / "lista.csv"
    csv_file.write_text(
        "email;name;audiences\nny@example.org;Ny Person;senior\nfel;X;senior\n", encoding="utf-8"
    )
    admin.goto(f"{base}/redaktion/prenumeranter/import/")
    check(admin, source, found, "upload")
    admin.set_input_files("#file", str(csv_file))
    admin.click("button:has-text('Kontrollera filen')")
    admin.wait_for_selector("text=inget importeras")
    assert admin.is_visible("td:has-text('E-postadress (email)')")
    check(admin, source, found, "report with a bad row")
    csv_file.write_text("email;name;audiences\nny@example.org;Ny Person;senior\n", encoding="utf-8")
    admin.click("text=Ladda upp en annan fil")
    admin.set_input_files("#file", str(csv_file))
    admin.click("button:has-text('Kontrollera filen')")
    admin.wait_for_selector("text=Vad importen skulle göra")
    check(admin, source, found, "dry run")
    admin.check("input[name=basis][value=consent]")
    admin.click("button:has-text('Importera 1 rader')")
    admin.wait_for_selector("text=Importen är klar")
    check(admin, source, found, "import done")

    admin.click("nav >> text=Spärrar")
    admin.wait_for_selector("h1:has-text('Spärrar och studsar')")
    check(admin, source, found, "suppressions")
    admin.fill("#lift-email", "spard@example.org")
    admin.fill("#lift-reason", "Personen har en ny brevlåda")
    admin.click("button:has-text('Häv spärren')")
    admin.wait_for_selector("text=Spärren för spard@example.org är hävd")
    admin.context.close()

    editor = log_in(browser, base, POLIS, viewport)
    editor.goto(f"{base}/redaktion/prenumeranter/")
    assert editor.is_hidden("#q")
    check(editor, source, found, "editor counts")
    editor.context.close()
    assert found == {}
    if source is None:
        pytest.skip("axe-core is not installed (node_modules/axe-core/axe.min.js): run npm ci")
