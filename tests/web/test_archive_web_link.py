"""Every email of an issue the archive will show carries "Läs i webbläsaren" (HTML and
text) to its archive page under TRYGGNEWS_PUBLIC_BASE_URL; an issue the archive will not
show (nothing public, or withdrawn) carries no such link."""

from __future__ import annotations

import dataclasses
import re
from email.message import EmailMessage

from archive_site import Part, send_issue
from public_site import open_site
from sqlalchemy.orm import Session, sessionmaker

from tryggnews import wiring
from tryggnews.config import Settings
from tryggnews.content.issues import get_issue

PUBLIC = "https://trygg.example.se"
LINK_TEXT = "Läs i webbläsaren"


def _parts(message: EmailMessage) -> tuple[str, str]:
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None and text is not None
    return html.get_content(), text.get_content()


def test_each_message_links_its_archive_page_which_answers(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    settings = dataclasses.replace(settings, public_base_url=PUBLIC)
    with open_site(settings, session_factory) as site:
        send_issue(settings, session_factory, "2027-1", [Part("Trygghetsvandring")])
        mails = site.mails()
        assert len(mails) == 3  # every reader, staff included
        url = f"{PUBLIC}/arkiv/2027-1"
        for mail in mails:
            html, text = _parts(mail)
            assert re.search(rf'<a href="{re.escape(url)}"[^>]*>{LINK_TEXT}</a>', html)
            # The masthead's lines, each its own, then the link on a line of its own.
            head = text.splitlines()[:4]
            assert head[0] == "TRYGG I ÖSTERÅKER" and head[1].startswith("Nyhetsbrev från ")
            assert head[2].startswith("Nummer ") and head[3] == f"{LINK_TEXT}: {url}"
            # Near the top of the text part, before the issue's title, as readers expect.
            assert text.index(LINK_TEXT) < text.index("Stöd efter brott")

        page = site.get("/arkiv/2027-1")
        assert page.status_code == 200
        # The page names itself under the public address too.
        assert f'<link rel="canonical" href="{url}">' in page.get_data(as_text=True)


def test_an_issue_with_nothing_public_has_no_link_and_no_page(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with open_site(settings, session_factory) as site:
        send_issue(
            settings, session_factory, "2027-2", [Part("Intern larmlista", web_public=False)]
        )
        mails = site.mails()
        assert mails
        for mail in mails:
            html, text = _parts(mail)
            assert LINK_TEXT not in html
            assert LINK_TEXT not in text
            assert "/arkiv/" not in html + text
        assert site.get("/arkiv/2027-2").status_code == 404


def test_a_staff_only_or_withdrawn_issue_renders_without_the_link(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    send_issue(
        settings,
        session_factory,
        "2027-3",
        [Part("Rutiner vid hot", "vald", ("staff-skola",))],
        staff_only=True,
    )
    publisher = wiring.publisher(settings)
    with session_factory() as session:
        issue = get_issue(session, "2027-3")
        staff = publisher.preview(issue, audiences=["staff-skola"])
        assert "Rutiner vid hot" in staff.text
        assert LINK_TEXT not in staff.html and LINK_TEXT not in staff.text

    send_issue(settings, session_factory, "2027-4", [Part("Trygghetsvandring")])
    with session_factory.begin() as session:
        issue = get_issue(session, "2027-4")
        assert publisher.view(issue).web_url == f"{settings.base_url}/arkiv/2027-4"
        issue.web_withdrawn_reason = "Av rättsliga skäl"
        issue.web_withdrawn_at = issue.updated_at
        assert publisher.view(issue).web_url == ""
        shown = publisher.preview(issue, audiences=["senior"])
        assert LINK_TEXT not in shown.html


def test_the_page_opens_when_the_sending_begins_not_when_it_ends(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    """A reader of the first messages of a long send can open the link at once."""
    with open_site(settings, session_factory) as site:
        send_issue(settings, session_factory, "2027-5", [Part("Trygghetsvandring")], deliver=False)
        with session_factory() as session:
            issue = get_issue(session, "2027-5")
            assert issue.status.value == "sending" and issue.sent_at is None
            assert issue.published_at is not None
        assert site.get("/arkiv/2027-5").status_code == 200
        assert "/arkiv/2027-5" in site.get("/arkiv").get_data(as_text=True)
        assert "Trygghetsvandring" in site.get("/arkiv.atom").get_data(as_text=True)
