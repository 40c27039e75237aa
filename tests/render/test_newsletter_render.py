"""One variant renders to accessible, self-contained HTML and a complete text part."""

from __future__ import annotations

import html
import itertools
import re
import shutil
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from html_checks import contrast, text_runs, urls_in
from render_samples import (
    BASE_URL,
    SENDER,
    TEMPLATES_DIR,
    make_block,
    make_issue,
    minimal_variant,
    rich_activities,
    rich_blocks,
    rich_variant,
)

from tryggnews.content.variants import VariantPlanner
from tryggnews.content.vocabulary import Vocabulary
from tryggnews.errors import TemplateError
from tryggnews.render.lint import encoded_html_size
from tryggnews.render.model import (
    MANAGE_TOKEN_PLACEHOLDER,
    UNSUBSCRIBE_TOKEN_PLACEHOLDER,
    RenderedVariant,
)
from tryggnews.render.newsletter import NewsletterRenderer, group_blocks
from tryggnews.render.structure import check_mjml_structure

MANAGE_URL = f"{BASE_URL}/p/{MANAGE_TOKEN_PLACEHOLDER}"
UNSUBSCRIBE_URL = f"{BASE_URL}/u/{UNSUBSCRIBE_TOKEN_PLACEHOLDER}"


@pytest.fixture(scope="module")
def renderer() -> NewsletterRenderer:
    return NewsletterRenderer(TEMPLATES_DIR)


@pytest.fixture(scope="module")
def rich(renderer: NewsletterRenderer) -> RenderedVariant:
    return renderer.render_variant(make_issue(), rich_variant(), rich_activities(), SENDER)


def test_result_carries_key_subject_and_block_ids(rich: RenderedVariant) -> None:
    assert rich.key == "vrich"
    assert rich.subject == make_issue().subject
    assert rich.block_ids == tuple(b.id for b in rich_blocks())


def test_html_is_swedish_with_title_and_preheader(rich: RenderedVariant) -> None:
    assert '<html lang="sv"' in rich.html
    assert f"<title>{make_issue().subject}</title>" in rich.html
    assert make_issue().preheader in rich.html
    assert '<meta name="color-scheme" content="light dark"' in rich.html
    assert '<meta name="supported-color-schemes" content="light dark"' in rich.html


def test_exactly_one_h1_and_headings_in_order(rich: RenderedVariant) -> None:
    assert rich.html.count("<h1") == 1
    levels = [int(level) for level in re.findall(r"<h([1-6])", rich.html)]
    assert levels[0] == 1
    for previous, current in itertools.pairwise(levels):
        assert current <= previous + 1, levels


def test_blocks_grouped_by_focus_area_common_first(rich: RenderedVariant) -> None:
    h2 = re.findall(r"<h2[^>]*>([^<]*)</h2>", rich.html)
    assert h2 == [
        "Gemensamt",
        "ANDTS – alkohol, narkotika, doping, tobak och spel om pengar",
        "Våldsprevention",
        "Säkerhet och trygghet i offentlig miljö",
        "Tillgreppsbrott",
        "Organiserad brottslighet",
        "Kommande aktiviteter",
    ]
    h3 = re.findall(r"<h3[^>]*>([^<]*)</h3>", rich.html)
    # Within "Gemensamt" the issue's order is kept: block 10 before block 16.
    assert h3[:2] == [
        "Föreläsning för föräldrar onsdagen innan valborg",
        "Nattvandring under valborgshelgen",
    ]
    assert "Från Österåkers kommun" in rich.html and "Från Polisen" in rich.html


def test_group_order_ignores_position_of_common_area() -> None:
    odd = replace(make_block(1, "gemensamt"), focus_area_position=99)
    groups = group_blocks([make_block(2, "vald"), odd])
    assert [g.key for g in groups] == ["gemensamt", "vald"]


def test_header_names_both_senders(rich: RenderedVariant) -> None:
    assert "Trygg i Österåker" in rich.html
    assert "Österåkers kommun och Polisen, lokalpolisområde Södra Roslagen" in rich.html


def test_image_and_button(rich: RenderedVariant) -> None:
    assert 'alt="Två vuxna nattvandrare i gula västar vid busstationen"' in rich.html
    assert 'href="https://www.osteraker.se/langning"' in rich.html
    assert "Läs om kampanjen mot langning" in rich.html
    for tag in re.findall(r"<img\b[^>]*>", rich.html):
        assert re.search(r'\salt="', tag), tag


def test_activities_with_swedish_dates_and_risk_weekend(rich: RenderedVariant) -> None:
    assert "Kommande aktiviteter" in rich.html
    assert "ons 28 april" in rich.html
    assert "30 april–2 maj" in rich.html
    assert "22–28 november" in rich.html
    assert "riskhelg" in rich.html
    # Sorted by date whatever order they were given in.
    assert rich.html.index("ons 28 april") < rich.html.index("30 april–2 maj")


