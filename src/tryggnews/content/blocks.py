"""Content blocks: validated creation and listing."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.content.organisations import BLOCK_OWNERS
from tryggnews.content.text import text_problems
from tryggnews.content.vocabulary import FOCUS_AREAS, Vocabulary
from tryggnews.db.models import Block, BlockStatus
from tryggnews.errors import ValidationError

TITLE_MAX = 200


@dataclass
class BlockInput:
    """What an editor submits for a block, before validation."""

    title: str
    body_md: str
    organisation: str
    focus_area: str
    author: str
    audiences: list[str] = field(default_factory=list)
    image_url: str | None = None
    image_alt: str | None = None
    cta_url: str | None = None
    cta_label: str | None = None
    status: str = BlockStatus.DRAFT.value
    evergreen: bool = False


def _is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def block_problems(data: BlockInput, vocabulary: Vocabulary) -> list[str]:
    """Every reason the block cannot be stored, each naming the field."""
    problems: list[str] = []
    title = data.title.strip()
    if not title:
        problems.append("rubrik: blocket behöver en rubrik")
    elif len(title) > TITLE_MAX:
        problems.append(f"rubrik: högst {TITLE_MAX} tecken (nu {len(title)})")
    if not data.body_md.strip():
        problems.append("text: blocket behöver en text")
    if data.organisation not in BLOCK_OWNERS:
        problems.append(
            f"organisation: okänd {data.organisation!r}, välj {', '.join(BLOCK_OWNERS)}"
        )
    if not data.focus_area:
        problems.append("fokusområde: varje block hör till ett fokusområde (eller gemensamt)")
    elif data.focus_area not in FOCUS_AREAS:
        problems.append(f"fokusområde: okänt {data.focus_area!r}, välj {', '.join(FOCUS_AREAS)}")
    try:
        vocabulary.audience_keys(data.audiences)
    except ValidationError as exc:
        problems.append(f"målgrupper: {exc}")
    if data.image_url:
        if not _is_web_url(data.image_url):
            problems.append("bild: adressen måste börja med https://")
        if not (data.image_alt or "").strip():
            problems.append("bild: en bild behöver en alt-text som beskriver den")
    if bool(data.cta_url) != bool(data.cta_label):
        problems.append("knapp: ange både text och länk, eller ingetdera")
    if data.cta_url and not _is_web_url(data.cta_url):
        problems.append("knapp: länken måste börja med https://")
    if data.status not in {s.value for s in BlockStatus}:
        problems.append(f"status: okänd {data.status!r}")
    problems += text_problems(block_texts(data), multiline=("text",))
    return problems


def block_texts(data: BlockInput) -> list[tuple[str, str | None]]:
    """The block's free-text fields by their Swedish names (``text`` may hold line breaks)."""
    return [
        ("rubrik", data.title.strip()),
        ("text", data.body_md),
        ("bild", data.image_url),
        ("alt-text", (data.image_alt or "").strip()),
        ("knapplänk", data.cta_url),
        ("knapptext", (data.cta_label or "").strip()),
    ]


def create_block(session: Session, data: BlockInput, vocabulary: Vocabulary) -> Block:
    """Validate and add a block; raises ValidationError listing every problem."""
    problems = block_problems(data, vocabulary)
    if problems:
        raise ValidationError("; ".join(problems))
    block = Block(
        title=data.title.strip(),
        body_md=data.body_md.strip() + "\n",
        organisation_key=data.organisation,
        focus_area_key=data.focus_area,
        audiences=vocabulary.audience_keys(data.audiences),
        image_url=data.image_url or None,
        image_alt=(data.image_alt or "").strip() or None,
        cta_url=data.cta_url or None,
        cta_label=(data.cta_label or "").strip() or None,
        status=BlockStatus(data.status),
        evergreen=data.evergreen,
        author=data.author,
    )
    session.add(block)
    session.flush()
    return block


def list_blocks(
    session: Session, *, status: str | None = None, organisation: str | None = None
) -> list[Block]:
    query = select(Block).order_by(Block.id)
    if status:
        query = query.where(Block.status == BlockStatus(status))
    if organisation:
        query = query.where(Block.organisation_key == organisation)
    return list(session.scalars(query))
