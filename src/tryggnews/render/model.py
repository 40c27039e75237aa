"""What the renderer takes and gives: plain frozen data, no ORM objects.

Per-recipient values are not known when a variant is rendered; the templates get
placeholders instead, and the delivery layer substitutes each recipient's values
into the finished HTML and text. Placeholders are short ASCII words with no
characters that HTML escaping, URL quoting or quoted-printable would change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The recipient's signed token for the preference page (BASE_URL/p/<token>).
MANAGE_TOKEN_PLACEHOLDER = "TNxMANAGExTOKEN"  # noqa: S105 (a placeholder, not a secret)
# The recipient's signed token for one-click unsubscribe (BASE_URL/u/<token>).
UNSUBSCRIBE_TOKEN_PLACEHOLDER = "TNxUNSUBxTOKEN"  # noqa: S105
PLACEHOLDERS = (MANAGE_TOKEN_PLACEHOLDER, UNSUBSCRIBE_TOKEN_PLACEHOLDER)


@dataclass(frozen=True)
class Logo:
    """A masthead logo: an absolute URL served by the app, and its alt text."""

    url: str
    alt: str


@dataclass(frozen=True)
class Sender:
    """Who sends the newsletter and where links point; the same for every variant."""

    name: str
    address: str
    base_url: str
    organisations: tuple[str, ...] = (
        "Österåkers kommun",
        "Polisen, lokalpolisområde Södra Roslagen",
    )
    # Where the public archive and calendar live; empty: base_url.
    public_url: str = ""
    # The organisations' logos for the masthead (TRYGGNEWS_LOGO_*); none by default.
    logos: tuple[Logo, ...] = ()


@dataclass(frozen=True)
class RenderedVariant:
    """A finished variant: HTML and text containing the per-recipient placeholders."""

    key: str
    subject: str
    html: str
    text: str
    block_ids: tuple[int, ...] = field(default=())