def test_no_activities_section_when_variant_excludes_them(renderer: NewsletterRenderer) -> None:
    variant = rich_variant(include_activities=False)
    result = renderer.render_variant(make_issue(), variant, rich_activities(), SENDER)
    assert "Kommande aktiviteter" not in result.html
    assert "KOMMANDE AKTIVITETER" not in result.text


def test_no_activities_section_when_list_is_empty(renderer: NewsletterRenderer) -> None:
    result = renderer.render_variant(make_issue(), rich_variant(), (), SENDER)
    assert "Kommande aktiviteter" not in result.html


def test_footer_links_reason_and_numbers(rich: RenderedVariant) -> None:
    assert f'href="{MANAGE_URL}"' in rich.html
    assert f'href="{UNSUBSCRIBE_URL}"' in rich.html
    assert "Avsluta prenumerationen på Trygg i Österåker</a>" in rich.html
    assert "Innehållet är valt för: Föräldrar – årskurs 7–9, Personal – skola." in rich.html
    assert 'href="tel:112"' in rich.html and 'href="tel:11414"' in rich.html


def test_nothing_loaded_from_third_parties(rich: RenderedVariant) -> None:
    assert "fonts.googleapis" not in rich.html
    assert "@import" not in rich.html
    allowed = {urlsplit(BASE_URL).hostname}
    for block in rich_blocks():
        for field in (block.body_md, block.image_url or "", block.cta_url or ""):
            allowed.update(urlsplit(u).hostname for u in re.findall(r"https?://[^\s)>]+", field))
    hosts = {urlsplit(url).hostname for url in urls_in(rich.html)}
    assert hosts <= allowed, hosts - allowed
    for src in re.findall(r'\ssrc="([^"]*)"', rich.html):
        assert src.startswith("https://"), src


def test_system_font_stack_and_body_text_size(rich: RenderedVariant) -> None:
    stack = '-apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif'
    assert f"font-family:{stack};" in html.unescape(rich.html)
    assert "Ubuntu" not in rich.html  # mjml-python's default font is not left anywhere
    runs = text_runs(rich.html)
    assert runs
    small = [run for run in runs if run.font_px < 14]
    assert small == []
    body = [run for run in runs if "Det är olagligt att köpa ut alkohol" in run.text]
    assert body and body[0].font_px == 16


def test_contrast_is_at_least_4_5_everywhere(rich: RenderedVariant) -> None:
    failures = [
        (run.text[:30], run.colour, run.background, round(contrast(run.colour, run.background), 2))
        for run in text_runs(rich.html)
        if contrast(run.colour, run.background) < 4.5
    ]
    assert failures == []


def test_html_is_well_under_the_clipping_limit(rich: RenderedVariant) -> None:
    assert encoded_html_size(rich.html) < 90_000


def test_user_text_is_escaped(renderer: NewsletterRenderer) -> None:
    block = make_block(
        5,
        title="<script>alert(1)</script> & co",
        cta_label='"><b>x</b>',
        cta_url='https://x.example/?a=1&b="2"',
    )
    issue = make_issue(title="<i>Titel</i>", subject="Ämne <b>", preheader="<x>")
    variant = rich_variant(
        blocks=(block,), audience_label="<img src=x>", reader_label="<img src=x>"
    )
    result = renderer.render_variant(issue, variant, (), SENDER)
    assert "<script>alert" not in result.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in result.html
    assert "<i>Titel</i>" not in result.html and "<b>x</b>" not in result.html
    assert "<img src=x>" not in result.html
    assert 'href="https://x.example/?a=1&amp;b=&#34;2&#34;"' in result.html
    # The text part is not HTML: nothing is escaped there.
    assert "<script>alert(1)</script> & co" in result.text


def test_placeholders_in_html_and_text(rich: RenderedVariant) -> None:
    for part in (rich.html, rich.text):
        assert MANAGE_URL in part
        assert UNSUBSCRIBE_URL in part


def test_text_part_is_complete(rich: RenderedVariant) -> None:
    text = rich.text
    for block in rich_blocks():
        assert block.title in text
    assert make_issue().title in text
    assert "Våren är här och valborg närmar sig." in text
    assert "Föräldraskolan (https://polisen.se/foraldraskolan)" in text
    assert "Läs om kampanjen mot langning: https://www.osteraker.se/langning" in text
    assert "- ons 28 april: Föreläsning för föräldrar" in text
    assert "- 30 april–2 maj: Valborgshelgen (riskhelg)" in text
    assert "112" in text and "114 14" in text
    assert "\n\n\n" not in text
    assert all(len(line) < 998 for line in text.splitlines())


