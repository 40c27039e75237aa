"""The subscriber notices and the consent text in the reader's language: the confirmation
and link emails follow the language given, with lang/dir in the HTML part, and every
consent text is published in every declared language with a pinned hash."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

import pytest
from test_notices import CONFIRM, MANAGE, NOW, SETTINGS, UNSUB

from tryggnews.content.vocabulary import Vocabulary
from tryggnews.subscribers.notices import confirmation_notice, link_notice
from tryggnews.subscribers.texts import TEXTS, TRANSLATED, current_text, text_by_version

# Published translations and their hashes: never edit one, publish a new version.
PUBLISHED = {
    "consent-1-ar": "37c89d11751c5624c46f6f6e8259ac142963e0fbf2ac2da6e5806264020e38ce",
    "consent-1-en": "52b12cb8ec9e644cade8d4fa8ec17d55c8ef1d1c15725c94769e409c1b490371",
    "consent-1-so": "16d35331b3991ad43f469034875667c4f94d9d4527ea614f6cd542bcf7c977a8",
    "public-task-1-ar": "13e0926a0956092ca68825135594e2fafa0b2bbe352a4bcfb8b1dba54b5ef0a4",
    "public-task-1-en": "574648221050f4e34ce9f170e4b5a19864c5eed2723245e573bdc9631e9c43a2",
    "public-task-1-so": "daaa3c76caf0a637b85f9626899a1e1805c480d56ab5a3d0a2eb34dc9008dcff",
}


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


@pytest.mark.parametrize(
    ("language", "subject", "direction"),
    [
        ("sv", "Bekräfta din prenumeration på Trygg i Österåker", "ltr"),
        ("en", "Confirm your subscription to Trygg i Österåker", "ltr"),
        ("ar", "أكّد اشتراكك في Trygg i Österåker", "rtl"),
        ("so", "Xaqiiji rukunkaaga Trygg i Österåker", "ltr"),
    ],
)
def test_the_confirmation_is_in_the_chosen_language(
    language: str, subject: str, direction: str
) -> None:
    notice = confirmation_notice(
        SETTINGS, to="anna@example.org", confirm_url=CONFIRM, now=NOW, language=language
    )
    message = parsed(notice.raw)
    assert message["Subject"] == subject
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert CONFIRM in text.get_content() and "72" in text.get_content()
    assert f'<html lang="{language}" dir="{direction}">' in html.get_content()
    # The URL keeps its left-to-right order inside right-to-left text.
    assert '<span dir="ltr"' in html.get_content()


def test_the_link_email_is_in_the_subscribers_language() -> None:
    notice = link_notice(
        SETTINGS,
        to="bo@example.org",
        manage_url=MANAGE,
        unsubscribe_url=UNSUB,
        now=NOW,
        language="en",
    )
    message = parsed(notice.raw)
    assert message["Subject"] == "Your link to Trygg i Österåker"
    body = message.get_body(("plain",))
    assert body is not None
    content = body.get_content()
    assert content.startswith("Hello!\n\n")
    assert MANAGE in content and UNSUB in content and "Nothing has been changed" in content


def test_every_current_consent_text_is_published_in_every_declared_language(
    vocabulary: Vocabulary,
) -> None:
    for swedish in TEXTS:
        for language in vocabulary.languages:
            text = current_text(swedish.legal_basis, language)
            assert text.language == language, (swedish.version, language)
            assert text.legal_basis == swedish.legal_basis
            assert len(text.paragraphs) == len(swedish.paragraphs)
            assert len(text.version) <= 30  # consent_events.text_version
            assert text_by_version(text.version) is text


@pytest.mark.parametrize(("version", "sha256"), sorted(PUBLISHED.items()))
def test_a_published_translation_keeps_its_hash(version: str, sha256: str) -> None:
    text = text_by_version(version)
    assert text is not None, f"{version} was removed: consent events may refer to it"
    assert text.sha256 == sha256, f"{version} was edited: publish a new version"


def test_translated_versions_are_unique_and_an_unknown_language_gets_swedish() -> None:
    versions = [text.version for text in (*TEXTS, *TRANSLATED)]
    assert len(versions) == len(set(versions))
    assert current_text("consent", "de") is current_text("consent")
