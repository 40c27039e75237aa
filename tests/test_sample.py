"""The sample content is valid, covers the five focus areas, and loads once however often run."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tryggnews.content.organisations import BLOCK_OWNERS
from tryggnews.content.vocabulary import FOCUS_AREAS, Vocabulary
from tryggnews.db.models import Block, BlockStatus
from tryggnews.editors.media import media_path, store_shipped_image
from tryggnews.errors import ValidationError
from tryggnews.sample import load_sample_blocks, read_sample

GOOD_BLOCK = """
[issue]
title = "T"
subject = "S"
preheader = "P"
intro = "I"

[[blocks]]
title = "Ett block"
organisation = "polis"
focus_area = "andts"
audiences = ["senior"]
body = "Text."
"""


def test_the_sample_has_an_issue_text_and_eight_to_ten_valid_blocks(vocabulary: Vocabulary) -> None:
    sample = read_sample(vocabulary)
    assert sample.issue.title and sample.issue.subject and sample.issue.preheader
    assert "112" in sample.issue.intro_md and "114 14" in sample.issue.intro_md
    assert 8 <= len(sample.blocks) <= 10
    for block in sample.blocks:
        assert block.organisation in BLOCK_OWNERS
        assert block.focus_area in FOCUS_AREAS
        assert set(block.audiences) <= set(vocabulary.audiences)
        assert len(block.title) <= 200 and block.body_md
    areas = {block.focus_area for block in sample.blocks}
    assert areas >= {"andts", "vald", "offentlig-miljo", "tillgrepp", "organiserad"}
    assert {block.organisation for block in sample.blocks} == set(BLOCK_OWNERS)
    assert any(not block.audiences for block in sample.blocks)  # some are for everyone


def test_links_and_images_stay_on_our_own_placeholder_domains(vocabulary: Vocabulary) -> None:
    sample = read_sample(vocabulary)
    ctas = [block for block in sample.blocks if block.cta_url]
    assert ctas
    for block in ctas:
        assert block.cta_label
        parts = urlsplit(block.cta_url or "")
        assert parts.scheme == "https"
        assert parts.hostname == "example.se" or (parts.hostname or "").endswith(".example.se")
    # Pictures are shipped beside the sample (a PNG we drew), never linked from a host.
    assert not [block for block in sample.blocks if block.image_url]
    images = [block for block in sample.blocks if block.image_file]
    assert images
    for block in images:
        assert (block.image_bytes or b"").startswith(b"\x89PNG\r\n\x1a\n")
        assert block.image_alt


def test_the_useful_numbers_appear_in_the_sample(vocabulary: Vocabulary) -> None:
    sample = read_sample(vocabulary)
    text = sample.issue.intro_md + "".join(block.body_md for block in sample.blocks)
    for number in ("112", "114 14", "020-50 50 50", "116 111"):
        assert number in text


def test_loading_twice_creates_the_blocks_once(
    session: Session, vocabulary: Vocabulary, tmp_path: Path
) -> None:
    media = tmp_path / "media"

    def store(data: bytes) -> str:
        return f"https://trygg.example.se/media/{store_shipped_image(media, data)}"

    first = load_sample_blocks(
        session, author="demo@example.org", vocabulary=vocabulary, store_image=store
    )
    session.commit()
    assert len(first) == len(read_sample(vocabulary).blocks)
    assert {block.status for block in first} == {BlockStatus.APPROVED}
    assert {block.author for block in first} == {"demo@example.org"}
    image_block = next(block for block in first if block.image_url)
    assert image_block.image_alt
    # The picture is in the app's media folder, under a name its serving route accepts.
    name = (image_block.image_url or "").rsplit("/", 1)[1]
    stored = media_path(media, name)
    assert stored is not None and stored.read_bytes().startswith(b"\x89PNG")
    assert store_shipped_image(media, stored.read_bytes()) == name  # same bytes, same name

    second = load_sample_blocks(session, author="someone-else@example.org", vocabulary=vocabulary)
    session.commit()
    assert [block.id for block in second] == [block.id for block in first]
    assert session.scalar(select(func.count()).select_from(Block)) == len(first)


def test_an_edited_block_is_kept_not_recreated(session: Session, vocabulary: Vocabulary) -> None:
    [first, *_] = load_sample_blocks(session, author="demo@example.org", vocabulary=vocabulary)
    first.body_md = "Redigerad text."
    session.commit()
    again = load_sample_blocks(session, author="demo@example.org", vocabulary=vocabulary)
    session.commit()
    assert again[0].id == first.id
    assert again[0].body_md == "Redigerad text."


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('audiences = ["senior"]', 'audiences = ["pensionar"]'), "unknown audience 'pensionar'"),
        (('focus_area = "andts"', 'focus_area = "trafik"'), "unknown focus area 'trafik'"),
        (('organisation = "polis"', 'organisation = "skolan"'), "unknown organisation"),
        (('body = "Text."', 'body = ""'), "body is missing"),
        (('body = "Text."', 'body = "Text."\nimage_url = "https://x.example.se/a.jpg"'), "alt"),
        (('body = "Text."', 'body = "Text."\ncta_url = "http://example.se/"'), "cta_label"),
        (('body = "Text."', 'body = "Text."\ncolour = "red"'), "unknown field"),
        (('body = "Text."', 'body = "Text."\nimage_file = "a.png"\nimage_alt = "A"'), "a.png"),
        (('body = "Text."', 'body = "Text."\nimage_file = "../x.png"\nimage_alt = "A"'), "beside"),
    ],
)
def test_a_bad_sample_file_names_the_block_and_the_problem(
    tmp_path: Path, change: tuple[str, str], message: str, vocabulary: Vocabulary
) -> None:
    path = tmp_path / "blocks.toml"
    path.write_text(GOOD_BLOCK.replace(*change), encoding="utf-8")
    with pytest.raises(ValidationError, match=message) as caught:
        read_sample(vocabulary, path)
    assert "block 1 ('Ett block')" in str(caught.value)


def test_a_good_minimal_file_reads(tmp_path: Path, vocabulary: Vocabulary) -> None:
    path = tmp_path / "blocks.toml"
    path.write_text(GOOD_BLOCK, encoding="utf-8")
    [block] = read_sample(vocabulary, path).blocks
    assert (block.title, block.audiences, block.cta_url) == ("Ett block", ("senior",), None)