def test_parents_only_block_absent_from_staff_variant(
    renderer: NewsletterRenderer, vocabulary: Vocabulary
) -> None:
    planner = VariantPlanner(rich_blocks(), vocabulary.audiences)
    staff = planner.variant_for(["staff-skola"], [])
    parents = planner.variant_for(["parents-7-9"], [])
    staff_result = renderer.render_variant(make_issue(), staff, (), SENDER)
    parents_result = renderer.render_variant(make_issue(), parents, (), SENDER)
    assert "Langning inför valborg" not in staff_result.html
    assert "Langning inför valborg" not in staff_result.text
    assert 11 not in staff_result.block_ids
    assert "Langning inför valborg" in parents_result.html
    assert "Båtstölder ökar på våren" not in parents_result.html
    assert "Innehållet är valt för: Personal – skola." in staff_result.html


def test_minimal_issue_renders(renderer: NewsletterRenderer) -> None:
    issue = make_issue(intro_md="", send_date=None)
    result = renderer.render_variant(issue, minimal_variant(), rich_activities(), SENDER)
    assert "Ett enda block" in result.html and "Ett enda block" in result.text
    assert "Kommande aktiviteter" not in result.html
    assert "Innehållet är valt för" not in result.html


def test_each_render_calls_mjml_once() -> None:
    renderer = NewsletterRenderer(TEMPLATES_DIR)
    renderer.render_mjml_source(make_issue(), rich_variant(), (), SENDER)
    assert renderer.mjml_renders == 0
    renderer.render_variant(make_issue(), rich_variant(), (), SENDER)
    rendered, source = renderer.render_variant_and_source(
        make_issue(), minimal_variant(), (), SENDER
    )
    assert renderer.mjml_renders == 2
    assert source == renderer.render_mjml_source(make_issue(), minimal_variant(), (), SENDER)
    assert rendered == renderer.render_variant(make_issue(), minimal_variant(), (), SENDER)


def _broken_copy(tmp_path: Path, relative: str, old: str, new: str) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, target)
    path = target / relative
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, start=1) if old in line)
    lines[number - 1] = lines[number - 1].replace(old, new)
    path.write_text("".join(lines), encoding="utf-8")
    return target


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


def test_syntax_error_names_template_and_line(tmp_path: Path) -> None:
    templates = _broken_copy(
        tmp_path, "newsletter.mjml.j2", "{{ issue.subject }}", "{{ issue.subject }"
    )
    line = _line_of(templates / "newsletter.mjml.j2", "{{ issue.subject }<")
    renderer = NewsletterRenderer(templates)
    with pytest.raises(TemplateError) as caught:
        renderer.render_variant(make_issue(), rich_variant(), (), SENDER)
    assert str(caught.value) == f"newsletter.mjml.j2:{line}: unexpected '}}'"


def test_syntax_error_in_a_partial_names_the_partial(tmp_path: Path) -> None:
    templates = _broken_copy(tmp_path, "partials/_footer.mjml.j2", "{% if", "{% iff")
    line = _line_of(templates / "partials/_footer.mjml.j2", "{% iff")
    with pytest.raises(TemplateError, match=rf"^partials/_footer\.mjml\.j2:{line}: "):
        NewsletterRenderer(templates).render_variant(make_issue(), rich_variant(), (), SENDER)


def test_undefined_variable_names_template_and_line(tmp_path: Path) -> None:
    templates = _broken_copy(
        tmp_path, "newsletter.txt.j2", "{{ block.title }}", "{{ block.titel }}"
    )
    line = _line_of(templates / "newsletter.txt.j2", "{{ block.titel }}")
    with pytest.raises(TemplateError) as caught:
        NewsletterRenderer(templates).render_variant(make_issue(), rich_variant(), (), SENDER)
    assert str(caught.value).startswith(f"newsletter.txt.j2:{line}: ")
    assert "titel" in str(caught.value)


def test_unparseable_mjml_is_a_template_error(tmp_path: Path) -> None:
    templates = _broken_copy(tmp_path, "newsletter.mjml.j2", "</mjml>", "")
    renderer = NewsletterRenderer(templates)
    with pytest.raises(TemplateError, match=r"^ogiltig MJML: .+"):
        renderer.render_variant(make_issue(), rich_variant(), (), SENDER)
    assert renderer.mjml_renders == 1


def test_missing_template_is_a_template_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"newsletter\.mjml\.j2"):
        NewsletterRenderer(tmp_path).render_variant(make_issue(), rich_variant(), (), SENDER)


def test_editor_text_cannot_break_out_of_mjml(renderer: NewsletterRenderer) -> None:
    block = make_block(
        5,
        title="</mj-text></mj-column></mj-section><mj-raw><script>x()</script></mj-raw>",
        body_md="</mj-text><mj-raw><script>y()</script></mj-raw><mj-text>",
    )
    variant = rich_variant(blocks=(block,))
    result, source = renderer.render_variant_and_source(make_issue(), variant, (), SENDER)
    assert check_mjml_structure(source) == []
    assert "<script" not in result.html
