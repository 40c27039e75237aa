"""The finished MIME message, built once per variant and personalised per recipient.

Building each message with ``email.message.EmailMessage`` costs about 3 ms, mostly
pure-Python quoted-printable of the HTML: that would cap a core below the speed of
a local SMTP server. So a ``MessageTemplate`` encodes each variant once — headers
that never change, and the HTML and text split at the token placeholders, each
constant segment quoted-printable encoded by ``binascii`` — and ``build`` only
joins bytes: the recipient's headers, the encoded segments and the tokens.

Splicing stays valid quoted-printable because tokens are ASCII without ``=``
(quoted-printable leaves them as they are) and sit between soft line breaks
(``=`` at the end of a line), which decoding removes: the reader sees the URL
whole, and no body line exceeds 76 characters. Header values are checked for CR
and LF so no value can add a header of its own; non-ASCII text in headers is
RFC 2047-encoded by the standard library, never by hand.

Line endings are ``\\n`` (a Maildir on Unix) unless ``build`` is asked for another
``MessageForm``: CRLF (what ``DkimSigner.sign`` takes), or the SMTP ``wire`` form
(CRLF, dot-stuffed, with the end-of-data line). The constant segments are kept in
each form, converted once per template, so a message in any form is still one join
and nothing scans or copies the 40 KB per recipient (docs/performance.md).
"""

from __future__ import annotations

import binascii
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.charset import Charset
from email.header import Header
from email.utils import format_datetime, formataddr

from email_validator import EmailNotValidError, validate_email

from tryggnews.errors import LintError
from tryggnews.render.model import (
    MANAGE_TOKEN_PLACEHOLDER,
    UNSUBSCRIBE_TOKEN_PLACEHOLDER,
    RenderedVariant,
)
from tryggnews.subscribers.tokens import TOKEN_ALPHABET
from tryggnews.transports.base import MessageForm

# Quoted-printable lines are at most 76 characters, the "=" of a soft break included.
QP_LINE = 76
# RFC 5322: no line of a message may be longer than 998 characters.
MAX_LINE = 998

_SLOTS = {MANAGE_TOKEN_PLACEHOLDER: 0, UNSUBSCRIBE_TOKEN_PLACEHOLDER: 1}
_SPLIT = re.compile(f"({MANAGE_TOKEN_PLACEHOLDER}|{UNSUBSCRIBE_TOKEN_PLACEHOLDER})")
# Characters that would end a header line or smuggle in another one.
_LINE_BREAKS = re.compile(r"[\r\n\x00\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Plain ASCII addr-spec: what a header can carry between angle brackets unencoded
# (an internationalised domain is turned into its IDNA form first).
_ADDRESS = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?"
)
_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?")
_MESSAGE_ID = re.compile(r"<[\x21-\x3b\x3d\x3f\x41-\x7e]+@[\x21-\x3b\x3d\x3f-\x7e]+>")
_BASE_URL = re.compile(r"https?://[\x21\x23-\x3b\x3d\x3f-\x7e]+")
# Far above a real token (~90 characters); keeps the List-Unsubscribe lines short.
MAX_TOKEN = 400
_ASCII_VALUE = re.compile(r"[\x20-\x7e]+")
_UTF8 = Charset("utf-8")


def check_header_value(field: str, value: str) -> str:
    """Return ``value`` unchanged, or raise ``ValueError`` if it holds a line break.

    A CR or LF in a header value would end the header and let the rest of the
    value become headers of its own (``Bcc:`` …): refused, never cleaned up.
    """
    if _LINE_BREAKS.search(value):
        raise ValueError(f"{field} contains a line break or control character: {value!r}")
    return value


def mailbox_header(field: str, name: str | None, address: str) -> str:
    """``Name <address>`` (or the bare address) for a From or To header, on one line.

    The display name is quoted or RFC 2047-encoded by the standard library; the
    address must be plain ASCII.
    """
    address = ascii_address(address, field=field)
    if not name:
        return address
    return _phrase_with_angle(field, name, address)


