"""The MJML structure check passes the shipped templates and catches what mjml-python accepts."""

from __future__ import annotations

import mjml
import pytest
from render_samples import (
    SENDER,
    TEMPLATES_DIR,
    make_issue,
    minimal_variant,
    rich_activities,
    rich_variant,
)

from tryggnews.render.newsletter import NewsletterRenderer
from tryggnews.render.structure import check_mjml_structure

HEAD = "<mj-head><mj-title>T</mj-title><mj-preview>P</mj-preview></mj-head>"


def doc(body: str, *, head: str = HEAD, root: str = '<mjml lang="sv">') -> str:
    return f"{root}{head}<mj-body>{body}</mj-body></mjml>"


def test_shipped_templates_are_valid_for_a_rich_issue() -> None:
    renderer = NewsletterRenderer(TEMPLATES_DIR)
    source = renderer.render_mjml_source(make_issue(), rich_variant(), rich_activities(), SENDER)
    assert "<mj-image" in source and "<mj-button" in source and "Kommande aktiviteter" in source
    assert check_mjml_structure(source) == []


def test_shipped_templates_are_valid_for_a_minimal_issue() -> None:
    renderer = NewsletterRenderer(TEMPLATES_DIR)
    issue = make_issue(intro_md="", send_date=None)
    source = renderer.render_mjml_source(issue, minimal_variant(), (), SENDER)
    assert check_mjml_structure(source) == []


def test_valid_document_with_messy_html_in_ending_tags() -> None:
    source = doc(
        "<mj-section><mj-column>"
        "<mj-text><p>Öppen <br> <img src=x> & <b>utan slut <mj-text>nested</mj-text></mj-text>"
        "<mj-button href='https://x.example'>Gå <i>dit</mj-button>"
        "</mj-column></mj-section>"
        "<mj-raw><!--[if mso]><table><tr><td><![endif]--></mj-raw>"
    )
    assert check_mjml_structure(source) == []


def test_unknown_element_is_reported_although_mjml_renders_it() -> None:
    source = doc("<mj-section><mj-column><mj-txt>Hej</mj-txt></mj-column></mj-section>")
    mjml.mjml2html(source, fonts={})  # renders silently: that is why the check exists
    problems = check_mjml_structure(source)
    assert problems == ["rad 1: okänt MJML-element <mj-txt>"]


def test_section_inside_a_column_is_reported() -> None:
    source = doc(
        "<mj-section><mj-column>\n<mj-section><mj-column><mj-text>x</mj-text></mj-column>"
        "</mj-section></mj-column></mj-section>"
    )
    mjml.mjml2html(source, fonts={})
    problems = check_mjml_structure(source)
    assert len(problems) == 1
    assert problems[0].startswith("rad 2: <mj-section> får inte ligga i <mj-column>")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<mj-text>x</mj-text>", "<mj-text> får inte ligga i <mj-body>"),
        (
            "<mj-section><mj-text>x</mj-text></mj-section>",
            "<mj-text> får inte ligga i <mj-section>",
        ),
        ("<mj-column><mj-text>x</mj-text></mj-column>", "<mj-column> får inte ligga i <mj-body>"),
        (
            "<mj-section><mj-column><mj-title>x</mj-title></mj-column></mj-section>",
            "<mj-title> får inte ligga i <mj-column>",
        ),
        (
            "<mj-section><mj-column><p>x</p></mj-column></mj-section>",
            "HTML-elementet <p> ligger direkt i <mj-column>",
        ),
        ("<mj-section><mj-column>lös text</mj-column></mj-section>", "text direkt i <mj-column>"),
        ("<mj-section><mj-column><mj-text>x</mj-text></mj-section>", "<mj-column> från rad 1"),
        (
            "<mj-section><mj-column><mj-include path='a.mjml' /></mj-column></mj-section>",
            "<mj-include> stöds inte",
        ),
    ],
)
def test_misplaced_elements(body: str, expected: str) -> None:
    problems = check_mjml_structure(doc(body))
    assert any(expected in p for p in problems), problems


def test_missing_title_preview_and_lang() -> None:
    problems = check_mjml_structure(doc("", head="<mj-head></mj-head>", root="<mjml>"))
    assert '<mjml> saknar språk: skriv <mjml lang="sv">' in problems
    assert "<mj-title> saknas" in problems
    assert "<mj-preview> saknas" in problems


def test_wrong_root() -> None:
    assert "rad 1: dokumentet ska börja med <mjml>, inte <html>" in check_mjml_structure(
        "<html></html>"
    )


def test_attribute_defaults_may_name_any_known_element() -> None:
    head = (
        "<mj-head><mj-title>T</mj-title><mj-preview>P</mj-preview><mj-attributes>"
        '<mj-all font-family="Arial" /><mj-section padding="0" /><mj-class name="a" color="red" />'
        '<mj-textt color="red" /></mj-attributes></mj-head>'
    )
    assert check_mjml_structure(doc("", head=head)) == [
        "rad 1: okänt MJML-element <mj-textt> i <mj-attributes>"
    ]
