"""The confirmation and "here is your link" emails: well-formed MIME in Swedish, each header
once, both parts quoted-printable, the links whole, an internationalised domain in IDNA."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage

import pytest

from tryggnews.errors import ValidationError
from tryggnews.subscribers.notices import (
    Notice,
    NoticeSettings,
    confirmation_notice,
    link_notice,
)

SETTINGS = NoticeSettings(
    sender_name="Trygg i Österåker",
    sender_address="nyhetsbrev@trygg.example.se",
    confirm_hours=72,
    purge_days=30,
)
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CONFIRM = "https://trygg.example.se/bekrafta/" + "A" * 60 + ".b_c-d"
MANAGE = "https://trygg.example.se/p/" + "M" * 90
UNSUB = "https://trygg.example.se/u/" + "U" * 90


def parsed(notice: Notice) -> EmailMessage:
    message = email.message_from_bytes(notice.raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_the_confirmation_is_multipart_swedish_and_carries_the_link() -> None:
    notice = confirmation_notice(SETTINGS, to="anna@example.org", confirm_url=CONFIRM, now=NOW)
    message = parsed(notice)
    for header in ("From", "To", "Subject", "Date", "Message-ID"):
        assert len(message.get_all(header) or []) == 1, header
    assert message["Subject"] == "Bekräfta din prenumeration på Trygg i Österåker"
    assert message["From"].addresses[0].display_name == "Trygg i Österåker"
    assert message["To"] == "anna@example.org"
    assert message["Message-ID"] == notice.message_id
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    for part in (text, html):
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert part.get_content_charset() == "utf-8"
    assert CONFIRM in text.get_content() and CONFIRM in html.get_content()
    assert "72 timmar" in text.get_content() and "30 dagar" in text.get_content()
    assert '<html lang="sv" dir="ltr">' in html.get_content()
    assert max(len(line) for line in notice.raw.split(b"\n")) <= 78
    assert b"\r\n" not in notice.raw  # transports convert line endings themselves


def test_the_link_email_has_both_links() -> None:
    notice = link_notice(
        SETTINGS, to="bo@example.org", manage_url=MANAGE, unsubscribe_url=UNSUB, now=NOW
    )
    message = parsed(notice)
    assert message["Subject"] == "Din länk till Trygg i Österåker"
    body = message.get_body(("plain",))
    assert body is not None
    content = body.get_content()
    assert MANAGE in content and UNSUB in content
    assert "Ingenting har ändrats" in content


def test_html_in_a_url_is_escaped() -> None:
    notice = confirmation_notice(
        SETTINGS, to="anna@example.org", confirm_url='https://x.se/"><script>', now=NOW
    )
    html = parsed(notice).get_body(("html",))
    assert html is not None
    assert "<script>" not in html.get_content()


def test_an_international_domain_is_sent_in_its_ascii_form() -> None:
    notice = confirmation_notice(SETTINGS, to="anna@räksmörgås.se", confirm_url=CONFIRM, now=NOW)
    assert notice.recipient == "anna@xn--rksmrgs-5wao1o.se"
    assert parsed(notice)["To"] == "anna@xn--rksmrgs-5wao1o.se"


def test_an_address_that_cannot_be_sent_to_is_refused() -> None:
    with pytest.raises(ValidationError):
        confirmation_notice(SETTINGS, to="anna\n@example.org", confirm_url=CONFIRM, now=NOW)