def ascii_address(address: str, *, field: str = "recipient") -> str:
    """``address`` as a header and an SMTP envelope carry it: plain ASCII.

    Subscribers' addresses are stored with an internationalised domain in Unicode
    (räksmörgås.se), as people wrote it; this returns its IDNA form. A non-ASCII
    local part needs SMTPUTF8, which most receiving servers lack: ``ValueError``,
    as for a line break or anything else that is not a plain address.
    """
    check_header_value(field, address)
    if not address.isascii():
        # Rare, so the full validator (a declared dependency) is affordable here.
        try:
            info = validate_email(address, check_deliverability=False, allow_smtputf8=False)
        except EmailNotValidError as exc:
            raise ValueError(f"{field} address {address!r} cannot be sent: {exc}") from None
        address = info.ascii_email or address
    if not _ADDRESS.fullmatch(address):
        raise ValueError(f"{field} address {address!r} is not a plain ASCII e-mail address")
    return address


def _phrase_with_angle(field: str, phrase: str, inner: str) -> str:
    check_header_value(field, phrase)
    # formataddr quotes an ASCII name and makes a non-ASCII one a single RFC 2047
    # encoded-word. One word, not several: the stdlib's address parser keeps the
    # space between adjacent encoded-words (RFC 2047 says drop it), so a name split
    # over several words would read back with stray spaces in Python-based tools.
    value = formataddr((phrase, inner), _UTF8)
    if len(field) + 2 + len(value) > MAX_LINE:
        # Only a freak name (hundreds of 4-byte characters) gets here; the name is
        # cosmetic, the address is not.
        return inner
    return value


def _fold(field: str, value: str) -> str:
    """One header, RFC 2047-encoded and folded by the standard library, ending in ``\\n``."""
    check_header_value(field, value)
    if value.isascii():
        # policy.fold() passes a short str through unencoded; a header object always encodes.
        return str(policy.default.header_factory(field, value).fold(policy=policy.default))
    # Non-ASCII: the policy folder puts a space that falls between two encoded-words
    # outside them, where decoders drop it (RFC 2047 6.2): "a ¡ b" came back "a ¡b".
    # Header keeps every space inside an encoded-word, so the text reads back exactly.
    encoded = Header(value, _UTF8, header_name=field).encode(linesep="\n", maxlinelen=QP_LINE)
    return f"{field}: {encoded}\n"


def _ascii_setting(field: str, value: str) -> str:
    check_header_value(field, value)
    if not _ASCII_VALUE.fullmatch(value) or len(value) > 500:
        raise ValueError(f"{field} must be printable ASCII of at most 500 characters: {value!r}")
    return value


def _encode_token(token: str, form: MessageForm = MessageForm.LF) -> bytes:
    """A token as it goes into a quoted-printable body, broken by soft breaks if long.

    It always starts a line (the piece before it ends with a line break,
    ``_encode_part``), which the ``wire`` form's dot-stuffing relies on."""
    raw = token.encode("ascii")
    step = QP_LINE - 1
    if len(raw) > step:
        raw = b"=\n".join(raw[i : i + step] for i in range(0, len(raw), step))
    if form == MessageForm.LF:
        return raw
    return _convert(raw, form, line_start=True)


def _convert(piece: bytes, form: MessageForm, *, line_start: bool) -> bytes:
    """An ``\\n`` piece in ``form``; ``line_start``: whether the piece begins a line."""
    if form == MessageForm.LF:
        return piece
    piece = piece.replace(b"\n", b"\r\n")
    if form == MessageForm.WIRE:
        piece = piece.replace(b"\r\n.", b"\r\n..")
        if line_start and piece.startswith(b"."):
            piece = b"." + piece
    return piece


@dataclass(frozen=True)
class _EncodedPart:
    """A body part: encoded constant pieces around token slots (0 manage, 1 unsubscribe).

    ``pieces`` has one more element than ``slots``; the message is
    ``pieces[0] + token[slots[0]] + pieces[1] + …``.
    """

    pieces: tuple[bytes, ...]
    slots: tuple[int, ...]


