"""The message builder, for any printable subject, name and text: what the standard library
parses back from the built bytes is exactly the subject, the recipient and the text part."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage

from hypothesis import given, settings
from hypothesis import strategies as st

from tryggnews.delivery.message import MessageTemplate
from tryggnews.render.model import (
    MANAGE_TOKEN_PLACEHOLDER,
    UNSUBSCRIBE_TOKEN_PLACEHOLDER,
    RenderedVariant,
)

MANAGE = "manageToken_123"
UNSUBSCRIBE = "unsubToken-456"
ADDRESS = "anna.andersson@example.se"
# Printable text as an editor or a subscriber writes it: letters in any script, digits,
# punctuation, symbols and single spaces; no control characters (the input checks
# refuse those) and no runs of spaces at the ends (the input trims them).
_WORD = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N", "P", "S", "M")),
    min_size=1,
    max_size=20,
)
PRINTABLE = st.lists(_WORD, min_size=1, max_size=8).map(" ".join).filter(lambda s: len(s) <= 200)
LINES = st.lists(PRINTABLE, min_size=1, max_size=6).map("\n".join)


def _variant(subject: str, text: str) -> RenderedVariant:
    links = f"/p/{MANAGE_TOKEN_PLACEHOLDER} /u/{UNSUBSCRIBE_TOKEN_PLACEHOLDER}"
    return RenderedVariant(
        key="v1",
        subject=subject,
        html=f"<p>hej</p><a href='x{links}'>länk</a>",
        text=f"{text}\n{links}\n",
        block_ids=(1,),
    )


def _parse(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@settings(max_examples=200, deadline=None, database=None)
@given(subject=PRINTABLE, name=PRINTABLE, text=LINES)
def test_built_message_parses_back_to_the_same_subject_recipient_and_text(
    subject: str, name: str, text: str
) -> None:
    template = MessageTemplate.from_variant(
        _variant(subject, text),
        sender_name="Trygg i Österåker",
        sender_address="nyhetsbrev@example.se",
        list_id_domain="trygg.example.se",
        unsubscribe_address="avregistrera@example.se",
        base_url="https://trygg.example.se",
    )
    raw = template.build(
        to_address=ADDRESS,
        to_name=name,
        manage_token=MANAGE,
        unsubscribe_token=UNSUBSCRIBE,
        message_id="<1.v1@example.se>",
        date=datetime(2027, 2, 15, 7, 0, tzinfo=UTC),
    )
    assert all(len(line) <= 998 for line in raw.split(b"\n"))
    parsed = _parse(raw)
    assert parsed["Subject"] == subject
    (recipient,) = parsed["To"].addresses
    assert recipient.addr_spec == ADDRESS
    assert recipient.display_name == name
    plain = parsed.get_body(("plain",))
    assert plain is not None
    assert plain.get_content() == f"{text}\n/p/{MANAGE} /u/{UNSUBSCRIBE}\n"
