"""Pre-encoded messages read back by the stdlib parser exactly as rendered, tokens spliced in.

One text/plain and one text/html part (UTF-8, quoted-printable), subject and
recipient with å/ä/ö intact, both List-Unsubscribe forms with a token that
verifies, no line over 998 characters and no body line over 76, and no header
value that could smuggle in a header of its own.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import cast

import pytest
from delivery_factories import BASE_URL, SUBJECT, rendered_variant, template_for

from tryggnews.delivery.message import MessageTemplate
from tryggnews.errors import LintError
from tryggnews.render.model import (
    MANAGE_TOKEN_PLACEHOLDER,
    UNSUBSCRIBE_TOKEN_PLACEHOLDER,
    RenderedVariant,
)
from tryggnews.subscribers.tokens import TokenPurpose, TokenSigner

MANAGE, UNSUB = MANAGE_TOKEN_PLACEHOLDER, UNSUBSCRIBE_TOKEN_PLACEHOLDER
SIGNER = TokenSigner("test-secret-key-that-is-long-enough-0123456789")
DATE = datetime(2027, 3, 10, 9, 30, tzinfo=timezone(timedelta(hours=1)))
SALT = "9c0ffee0" * 4


def _tokens(subscriber_id: int = 4711, salt: str = SALT) -> tuple[str, str]:
    return SIGNER.manage_token(subscriber_id, salt), SIGNER.unsubscribe_token(subscriber_id, salt)


def _build(template: MessageTemplate, **overrides: object) -> bytes:
    manage, unsub = _tokens()
    values: dict[str, object] = {
        "to_address": "asa.oberg@example.org",
        "to_name": "Åsa Öberg",
        "manage_token": manage,
        "unsubscribe_token": unsub,
        "message_id": "<2027-1.17.abcdef@trygg.example.se>",
        "date": DATE,
    }
    values.update(overrides)
    return template.build(**values)  # type: ignore[arg-type]


def _parse(raw: bytes) -> EmailMessage:
    return cast(EmailMessage, message_from_bytes(raw, policy=policy.default))


def _personalised(content: str, manage: str, unsub: str) -> str:
    return content.replace(MANAGE, manage).replace(UNSUB, unsub)


def _body_lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\n\n", 1)[1].split(b"\n")


def _check_round_trip(rendered: RenderedVariant, raw: bytes, manage: str, unsub: str) -> None:
    message = _parse(raw)
    assert message.defects == []
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    for part in parts:
        assert cast(EmailMessage, part).get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert part.defects == []
    text, html = (cast(EmailMessage, p).get_content() for p in parts)
    assert text == _personalised(rendered.text, manage, unsub)
    assert html == _personalised(rendered.html, manage, unsub)
    assert max(len(line) for line in raw.split(b"\n")) <= 998
    assert max(len(line) for line in _body_lines(raw)) <= 76


def test_round_trip_subject_recipient_parts_and_tokens() -> None:
    rendered = rendered_variant("v1")
    raw = _build(template_for(rendered))
    manage, unsub = _tokens()
    _check_round_trip(rendered, raw, manage, unsub)

    message = _parse(raw)
    assert raw.isascii()
    assert message["Subject"] == SUBJECT
    assert str(message["To"]) == "Åsa Öberg <asa.oberg@example.org>"
    assert message["To"].addresses[0].display_name == "Åsa Öberg"
    assert str(message["From"]) == "Trygg i Österåker <nyhetsbrev@trygg.example.se>"
    assert message["Message-ID"] == "<2027-1.17.abcdef@trygg.example.se>"
    assert message["Date"].datetime == DATE
    assert message["MIME-Version"] == "1.0"
    assert message["List-Id"] == "Trygg i Österåker <trygg.example.se>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Precedence"] == "bulk"
    assert message["Feedback-ID"] == "2027-1:trygg:1"
    for field in ("From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe"):
        assert len(message.get_all(field) or []) == 1, field


def test_list_unsubscribe_has_https_and_mailto_with_a_verifying_token() -> None:
    raw = _build(template_for(rendered_variant("v1")))
    _, unsub = _tokens()
    header = str(_parse(raw)["List-Unsubscribe"])
    uris = re.findall(r"<([^>]+)>", header)
    assert uris == [
        f"{BASE_URL}/u/{unsub}",
        f"mailto:avregistrera@trygg.example.se?subject={unsub}",
    ]
    token = uris[0].rsplit("/", 1)[1]
    claims = SIGNER.verify(TokenPurpose.UNSUBSCRIBE, token)
    assert (claims.subscriber_id, claims.token_salt) == (4711, SALT)
    # Folded between the two URIs, never inside one.
    raw_header = raw.split(b"List-Unsubscribe: ", 1)[1].split(b"\nList-Unsubscribe-Post", 1)[0]
    assert raw_header.count(b"\n") == 1


def test_large_html_keeps_short_lines_and_decodes_identically() -> None:
    row = '<tr><td style="padding:0 24px;font-family:Arial,sans-serif">Årets trygghetsvandring i Åkersberga centrum – anmäl dig!</td></tr>\n'  # noqa: E501
    rendered = rendered_variant("big", extra_html=row * 400 + "x" * 3000 + "\n")
    assert len(rendered.html.encode()) > 50_000
    raw = _build(template_for(rendered))
    manage, unsub = _tokens()
    _check_round_trip(rendered, raw, manage, unsub)


TRICKY = {
    "adjacent placeholders": f"{MANAGE}{UNSUB}{MANAGE}",
    "placeholder first and last": f"{UNSUB} mitten {MANAGE}",
    "placeholder at line starts": f"rad\n{MANAGE}\n{UNSUB}\nslut\n",
    "spaces and tabs around": f"Ändra: \t{MANAGE} \nAvsluta:\t {UNSUB}\t\n",
    "long line around": "å" * 120 + MANAGE + "=" * 150 + UNSUB + "ö" * 90,
    "crlf line endings": f"rad ett\r\nlänk {MANAGE}\r\n{UNSUB}\r\n",
}


@pytest.mark.parametrize("content", TRICKY.values(), ids=TRICKY.keys())
@pytest.mark.parametrize("salt", [SALT, "f" * 64], ids=["short-token", "long-token"])
def test_tokens_splice_anywhere(content: str, salt: str) -> None:
    rendered = RenderedVariant(key="t", subject="Hej", html=content, text=content)
    manage, unsub = _tokens(123456, salt)
    raw = _build(template_for(rendered), manage_token=manage, unsubscribe_token=unsub)
    expected = content.replace("\r\n", "\n")
    message = _parse(raw)
    text, html = (cast(EmailMessage, p).get_content() for p in message.iter_parts())
    assert text == html == _personalised(expected, manage, unsub)
    assert max(len(line) for line in _body_lines(raw)) <= 76


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        (None, "asa.oberg@example.org"),
        ("", "asa.oberg@example.org"),
        ("Asa Oberg", "Asa Oberg <asa.oberg@example.org>"),
        ('Öberg, Åsa "Mamma"', '"Öberg, Åsa \\"Mamma\\"" <asa.oberg@example.org>'),
        ("Oberg, Asa", '"Oberg, Asa" <asa.oberg@example.org>'),
    ],
)
def test_recipient_names_are_encoded_or_quoted(name: str | None, shown: str) -> None:
    message = _parse(_build(template_for(rendered_variant("v1")), to_name=name))
    assert str(message["To"]) == shown
    assert message["To"].addresses[0].addr_spec == "asa.oberg@example.org"
    assert message["To"].addresses[0].display_name == (name or "")


def test_long_non_ascii_name_round_trips_within_line_limits() -> None:
    name = ("Åsa-Märta Öberg von Ekelöf " * 7).strip()
    raw = _build(template_for(rendered_variant("v1")), to_name=name)
    assert _parse(raw)["To"].addresses[0].display_name == name
    assert max(len(line) for line in raw.split(b"\n")) <= 998


def test_freak_name_that_cannot_fit_a_line_is_left_out() -> None:
    raw = _build(template_for(rendered_variant("v1")), to_name="🛟" * 200)
    assert str(_parse(raw)["To"]) == "asa.oberg@example.org"
    assert max(len(line) for line in raw.split(b"\n")) <= 998


def test_internationalised_domain_goes_out_in_idna_form() -> None:
    message = _parse(_build(template_for(rendered_variant("v1")), to_address="asa@räksmörgås.se"))
    assert message["To"].addresses[0].addr_spec == "asa@xn--rksmrgs-5wao1o.se"


@pytest.mark.parametrize(
    "overrides",
    [
        {"to_name": "Eve\r\nBcc: victim@example.org"},
        {"to_name": "Eve\nBcc: x"},
        {"to_name": "Eve\rBcc: x"},
        {"to_address": "eve@example.org\r\nBcc: x@example.org"},
        {"to_address": "eve@example.org>, <x@example.org"},
        {"to_address": "åsa@example.org"},
        {"message_id": "<a@b>\r\nBcc: x"},
        {"message_id": "no-brackets@example.se"},
        {"unsubscribe_token": "abc\r\nBcc: x"},
        {"manage_token": "abc=def"},
        {"date": datetime(2027, 3, 10, 9, 30)},
    ],
)
def test_values_that_cannot_go_into_a_header_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _build(template_for(rendered_variant("v1")), **overrides)


@pytest.mark.parametrize(
    "settings",
    [
        {"sender_name": "Trygg\r\nBcc: x"},
        {"sender_address": "nyhetsbrev@trygg.example.se\nBcc: x"},
        {"list_id_name": "Trygg\nBcc: x"},
        {"list_id_domain": "trygg.example.se>\nBcc: x"},
        {"unsubscribe_address": "a@b.se\nBcc: x"},
        {"base_url": "https://x.se/\r\nBcc: x"},
        {"feedback_id": "1:2\nBcc: x"},
    ],
)
def test_template_settings_with_line_breaks_are_refused(settings: dict[str, str]) -> None:
    values = {
        "sender_name": "Trygg i Österåker",
        "sender_address": "nyhetsbrev@trygg.example.se",
        "list_id_domain": "trygg.example.se",
        "unsubscribe_address": "avregistrera@trygg.example.se",
        "base_url": BASE_URL,
    } | settings
    with pytest.raises(ValueError):
        MessageTemplate.from_variant(rendered_variant("v1"), **values)  # type: ignore[arg-type]


def test_subject_with_line_break_is_refused() -> None:
    with pytest.raises(ValueError, match="Subject"):
        template_for(rendered_variant("v1", subject="Hej\r\nBcc: x@example.org"))


def test_variant_without_unsubscribe_link_is_refused() -> None:
    rendered = RenderedVariant(
        key="v9", subject="Hej", html=f"<a href='/p/{MANAGE}'>x</a>", text=f"{MANAGE} {UNSUB}"
    )
    with pytest.raises(LintError, match="v9: the HTML part has no TNxUNSUBxTOKEN"):
        template_for(rendered)


def test_each_build_is_independent() -> None:
    # The template is shared by every recipient of a variant: nothing leaks between them.
    template = template_for(rendered_variant("v1"))
    first = _parse(_build(template, to_name="Anna", to_address="anna@example.org"))
    manage, unsub = _tokens(5, "other-salt")
    second = _parse(
        _build(
            template,
            to_name=None,
            to_address="bo@example.org",
            manage_token=manage,
            unsubscribe_token=unsub,
        )
    )
    assert str(first["To"]) == "Anna <anna@example.org>"
    assert str(second["To"]) == "bo@example.org"
    text = cast(EmailMessage, next(second.iter_parts())).get_content()
    assert unsub in text and _tokens()[1] not in text


def test_date_keeps_its_offset() -> None:
    when = datetime(2027, 6, 1, 7, 0, tzinfo=UTC)
    message = _parse(_build(template_for(rendered_variant("v1")), date=when))
    assert message["Date"].datetime == when
