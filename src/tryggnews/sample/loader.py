"""Reads the sample content in blocks.toml and loads its blocks into the database, once."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.content.organisations import BLOCK_OWNERS
from tryggnews.content.vocabulary import FOCUS_AREAS, Vocabulary, check_keys
from tryggnews.db.models import Block, BlockStatus
from tryggnews.errors import ValidationError

MAX_TITLE_CHARS = 200  # blocks.title
_BLOCK_FIELDS = {
    "title",
    "organisation",
    "focus_area",
    "audiences",
    "body",
    "cta_label",
    "cta_url",
    "image_url",
    "image_file",
    "image_alt",
    "evergreen",
}
_ISSUE_FIELDS = {"title", "subject", "preheader", "intro"}


@dataclass(frozen=True)
class SampleBlock:
    title: str
    organisation: str
    focus_area: str
    audiences: tuple[str, ...]
    body_md: str
    cta_label: str | None = None
    cta_url: str | None = None
    image_url: str | None = None
    image_alt: str | None = None
    evergreen: bool = False
    # A picture shipped beside blocks.toml; the demo serves it from the app's media.
    image_file: str | None = None
    image_bytes: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SampleIssueText:
    """The texts of the demo issue; the demo decides its number and send date."""

    title: str
    subject: str
    preheader: str
    intro_md: str


@dataclass(frozen=True)
class SampleContent:
    issue: SampleIssueText
    blocks: tuple[SampleBlock, ...]


def read_sample(vocabulary: Vocabulary, path: Path | None = None) -> SampleContent:
    """Parse and check the sample file (default: the packaged ``blocks.toml``)."""
    if path is None:
        name = "blocks.toml"
        folder: Any = resources.files("tryggnews.sample")
        text = folder.joinpath(name).read_text(encoding="utf-8")
    else:
        name = str(path)
        folder = path.parent
        text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{name}: {exc}") from None
    issue = _issue(name, data.get("issue"))
    raw_blocks = data.get("blocks")
    if not isinstance(raw_blocks, list) or not raw_blocks:
        raise ValidationError(f"{name}: no [[blocks]]")
    blocks = tuple(
        _block(f"{name}: block {n}", raw, vocabulary, folder) for n, raw in enumerate(raw_blocks, 1)
    )
    titles = [block.title for block in blocks]
    repeated = sorted({title for title in titles if titles.count(title) > 1})
    if repeated:
        # Titles are how a second load recognises what the first one created.
        raise ValidationError(f"{name}: titles must be unique; repeated: {', '.join(repeated)}")
    return SampleContent(issue=issue, blocks=blocks)


def load_sample_blocks(
    session: Session,
    *,
    author: str,
    vocabulary: Vocabulary,
    path: Path | None = None,
    store_image: Callable[[bytes], str] | None = None,
) -> list[Block]:
    """Add the sample blocks that are missing, as approved; return all of them in file order.

    A block counts as present when a block with the same title exists, whatever an
    editor has changed in it since; so a second run creates nothing. Flushes,
    never commits: the caller owns the transaction. ``store_image`` stores the bytes
    of an ``image_file`` and returns the absolute URL it is served from; without it
    such a block is loaded without its picture (a link to nowhere would be worse).
    """
    sample = read_sample(vocabulary, path)
    titles = [block.title for block in sample.blocks]
    existing: dict[str, Block] = {}
    for found in session.scalars(select(Block).where(Block.title.in_(titles)).order_by(Block.id)):
        existing.setdefault(found.title, found)
    result: list[Block] = []
    for spec in sample.blocks:
        block = existing.get(spec.title)
        if block is None:
            image_url, image_alt = spec.image_url, spec.image_alt
            if spec.image_bytes is not None:
                image_url = store_image(spec.image_bytes) if store_image else None
                image_alt = image_alt if image_url else None
            block = Block(
                title=spec.title,
                body_md=spec.body_md,
                organisation_key=spec.organisation,
                focus_area_key=spec.focus_area,
                audiences=list(spec.audiences),
                cta_label=spec.cta_label,
                cta_url=spec.cta_url,
                image_url=image_url,
                image_alt=image_alt,
                evergreen=spec.evergreen,
                status=BlockStatus.APPROVED,
                author=author,
            )
            session.add(block)
        result.append(block)
    session.flush()
    return result


def _issue(name: str, raw: Any) -> SampleIssueText:
    if not isinstance(raw, Mapping):
        raise ValidationError(f"{name}: the [issue] table is missing")
    _no_unknown(f"{name}: [issue]", raw, _ISSUE_FIELDS)
    return SampleIssueText(
        title=_text(f"{name}: [issue]", raw, "title"),
        subject=_text(f"{name}: [issue]", raw, "subject"),
        preheader=_text(f"{name}: [issue]", raw, "preheader"),
        intro_md=_text(f"{name}: [issue]", raw, "intro"),
    )


def _block(where: str, raw: Any, vocabulary: Vocabulary, folder: Any) -> SampleBlock:
    if not isinstance(raw, Mapping):
        raise ValidationError(f"{where}: not a table")
    title = _text(where, raw, "title")
    where = f"{where} ({title!r})"
    if len(title) > MAX_TITLE_CHARS:
        raise ValidationError(f"{where}: the title is over {MAX_TITLE_CHARS} characters")
    _no_unknown(where, raw, _BLOCK_FIELDS)
    try:
        organisation = check_keys("organisation", [_text(where, raw, "organisation")], BLOCK_OWNERS)
        focus_area = check_keys("focus area", [_text(where, raw, "focus_area")], FOCUS_AREAS)
        audiences = raw.get("audiences", [])
        if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
            raise ValidationError("audiences must be a list of audience keys")
        audiences = vocabulary.audience_keys(audiences)
    except ValidationError as exc:
        raise ValidationError(f"{where}: {exc}") from None
    cta_label, cta_url = _optional(where, raw, "cta_label"), _optional(where, raw, "cta_url")
    if (cta_label is None) != (cta_url is None):
        raise ValidationError(f"{where}: give both cta_label and cta_url, or neither")
    image_url, image_alt = _optional(where, raw, "image_url"), _optional(where, raw, "image_alt")
    image_file = _optional(where, raw, "image_file")
    image_bytes = _image_bytes(where, folder, image_file) if image_file else None
    if image_url is not None and image_file is not None:
        raise ValidationError(f"{where}: give image_url or image_file, not both")
    if (image_url is not None or image_file is not None) and image_alt is None:
        raise ValidationError(
            f"{where}: an image needs image_alt, a text for those who cannot see it"
        )
    for key, url in (("cta_url", cta_url), ("image_url", image_url)):
        if url is not None and not url.startswith("https://"):
            raise ValidationError(f"{where}: {key} must start with https://")
    evergreen = raw.get("evergreen", False)
    if not isinstance(evergreen, bool):
        raise ValidationError(f"{where}: evergreen must be true or false")
    return SampleBlock(
        title=title,
        organisation=organisation[0],
        focus_area=focus_area[0],
        audiences=tuple(audiences),
        body_md=_text(where, raw, "body"),
        cta_label=cta_label,
        cta_url=cta_url,
        image_url=image_url,
        image_alt=image_alt,
        evergreen=evergreen,
        image_file=image_file,
        image_bytes=image_bytes,
    )


def _image_bytes(where: str, folder: Any, name: str) -> bytes:
    """A PNG beside the sample file, named plainly (no folders: nothing outside is read)."""
    if "/" in name or "\\" in name or not name.endswith(".png"):
        raise ValidationError(f"{where}: image_file must be the name of a .png file beside it")
    image = folder.joinpath(name)
    if not image.is_file():
        raise ValidationError(f"{where}: image_file {name!r} does not exist beside the sample")
    data: bytes = image.read_bytes()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValidationError(f"{where}: image_file {name!r} is not a PNG image")
    return data


def _no_unknown(where: str, raw: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ValidationError(
            f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def _text(where: str, raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{where}: {key} is missing or empty")
    return value.strip()


def _optional(where: str, raw: Mapping[str, Any], key: str) -> str | None:
    if key not in raw:
        return None
    return _text(where, raw, key)
