"""The archive page in the reader's language, as their message was: an Arabic reader's
"Läs i webbläsaren" opens the issue in Arabic (its translated title, introduction and
blocks, the focus areas' names as the newsletter says them), a block without a translation
in Swedish marked lang="sv" under the newsletter's note, a block whose policy skips it
left out; the Swedish page and the feed stay Swedish.

The real app and a real send on a SQLite file and PostgreSQL.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from archive_site import VOCABULARY, Part, send_issue
from public_site import Site, site_fixture, text_of  # noqa: F401
from sqlalchemy import update
from sqlalchemy.orm import Session

from tryggnews.content.translations import TranslationInput
from tryggnews.db.models import Subscriber
from tryggnews.editors.translations import set_language_policy, translate_block, translate_issue
from tryggnews.i18n import NEWSLETTER, shipped_catalogues

NOW = datetime(2027, 2, 1, tzinfo=UTC)
ARABIC_TITLE = "الدعم بعد الجريمة"
ARABIC_BLOCK = "جولة الأمان في Åkersberga"
ARABIC = shipped_catalogues().gettext("ar", NEWSLETTER)


def _translate(session: Session, issue_id: int, ids: dict[str, int]) -> None:
    def say(data: TranslationInput, block: str | None = None) -> None:
        if block is None:
            translate_issue(session, "test", issue_id, data, vocabulary=VOCABULARY, now=NOW)
        else:
            translate_block(session, "test", ids[block], data, vocabulary=VOCABULARY, now=NOW)

    say(TranslationInput("ar", ARABIC_TITLE, "مرحباً! هذا هو العدد الأول.", subject="العدد 1"))
    say(TranslationInput("ar", ARABIC_BLOCK, "نسير معاً في المساء."), "Trygghetsvandring")
    set_language_policy(session, "test", ids["Endast utan översättning"], "skip", now=NOW)
    session.execute(
        update(Subscriber)
        .where(Subscriber.email_key == "ahmed.ali@example.org")
        .values(language="ar")
    )


def _sent(site: Site) -> None:
    send_issue(
        site.settings,
        site.sessions,
        "2027-1",
        [
            Part("Trygghetsvandring"),
            Part("Langning inför sportlovet", area="andts"),
            Part("Endast utan översättning", area="vald"),
        ],
        before_send=_translate,
    )


def _article(page: Any) -> str:
    body = html.unescape(page.get_data(as_text=True))
    found = re.search(r"<article .*?</article>", body, re.S)
    assert found is not None
    return found.group(0)


def test_an_arabic_reader_opens_the_issue_in_arabic(site: Site) -> None:
    _sent(site)
    arabic_mail = next(m for m in site.mails() if m["To"] == "ahmed.ali@example.org")
    text = arabic_mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "/arkiv/2027-1?lang=ar" in text  # the link opens the page in their language

    article = _article(site.get("/arkiv/2027-1?lang=ar"))
    assert article.startswith('<article class="archive-issue" lang="ar" dir="rtl">')
    assert f"<h1>{ARABIC_TITLE}</h1>" in article and "مرحباً! هذا هو العدد الأول." in article
    assert ARABIC_BLOCK in article and "Trygghetsvandring" not in article
    # No translation: Swedish, marked, under the newsletter's own note in Arabic.
    swedish = re.search(
        r'<section class="archive-block" lang="sv" dir="ltr">.*?</section>', article, re.S
    )
    assert swedish is not None and "Langning inför sportlovet" in swedish.group(0)
    assert ARABIC("Det här avsnittet finns bara på svenska.") in swedish.group(0)
    # Its policy leaves it out for readers without a translation.
    assert "Endast utan översättning" not in article
    # The focus areas as the newsletter names them in Arabic.
    assert f"<h2>{ARABIC('Gemensamt')}</h2>" in article

    swedish_page = _article(site.get("/arkiv/2027-1?lang=sv"))
    assert swedish_page.startswith('<article class="archive-issue" lang="sv" dir="ltr">')
    for title in ("Trygghetsvandring", "Langning inför sportlovet", "Endast utan översättning"):
        assert title in swedish_page
    assert "archive-note" not in swedish_page and ARABIC_BLOCK not in swedish_page
    feed = site.get("/arkiv.atom?lang=ar").get_data(as_text=True)
    assert "Trygghetsvandring" in feed and ARABIC_BLOCK not in feed
