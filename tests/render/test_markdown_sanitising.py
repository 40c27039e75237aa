"""Editor Markdown becomes allow-listed HTML (no script, handler, unsafe link) and plain text."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tryggnews.render.markdown import ALLOWED_TAGS, markdown_to_text, render_markdown

ATTACKS = {
    "script tag": "Hej <script>alert('x')</script> då",
    "javascript link": "[Klicka](javascript:alert(1))",
    "javascript link, mixed case and entity": "[a](JaVaScRiPt&#58;alert(1))",
    "onclick attribute": '<a href="https://x.example" onclick="steal()">länk</a>',
    "img onerror": '<img src="x" onerror="alert(1)">',
    "raw iframe": '<iframe src="https://evil.example"></iframe>',
    "data uri link": "[bild](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "vbscript link": "[a](vbscript:msgbox(1))",
    "svg onload": "<svg onload=alert(1)>",
    "style tag": "<style>body{display:none}</style>",
    "autolink javascript": "<javascript:alert(1)>",
}


class _Markup(HTMLParser):
    """The tags and attributes a browser would actually build from the HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def markup_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser.elements


@pytest.mark.parametrize("source", ATTACKS.values(), ids=ATTACKS.keys())
def test_attacks_never_reach_html(source: str) -> None:
    html = render_markdown(source)
    for tag, attrs in markup_of(html):
        assert tag in ALLOWED_TAGS, html
        assert not any(name.startswith("on") for name in attrs), html
        href = (attrs.get("href") or "https:").strip().lower()
        assert href.split(":", 1)[0] in ("http", "https", "mailto", "tel"), html
    assert "<script" not in html.lower()


def test_raw_html_is_shown_as_text_not_markup() -> None:
    assert render_markdown("<b>fet</b>") == "<p>&lt;b&gt;fet&lt;/b&gt;</p>"


def test_allowed_markup_and_links_survive_with_noopener() -> None:
    html = render_markdown(
        "**Fet** och *kursiv* och `kod`.\n\n"
        "[Polisen](https://polisen.se) [mejl](mailto:a@example.se) [ring](tel:11414)\n\n"
        "- ett\n- två\n\n3. tre\n\n> citat"
    )
    assert "<strong>Fet</strong>" in html
    assert "<em>kursiv</em>" in html
    assert "<code>kod</code>" in html
    assert '<a href="https://polisen.se" rel="noopener">Polisen</a>' in html
    assert 'href="mailto:a@example.se"' in html
    assert 'href="tel:11414"' in html
    assert "<ul>" in html and "<li>två</li>" in html
    assert '<ol start="3">' in html
    assert "<blockquote>" in html


def test_relative_and_ftp_links_lose_their_href() -> None:
    html = render_markdown("[lokal](/sida) [ftp](ftp://x.example/f)")
    assert "href" not in html
    assert "lokal" in html and "ftp" in html


def test_headings_are_demoted_below_the_block_title() -> None:
    html = render_markdown("# Ett\n\n## Två\n\n###### Sex")
    assert html == "<h3>Ett</h3>\n<h4>Två</h4>\n<h4>Sex</h4>"


def test_images_in_a_body_are_dropped() -> None:
    assert "img" not in render_markdown("![alt](https://x.example/a.png)")


def test_link_reference_definitions_do_not_leak_between_calls() -> None:
    first = render_markdown("[polisen]\n\n[polisen]: https://polisen.se")
    assert 'href="https://polisen.se"' in first
    assert "href" not in render_markdown("[polisen]")


def test_text_links_become_label_and_url() -> None:
    text = markdown_to_text(
        "Läs hos [Polisen](https://polisen.se/valborg), mejla <trygg@example.se> "
        "eller se <https://osteraker.se>."
    )
    assert text == (
        "Läs hos Polisen (https://polisen.se/valborg), mejla trygg@example.se "
        "eller se https://osteraker.se."
    )


def test_text_drops_unsafe_link_targets_but_keeps_the_label() -> None:
    assert markdown_to_text("[lokal](/sida)") == "lokal"


def test_text_lists_keep_bullets_numbers_and_nesting() -> None:
    text = markdown_to_text("Före\n\n- ett\n- två\n  1. a\n  2. b\n\n5. fem\n6. sex\n\nEfter")
    assert text == "Före\n\n- ett\n- två\n  1. a\n  2. b\n\n5. fem\n6. sex\n\nEfter"


def test_text_paragraphs_quotes_and_breaks() -> None:
    text = markdown_to_text("Rad ett\nrad två\n\nNy  \nrad\n\n> Citat\n>\n> igen\n\n# Rubrik")
    assert text == "Rad ett rad två\n\nNy\nrad\n\n> Citat\n>\n> igen\n\nRubrik"


def test_text_keeps_literal_characters_unescaped() -> None:
    assert markdown_to_text("Kaffe & bullar <3 **gratis**") == "Kaffe & bullar <3 gratis"
