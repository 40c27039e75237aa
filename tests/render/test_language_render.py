"""A variant per reader language: translated texts, translated fixed text, Babel dates,
lang/dir, right-to-left layout and isolated numbers, and Swedish with a note as fallback."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from language_samples import (
    EVERY_AUDIENCE,
    LANGUAGES,
    translated_blocks,
    translated_issue,
    variant_in,
)
from render_samples import SENDER, TEMPLATES_DIR, rich_activities

from tryggnews.content.variants import VariantPlanner
from tryggnews.content.views import BlockView
from tryggnews.render.language import LRI, PDI, isolate_html, isolate_text
from tryggnews.render.model import RenderedVariant
from tryggnews.render.newsletter import NewsletterRenderer

NOTE_AR = "هذا القسم متوفر باللغة السويدية فقط."
SWEDISH_FIXED = (
    "Läs i webbläsaren",
    "Kommande aktiviteter",
    "Avsluta prenumerationen",
    "Vid akut fara",
    "Du får nyhetsbrevet",
    "Lägg i kalendern",
)


@pytest.fixture(scope="module")
def renderer() -> NewsletterRenderer:
    return NewsletterRenderer(TEMPLATES_DIR)


def render(renderer: NewsletterRenderer, language: str) -> RenderedVariant:
    issue = replace(translated_issue(), web_url="https://trygg.osteraker.example/arkiv/2027-2")
    return renderer.render_variant(issue, variant_in(language), rich_activities(), SENDER)


def test_an_arabic_variant_is_arabic_right_to_left_with_its_translations(
    renderer: NewsletterRenderer,
) -> None:
    variant = variant_in("ar")
    # Block 15 ("hoppa över") has no Arabic: left out; 14 ("endast på svenska") stays.
    assert [b.id for b in variant.blocks] == [11, 10, 12, 13, 14, 16]
    assert variant.language == "ar" and variant.key != variant_in("sv").key
    rendered = render(renderer, "ar")
    html = rendered.html
    assert '<html lang="ar" dir="rtl"' in html
    assert 'lang="ar" dir="rtl"' in html.split("<body", 1)[1]
    # mjml-python's sections and columns follow the root, never forced left to right.
    assert "direction:rtl" in html and "direction:ltr" not in html
    assert "text-align:right" in html
    assert "padding-right: 22px" in html  # lists indent on the reading side
    assert rendered.subject == "Trygg i Österåker العدد 2 2027: قبل فالبوري"
    assert "<title>Trygg i Österåker العدد 2 2027: قبل فالبوري</title>" in html
    assert "كيف تستعد لعطلة فالبوري." in html  # the preheader
    for arabic in ("اقرأ في المتصفح", "الأنشطة القادمة", "إلغاء الاشتراك في Trygg i Österåker"):
        assert arabic in html
    assert "الأربعاء، 7 أبريل 2027" in html  # Babel's Arabic date
    for swedish in SWEDISH_FIXED:
        assert swedish not in html, swedish
    # Phone numbers read left to right: the footer's links and the numbers in a body.
    assert '<a href="tel:11414" dir="ltr"' in html
    assert '<span dir="ltr">020-50 50 50</span>' in html
    assert '<span dir="ltr">114 14</span>' in html
    assert '<span dir="ltr">trygg@osteraker.example</span>' in html


def test_untranslated_blocks_fall_back_to_swedish_with_a_note_but_swedish_only_has_none(
    renderer: NewsletterRenderer,
) -> None:
    html = render(renderer, "ar").html
    # Blocks 13 and 16 fall back (one note each); 14 is "endast på svenska": no note.
    assert html.count(NOTE_AR) == 2
    for title in ("Medborgardialog i Åkersberga centrum", "Båtstölder ökar på våren"):
        before = html.split(title, 1)[0]
        assert before.rsplit("<div", 1)[1].startswith(' class="tn-sv" lang="sv" dir="ltr"')
    assert "Rekrytering av unga" not in html  # skipped
    sv = render(renderer, "sv").html
    assert "Rekrytering av unga" in sv and NOTE_AR not in sv
    assert "هذا القسم" not in render(renderer, "so").html


def test_the_arabic_text_part_is_arabic_with_isolated_numbers_and_addresses(
    renderer: NewsletterRenderer,
) -> None:
    text = render(renderer, "ar").text
    assert f"{LRI}114 14{PDI}" in text and f"{LRI}112{PDI}" in text
    assert f"({NOTE_AR})" in text
    assert re.search(f"إلغاء الاشتراك: {LRI}https://\\S+/u/TNxUNSUBxTOKEN{PDI}", text)
    assert "الأنشطة القادمة" in text
    for swedish in SWEDISH_FIXED:
        assert swedish not in text, swedish


def test_english_and_somali_get_their_fixed_text_dates_and_left_to_right(
    renderer: NewsletterRenderer,
) -> None:
    en = render(renderer, "en")
    assert '<html lang="en" dir="ltr"' in en.html
    assert en.subject == "Trygg i Österåker no. 2 2027"
    assert "Wednesday, 7 April 2027" in en.html and "Upcoming activities" in en.html
    assert "30 April\u2009–\u20092 May" in en.text  # CLDR: thin spaces around the dash
    assert "Lecture for parents on the Wednesday before Valborg" in en.html
    so = render(renderer, "so")
    assert '<html lang="so" dir="ltr"' in so.html and "Hawlaha soo socda" in so.html
    # Somali has no issue translation here: its title stays Swedish, marked and announced.
    assert "Qaybtan waxay ku qoran tahay iswiidhish oo keliya." in so.html
    assert so.subject == "Trygg i Österåker nr 2 2027: inför valborg"
    for swedish in SWEDISH_FIXED:
        assert swedish not in en.html and swedish not in so.text, swedish


def test_swedish_stays_swedish_and_left_to_right(renderer: NewsletterRenderer) -> None:
    sv = render(renderer, "sv")
    assert '<html lang="sv" dir="ltr"' in sv.html
    assert "onsdag 7 april 2027" in sv.html and "Kommande aktiviteter" in sv.html
    assert LRI not in sv.text and 'dir="ltr">114 14' not in sv.html.replace("tel:11414", "")


def test_isolating_leaves_markup_alone_and_wraps_runs() -> None:
    html = (
        '<p>Ring <a href="tel:11414">114 14</a> eller 112, <a href="https://a.se/x-1 2">här</a></p>'
    )
    isolated = isolate_html(html)
    assert 'href="https://a.se/x-1 2"' in isolated  # attribute untouched
    assert '<a href="tel:11414"><span dir="ltr">114 14</span></a>' in isolated
    assert isolate_text("ring 114 14 eller https://a.se/x.") == (
        f"ring {LRI}114 14{PDI} eller {LRI}https://a.se/x{PDI}."
    )


def test_a_swedish_block_in_arabic_keeps_its_button_on_the_left_with_its_text(
    renderer: NewsletterRenderer,
) -> None:
    # Block 11 without its Arabic: it falls back to Swedish, text and button left to right.
    def without_arabic(block: BlockView) -> BlockView:
        kept = tuple(t for t in block.translations if (block.id, t.language) != (11, "ar"))
        return replace(block, translations=kept)

    blocks = tuple(without_arabic(b) for b in translated_blocks())
    spec = VariantPlanner(blocks, {}, languages=LANGUAGES).variant_for(EVERY_AUDIENCE, (), "ar")
    html = renderer.render_variant(translated_issue(), spec, (), SENDER).html
    buttons = re.findall(
        r'<td align="(\w+)" vertical-align="middle" class="tn-button".*?<a href="([^"]+)"', html
    )
    aligned = {href.rsplit("/", 1)[1]: align for align, href in buttons}
    assert aligned["langning"] == "left"  # Swedish, as its text
    assert [align for name, align in aligned.items() if name != "langning"] == ["right"]
