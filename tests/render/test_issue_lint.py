"""Lint reports every problem, in Swedish, naming the variant or block; a good issue is clean."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from render_samples import (
    SENDER,
    TEMPLATES_DIR,
    make_block,
    make_issue,
    minimal_variant,
    rich_activities,
    rich_blocks,
    rich_variant,
)

from tryggnews.content.views import VariantSpec
from tryggnews.render.lint import (
    HTML_LIMIT_BYTES,
    encoded_html_size,
    lint_blocks,
    lint_fields,
    lint_issue,
)
from tryggnews.render.model import (
    MANAGE_TOKEN_PLACEHOLDER,
    UNSUBSCRIBE_TOKEN_PLACEHOLDER,
    RenderedVariant,
)
from tryggnews.render.newsletter import NewsletterRenderer


@pytest.fixture(scope="module")
def renderer() -> NewsletterRenderer:
    return NewsletterRenderer(TEMPLATES_DIR)


def render(renderer: NewsletterRenderer, variant: VariantSpec) -> RenderedVariant:
    return renderer.render_variant(make_issue(), variant, rich_activities(), SENDER)


def test_good_issue_lints_clean(renderer: NewsletterRenderer) -> None:
    variants = [rich_variant(), minimal_variant()]
    rendered = [render(renderer, v) for v in variants]
    sources = {
        v.key: renderer.render_mjml_source(make_issue(), v, rich_activities(), SENDER)
        for v in variants
    }
    assert lint_issue(rendered, variants, sources) == []
    assert lint_blocks(rich_blocks()) == []


def test_missing_links_in_html_and_text(renderer: NewsletterRenderer) -> None:
    variant = minimal_variant()
    good = render(renderer, variant)
    bad = replace(
        good,
        html=good.html.replace(MANAGE_TOKEN_PLACEHOLDER, "x"),
        text=good.text.replace(UNSUBSCRIBE_TOKEN_PLACEHOLDER, "x"),
    )
    assert lint_issue([bad], [variant]) == [
        f"variant vmin: länken till inställningssidan (/p/{MANAGE_TOKEN_PLACEHOLDER}) "
        "saknas i HTML-delen",
        "variant vmin: länken för att avsluta prenumerationen saknas i textdelen",
    ]


def test_image_without_alt(renderer: NewsletterRenderer) -> None:
    variant = minimal_variant()
    good = render(renderer, variant)
    bad = replace(
        good, html=good.html.replace("</body>", '<img src="https://x.example/a.png"></body>')
    )
    assert lint_issue([bad], [variant]) == [
        "variant vmin: bilden https://x.example/a.png saknar alt-attribut"
    ]


def test_oversized_html(renderer: NewsletterRenderer) -> None:
    variant = minimal_variant()
    good = render(renderer, variant)
    filler = "<p>" + "å" * 30_000 + "</p>"  # å is 2 bytes, 6 quoted-printable
    bad = replace(good, html=good.html.replace("</body>", filler + "</body>"))
    assert len(bad.html.encode()) < HTML_LIMIT_BYTES < encoded_html_size(bad.html)
    problems = lint_issue([bad], [variant])
    assert len(problems) == 1
    assert problems[0].startswith("variant vmin: HTML-delen är ")
    assert "över gränsen 90 kB" in problems[0]


def test_size_counts_realistic_token_length() -> None:
    base = "a" * 1000
    with_tokens = base + MANAGE_TOKEN_PLACEHOLDER + UNSUBSCRIBE_TOKEN_PLACEHOLDER
    assert encoded_html_size(with_tokens) == encoded_html_size(base + "x" * 200)


def test_unresolved_template_code_and_unknown_placeholder(renderer: NewsletterRenderer) -> None:
    variant = minimal_variant()
    good = render(renderer, variant)
    bad = replace(
        good,
        html=good.html.replace("</body>", "{{ issue.titel }}</body>"),
        text=good.text + "{% endif %} Hej TNxNAMExVALUE\n",
    )
    assert lint_issue([bad], [variant]) == [
        "variant vmin: oersatt mallkod '{{' finns kvar i HTML-delen",
        "variant vmin: oersatt mallkod '{%' finns kvar i textdelen",
        "variant vmin: okänd platshållare TNxNAMExVALUE finns kvar i textdelen",
    ]


def test_empty_variant_names_its_readers_and_the_remedy_without_a_key(
    renderer: NewsletterRenderer,
) -> None:
    variant = VariantSpec(key="vtom", blocks=(), audience_label="Föräldrar – förskola")
    rendered = render(renderer, variant)
    assert lint_issue([rendered], [variant]) == [
        "Läsare i Föräldrar – förskola skulle få ett tomt nyhetsbrev: inget block i utskicket "
        "är för dem. Lägg till ett block för alla eller för Föräldrar – förskola."
    ]


def test_empty_variant_for_several_audiences_and_topics(renderer: NewsletterRenderer) -> None:
    variant = VariantSpec(
        key="vtom",
        blocks=(),
        audience_label="Föräldrar – förskola, Senior",
        topic_label="Tillgreppsbrott",
    )
    (problem,) = lint_issue([render(renderer, variant)], [variant])
    assert problem == (
        "Läsare i Föräldrar – förskola eller Senior som bara valt ämnena Tillgreppsbrott "
        "skulle få ett tomt nyhetsbrev: inget block i utskicket är för dem. Lägg till ett "
        "block för alla eller för Föräldrar – förskola eller Senior, inom Tillgreppsbrott "
        "eller Gemensamt."
    )
    assert "vtom" not in problem


def test_a_labelled_variant_is_named_by_its_readers(renderer: NewsletterRenderer) -> None:
    variant = replace(minimal_variant(), audience_label="Senior")
    good = render(renderer, variant)
    bad = replace(good, html=good.html.replace("</body>", "<img></body>"))
    assert lint_issue([bad], [variant]) == [
        "utgåvan för Senior: bilden (utan src) saknar alt-attribut"
    ]


def test_invalid_mjml(renderer: NewsletterRenderer) -> None:
    variant = minimal_variant()
    rendered = render(renderer, variant)
    source = renderer.render_mjml_source(make_issue(), variant, (), SENDER)
    # The last divider is in the body, not among the attribute defaults in the head.
    broken = "<mj-devider".join(source.rsplit("<mj-divider", 1))
    problems = lint_issue([rendered], [variant], {variant.key: broken})
    assert len(problems) == 1
    assert problems[0].startswith("variant vmin: ogiltig MJML: rad ")
    assert problems[0].endswith("okänt MJML-element <mj-devider>")


def test_block_without_focus_area_is_reported_once(renderer: NewsletterRenderer) -> None:
    orphan = replace(make_block(7, title="Utan område"), focus_area_key="", focus_area_name="")
    first = rich_variant(key="va", blocks=(orphan,))
    second = rich_variant(key="vb", blocks=(orphan, make_block(8)))
    rendered = [render(renderer, first), render(renderer, second)]
    assert lint_issue(rendered, [first, second]) == ['block 7 "Utan område": saknar fokusområde']


def test_variant_not_rendered_and_rendered_without_spec(renderer: NewsletterRenderer) -> None:
    variant = minimal_variant()
    stray = replace(render(renderer, variant), key="vstray")
    assert lint_issue([stray], [variant]) == [
        "variant vmin: har inte renderats",
        "variant vstray: renderad men finns inte bland utskickets varianter",
    ]


def test_every_problem_is_reported_not_just_the_first(renderer: NewsletterRenderer) -> None:
    variant = minimal_variant()
    good = render(renderer, variant)
    bad = replace(
        good,
        subject=" ",
        html=good.html.replace(MANAGE_TOKEN_PLACEHOLDER, "x").replace("</body>", "<img></body>"),
        text="",
    )
    problems = lint_issue([bad], [variant])
    # The empty subject is the issue's fault, reported once by lint_fields (below).
    assert len(problems) == 4
    assert all(p.startswith("variant vmin: ") for p in problems)


def test_empty_subject_preheader_and_ingress_are_errors_that_say_what_to_write() -> None:
    empty = replace(make_issue(), subject=" ", preheader="", intro_md="\n")
    problems = lint_fields(empty)
    assert [p.split(":")[0] for p in problems] == ["ämnesrad", "förhandstext", "ingress"]
    assert all("skriv" in p for p in problems)
    assert lint_fields(make_issue()) == []


BLOCK_CASES = {
    "no title": (dict(title="  "), "block 1: rubrik saknas"),
    "empty body": (dict(body_md="\n "), 'block 1 "T": brödtexten är tom'),
    "image without alt": (
        dict(image_url="https://x.example/a.png", image_alt=" "),
        'block 1 "T": bilden saknar alternativtext; beskriv vad bilden visar',
    ),
    "image not http": (
        dict(image_url="file:///C:/bild.png", image_alt="Bild"),
        "block 1 \"T\": bildadressen 'file:///C:/bild.png' måste börja med https:// eller http://",
    ),
    "cta label only": (
        dict(cta_label="Anmäl dig till kursen"),
        'block 1 "T": knappen har en text men ingen länk',
    ),
    "cta link only": (
        dict(cta_url="https://x.example"),
        'block 1 "T": knappen har en länk men ingen text',
    ),
    "cta not http": (
        dict(cta_url="javascript:alert(1)", cta_label="Anmäl dig till kursen"),
        "block 1 \"T\": knappens länk 'javascript:alert(1)' måste börja med https:// eller http://",
    ),
    "cta relative": (
        dict(cta_url="/anmalan", cta_label="Anmäl dig till kursen"),
        "block 1 \"T\": knappens länk '/anmalan' måste börja med https:// eller http://",
    ),
    "vague cta": (
        dict(cta_url="https://x.example", cta_label="Läs mer"),
        "block 1 \"T\": knapptexten 'Läs mer' säger inte vart länken går; "
        "skriv till exempel 'Läs mer om föreläsningen'",
    ),
    "vague link": (
        dict(body_md="Se [klicka här](https://x.example)."),
        "block 1 \"T\": länktexten 'klicka här' säger inte vart länken går; "
        "skriv vad läsaren kommer till",
    ),
    "relative link": (
        dict(body_md="Se [anmälan](/anmalan)."),
        "block 1 \"T\": länken '/anmalan' tas bort; använd en hel adress som börjar med https://",
    ),
    "image in body": (
        dict(body_md="![karta](https://x.example/karta.png)"),
        'block 1 "T": bilder i brödtexten visas inte; använd blockets bildfält med alternativtext',
    ),
    "raw html": (
        dict(body_md="Hej <b>du</b> och <br> igen"),
        'block 1 "T": HTML-kod i brödtexten visas som text; använd Markdown',
    ),
}


@pytest.mark.parametrize(("changes", "expected"), BLOCK_CASES.values(), ids=BLOCK_CASES.keys())
def test_block_rule(changes: dict[str, Any], expected: str) -> None:
    block = replace(make_block(1, title="T", body_md="Text."), **changes)
    assert lint_blocks([block]) == [expected]


def test_block_problems_are_all_reported() -> None:
    bad = replace(
        make_block(3, title="", body_md=""), image_url="https://x.example/a.png", cta_label="Här"
    )
    assert lint_blocks([bad, make_block(4)]) == [
        "block 3: rubrik saknas",
        "block 3: brödtexten är tom",
        "block 3: bilden saknar alternativtext; beskriv vad bilden visar",
        "block 3: knappen har en text men ingen länk",
        "block 3: knapptexten 'Här' säger inte vart länken går; "
        "skriv till exempel 'Läs mer om föreläsningen'",
    ]


def test_less_than_is_not_mistaken_for_html() -> None:
    assert lint_blocks([make_block(1, body_md="Barn <13 år och 5 < 7 & mer")]) == []