def _encode_part(content: str) -> _EncodedPart:
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    split = _SPLIT.split(content)
    segments, names = split[0::2], split[1::2]
    last = len(segments) - 1
    pieces: list[bytes] = []
    for i, segment in enumerate(segments):
        encoded = binascii.b2a_qp(segment.encode("utf-8"), istext=True)
        # A token stands on a line of its own between soft breaks, so a line never
        # grows past 76 and the decoded text runs on without a visible break.
        if i > 0 and (encoded or i < last) and not encoded.startswith(b"\n"):
            encoded = b"=\n" + encoded
        if i < last and encoded and not encoded.endswith(b"\n"):
            encoded += b"=\n"
        pieces.append(encoded)
    return _EncodedPart(tuple(pieces), tuple(_SLOTS[name] for name in names))


def _missing_links(kind: str, content: str) -> list[str]:
    return [
        f"the {kind} part has no {placeholder} placeholder (a link every message must carry)"
        for placeholder in (MANAGE_TOKEN_PLACEHOLDER, UNSUBSCRIBE_TOKEN_PLACEHOLDER)
        if placeholder not in content
    ]


class MessageTemplate:
    """One variant's message, encoded once; ``build`` makes each recipient's bytes.

    Build one per ``RenderedVariant`` when a send starts and reuse it for every
    recipient of that variant.
    """

    def __init__(
        self,
        *,
        variant_key: str,
        head_from: str,
        head_subject: str,
        head_list: str,
        head_tail: str,
        unsubscribe_url: str,
        unsubscribe_mailto: str,
        body: tuple[bytes, ...],
        slots: tuple[int, ...],
    ) -> None:
        # Use from_variant(); this takes the already encoded pieces.
        self.variant_key = variant_key
        self._head_from = head_from
        self._head_subject = head_subject
        self._head_list = head_list
        self._head_tail = head_tail
        self._unsubscribe_url = unsubscribe_url
        self._unsubscribe_mailto = unsubscribe_mailto
        self._slots = slots
        if not all(piece.endswith(b"\n") for piece in body[:-1]):
            # ``_encode_part`` puts each token at the start of a line; the wire form's
            # dot-stuffing of the tokens (``_encode_token``) relies on it.
            raise ValueError("a token slot does not start a line")
        # Every constant piece converted once per form. A piece after a token never
        # begins a line (a token holds no line break at its end); the first follows
        # the header block's blank line.
        self._bodies = {
            form: tuple(_convert(piece, form, line_start=n == 0) for n, piece in enumerate(body))
            for form in MessageForm
        }
        self._bodies[MessageForm.WIRE] = (
            *self._bodies[MessageForm.WIRE][:-1],
            self._bodies[MessageForm.WIRE][-1] + b".\r\n",
        )
        self._date: tuple[datetime, str] | None = None

    @classmethod
    def from_variant(
        cls,
        rendered: RenderedVariant,
        *,
        sender_name: str,
        sender_address: str,
        list_id_name: str = "Trygg i Österåker",
        list_id_domain: str,
        unsubscribe_address: str,
        base_url: str,
        feedback_id: str | None = None,
    ) -> MessageTemplate:
        """Encode a rendered variant's headers and parts once.

        Raises ``ValueError`` for a header value with a line break or a non-ASCII
        address, and ``LintError`` when the HTML or text part lacks the manage or
        unsubscribe placeholder (every message must let the reader leave).
        """
        problems = _missing_links("HTML", rendered.html) + _missing_links("text", rendered.text)
        if problems:
            raise LintError([f"variant {rendered.key}: {p}" for p in problems])
        if not _DOMAIN.fullmatch(list_id_domain):
            raise ValueError(f"List-Id domain {list_id_domain!r} must be an ASCII domain")
        base_url = _ascii_setting("base URL", base_url).rstrip("/")
        if not _BASE_URL.fullmatch(base_url):
            raise ValueError(f"base URL {base_url!r} must be an ASCII http(s) URL, no spaces or <>")
        if not _ADDRESS.fullmatch(check_header_value("unsubscribe address", unsubscribe_address)):
            raise ValueError(f"unsubscribe address {unsubscribe_address!r} is not plain ASCII")

        # A fixed random boundary per template. "=_" never occurs in quoted-printable
        # output (an "=" is followed by hex digits or a line end) nor in a token,
        # so the boundary cannot collide with any body.
        boundary = "=_tn" + secrets.token_hex(16)
        head_list = (
            "MIME-Version: 1.0\n"
            f"List-Id: {_phrase_with_angle('List-Id', list_id_name, list_id_domain)}\n"
        )
        tail = [
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n",
            "Auto-Submitted: auto-generated\n",
            "Precedence: bulk\n",
        ]
        if feedback_id:
            tail.append(f"Feedback-ID: {_ascii_setting('Feedback-ID', feedback_id)}\n")
        tail.append(f'Content-Type: multipart/alternative;\n boundary="{boundary}"\n\n')

        text = _encode_part(rendered.text)
        html = _encode_part(rendered.html)
        part_head = (
            '--{b}\nContent-Type: text/{sub}; charset="utf-8"\n'
            "Content-Transfer-Encoding: quoted-printable\n\n"
        )
        # Body = text part, then HTML part, as one run of constant pieces and slots;
        # the part headers and boundaries are glued onto the neighbouring pieces.
        open_text = part_head.format(b=boundary, sub="plain").encode("ascii")
        open_html = ("\n" + part_head.format(b=boundary, sub="html")).encode("ascii")
        close = f"\n--{boundary}--\n".encode("ascii")
        body = [open_text + text.pieces[0], *text.pieces[1:]]
        body[-1] += open_html + html.pieces[0]
        body.extend(html.pieces[1:])
        body[-1] += close

        return cls(
            variant_key=rendered.key,
            head_from=f"From: {mailbox_header('From', sender_name, sender_address)}\n",
            head_subject=_fold("Subject", rendered.subject),
            head_list=head_list,
            head_tail="".join(tail),
            unsubscribe_url=f"{base_url}/u/",
            unsubscribe_mailto=f"mailto:{unsubscribe_address}?subject=",
            body=tuple(body),
            slots=text.slots + html.slots,
        )

    def build(
        self,
        *,
        to_address: str,
        to_name: str | None,
        manage_token: str,
        unsubscribe_token: str,
        message_id: str,
        date: datetime,
        form: MessageForm = MessageForm.LF,
    ) -> bytes:
        """One recipient's complete message (``\\n`` line endings, or ``form``).

        Raises ``ValueError`` for a value that cannot go into a header: a line
        break anywhere, a non-ASCII address, a malformed Message-ID or token, or
        a naive ``date``.
        """
        to = mailbox_header("To", to_name, to_address)
        if not _MESSAGE_ID.fullmatch(message_id):
            raise ValueError(f"Message-ID {message_id!r} is not <left@right> in plain ASCII")
        if date.tzinfo is None:
            raise ValueError("the Date header needs a timezone-aware datetime")
        for field, token in (("manage", manage_token), ("unsubscribe", unsubscribe_token)):
            if len(token) > MAX_TOKEN or not TOKEN_ALPHABET.fullmatch(token):
                raise ValueError(f"{field} token is not URL-safe ASCII of 1–{MAX_TOKEN} characters")
        head = "".join(
            (
                self._head_from,
                "To: ",
                to,
                "\n",
                self._head_subject,
                "Date: ",
                self._formatted(date),
                "\nMessage-ID: ",
                message_id,
                "\n",
                self._head_list,
                # Two URIs, one per line: each stays far below 998 characters.
                "List-Unsubscribe: <",
                self._unsubscribe_url,
                unsubscribe_token,
                ">,\n <",
                self._unsubscribe_mailto,
                unsubscribe_token,
                ">\n",
                self._head_tail,
            )
        ).encode("ascii")
        if form != MessageForm.LF:
            # Header lines start with a name or a folding space: nothing to dot-stuff.
            head = head.replace(b"\n", b"\r\n")
        tokens = (_encode_token(manage_token, form), _encode_token(unsubscribe_token, form))
        body = self._bodies[form]
        out = [head, body[0]]
        for slot, piece in zip(self._slots, body[1:], strict=True):
            out.append(tokens[slot])
            out.append(piece)
        return b"".join(out)

    def _formatted(self, date: datetime) -> str:
        """The Date header's text; a batch's messages share one ``date``, formatted once."""
        cached = self._date
        if cached is None or cached[0] is not date:
            cached = self._date = (date, format_datetime(date))
        return cached[1]
