"""Pre-send checks: every problem with an issue's finished variants, in Swedish.

Lint takes finished output (rendering faults are the renderer's exceptions) and
returns every problem at once, so editors fix them in one round. Each message
names the variant or block it is about.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterable, Mapping, Sequence
from html.parser import HTMLParser
from urllib.parse import urlsplit

from tryggnews.content.text import text_problems
from tryggnews.content.views import BlockView, IssueView, VariantSpec
from tryggnews.render.markdown import link_allowed, markdown_tokens
from tryggnews.render.model import (
    MANAGE_TOKEN_PLACEHOLDER,
    PLACEHOLDERS,
    UNSUBSCRIBE_TOKEN_PLACEHOLDER,
    RenderedVariant,
)
from tryggnews.render.structure import check_mjml_structure

# Gmail clips HTML above about 102 kB; stay clear of it with room for headers.
HTML_LIMIT_BYTES = 90_000
# A real signed token is longer than its placeholder; measure with one this long.
TOKEN_LENGTH = 100

_MANAGE_PATH = f"/p/{MANAGE_TOKEN_PLACEHOLDER}"
_UNSUBSCRIBE_PATH = f"/u/{UNSUBSCRIBE_TOKEN_PLACEHOLDER}"
_TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%")
_PLACEHOLDER_LIKE = re.compile(r"TNx\w*")
_RAW_HTML = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>")

# Link texts that do not say where the link goes (WCAG 2.4.4).
VAGUE_LINK_TEXTS = frozenset(
    {"här", "klicka här", "läs mer", "mer", "mer info", "länk", "denna länk", "klicka", "link"}
)


def encoded_html_size(html: str) -> int:
    """Bytes of the HTML part as sent: quoted-printable, with realistic token lengths."""
    token = "x" * TOKEN_LENGTH
    for placeholder in PLACEHOLDERS:
        html = html.replace(placeholder, token)
    return len(binascii.b2a_qp(html.encode("utf-8"), istext=True))


def lint_issue(
    rendered: Sequence[RenderedVariant],
    specs: Sequence[VariantSpec],
    mjml_sources: Mapping[str, str] | None = None,
) -> list[str]:
    """Every problem with an issue's rendered variants (empty when it may be sent).

    ``mjml_sources`` maps variant key → the MJML Jinja produced, for the structure
    check; without it the MJML is not checked.
    """
    problems: list[str] = []
    by_key = {spec.key: spec for spec in specs}
    rendered_keys = {variant.key for variant in rendered}
    for spec in specs:
        if spec.key not in rendered_keys:
            problems.append(f"{_variant_name(spec.key, spec)}: har inte renderats")
    for variant in rendered:
        found = by_key.get(variant.key)
        name = _variant_name(variant.key, found)
        if found is None:
            problems.append(f"{name}: renderad men finns inte bland utskickets varianter")
        if found is not None and (not found.blocks or not variant.block_ids):
            # Said in the readers' words, without the variant's name: who gets nothing.
            problems.append(empty_variant_problem(found))
        problems.extend(f"{name}: {problem}" for problem in _variant_problems(variant, found))
    for key, source in (mjml_sources or {}).items():
        name = _variant_name(key, by_key.get(key))
        problems.extend(f"{name}: ogiltig MJML: {p}" for p in check_mjml_structure(source))
    problems.extend(_focus_area_problems(spec.blocks for spec in specs))
    return problems


def _variant_name(key: str, spec: VariantSpec | None) -> str:
    """Who a variant is for, in the editors' words; its internal key only when unnamed."""
    label = spec.audience_label if spec is not None else ""
    if not label:
        return f"variant {key}"
    return "utgåvan för alla läsare" if label == "Alla" else f"utgåvan för {label}"


def empty_variant_problem(spec: VariantSpec) -> str:
    """Which readers would get an empty newsletter, and what to add so they get something."""
    label = spec.audience_label or "Alla"
    who = "Läsare" if label == "Alla" else f"Läsare i {_either(label)}"
    remedy = "Lägg till ett block för alla" + (
        "" if label == "Alla" else f" eller för {_either(label)}"
    )
    if spec.topic_label:
        who += f" som bara valt ämnena {spec.topic_label}"
        remedy += f", inom {_either(spec.topic_label)} eller Gemensamt"
    return f"{who} skulle få ett tomt nyhetsbrev: inget block i utskicket är för dem. {remedy}."


def _either(labels: str) -> str:
    """``"A, B"`` as ``"A eller B"``; labels never hold a comma themselves."""
    parts = labels.split(", ")
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " eller " + parts[-1]


def _variant_problems(variant: RenderedVariant, spec: VariantSpec | None) -> list[str]:
    problems: list[str] = []
    if spec is None and not variant.block_ids:
        problems.append("varianten har inga block")
    for part, content in (("HTML-delen", variant.html), ("textdelen", variant.text)):
        if _MANAGE_PATH not in content:
            problems.append(f"länken till inställningssidan ({_MANAGE_PATH}) saknas i {part}")
        if _UNSUBSCRIBE_PATH not in content:
            problems.append(f"länken för att avsluta prenumerationen saknas i {part}")
        for match in sorted(set(_TEMPLATE_SYNTAX.findall(content))):
            problems.append(f"oersatt mallkod {match!r} finns kvar i {part}")
        unknown = sorted(set(_PLACEHOLDER_LIKE.findall(content)) - set(PLACEHOLDERS))
        for placeholder in unknown:
            problems.append(f"okänd platshållare {placeholder} finns kvar i {part}")
    for src in _images_without_alt(variant.html):
        problems.append(f"bilden {src or '(utan src)'} saknar alt-attribut")
    size = encoded_html_size(variant.html)
    if size > HTML_LIMIT_BYTES:
        problems.append(
            f"HTML-delen är {size / 1000:.1f} kB kodad, över gränsen {HTML_LIMIT_BYTES // 1000} kB "
            "(Gmail klipper meddelanden över cirka 102 kB); korta texten eller dela upp numret"
        )
    return problems


class _ImageAltFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.missing: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            names = dict(attrs)
            if "alt" not in names:
                self.missing.append(names.get("src") or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def _images_without_alt(html: str) -> list[str]:
    finder = _ImageAltFinder()
    finder.feed(html)
    finder.close()
    return finder.missing


def _focus_area_problems(block_lists: Iterable[Sequence[BlockView]]) -> list[str]:
    problems: list[str] = []
    seen: set[int] = set()
    for blocks in block_lists:
        for block in blocks:
            if block.id in seen:
                continue
            seen.add(block.id)
            if not block.focus_area_key.strip() or not block.focus_area_name.strip():
                problems.append(f"{_block_name(block)}: saknar fokusområde")
    return problems


def _block_name(block: BlockView) -> str:
    title = block.title.strip()
    return f'block {block.id} "{title}"' if title else f"block {block.id}"


def lint_fields(issue: IssueView) -> list[str]:
    """The texts every issue needs before it goes out, each with what to write.

    The subject is what the inbox shows, the preheader the line after it, the
    ingress the greeting that says what the issue holds; an empty one is a fault.
    """
    problems: list[str] = []
    if not issue.subject.strip():
        problems.append(
            "ämnesrad: ämnesraden är tom; skriv vad numret handlar om – den syns först i inkorgen"
        )
    if not issue.preheader.strip():
        problems.append(
            "förhandstext: förhandstexten är tom; skriv en mening som sammanfattar numret – "
            "den visas efter ämnesraden i inkorgen (i redaktionen på utskickets sida, "
            "eller med --preheader när utskicket skapas)"
        )
    if not issue.intro_md.strip():
        problems.append(
            "ingress: ingressen är tom; skriv några meningar som hälsar läsaren och säger vad "
            "numret innehåller (i redaktionen på utskickets sida, eller med --intro-file när "
            "utskicket skapas)"
        )
    return problems


def lint_texts(issue: IssueView, blocks: Sequence[BlockView]) -> list[str]:
    """Control characters stored before the input checks refused them, each field named.

    Checked before rendering: a NUL stops the MJML parser and a line break in the
    subject cannot go into a header, so such an issue is not rendered at all.
    """
    problems = text_problems(
        (
            ("rubrik", issue.title),
            ("ämnesrad", issue.subject),
            ("förhandstext", issue.preheader),
            ("ingress", issue.intro_md),
        ),
        multiline=("ingress",),
    )
    for block in blocks:
        fields = (
            ("rubrik", block.title),
            ("text", block.body_md),
            ("bild", block.image_url),
            ("alt-text", block.image_alt),
            ("knapplänk", block.cta_url),
            ("knapptext", block.cta_label),
        )
        name = f"block {block.id}"
        problems += [f"{name}: {p}" for p in text_problems(fields, multiline=("text",))]
    return problems


def lint_blocks(blocks: Sequence[BlockView]) -> list[str]:
    """Every problem an editor can fix in the blocks themselves (empty when all are fine)."""
    problems: list[str] = []
    for block in blocks:
        name = _block_name(block)
        problems.extend(f"{name}: {problem}" for problem in _block_problems(block))
    return problems


def _block_problems(block: BlockView) -> list[str]:
    problems: list[str] = []
    if not block.title.strip():
        problems.append("rubrik saknas")
    if not block.body_md.strip():
        problems.append("brödtexten är tom")
    if block.image_url and not (block.image_alt or "").strip():
        problems.append("bilden saknar alternativtext; beskriv vad bilden visar")
    if block.image_url and not _web_url(block.image_url):
        problems.append(f"bildadressen {block.image_url!r} måste börja med https:// eller http://")
    has_url = bool((block.cta_url or "").strip())
    has_label = bool((block.cta_label or "").strip())
    if has_label and not has_url:
        problems.append("knappen har en text men ingen länk")
    if has_url and not has_label:
        problems.append("knappen har en länk men ingen text")
    if has_url and block.cta_url and not _web_url(block.cta_url):
        problems.append(f"knappens länk {block.cta_url!r} måste börja med https:// eller http://")
    if has_label and block.cta_label and _vague(block.cta_label):
        problems.append(
            f"knapptexten {block.cta_label.strip()!r} säger inte vart länken går; "
            "skriv till exempel 'Läs mer om föreläsningen'"
        )
    problems.extend(_body_problems(block.body_md))
    return problems


def _web_url(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _vague(label: str) -> bool:
    return " ".join(label.lower().split()).strip(" .:!→»") in VAGUE_LINK_TEXTS


def _body_problems(body_md: str) -> list[str]:
    """What the editor wrote that the reader will not see as intended."""
    problems: list[str] = []
    for token in markdown_tokens(body_md):
        children = token.children or []
        label: list[str] | None = None
        for child in children:
            if child.type == "image":
                problems.append(
                    "bilder i brödtexten visas inte; använd blockets bildfält med alternativtext"
                )
            elif child.type == "link_open":
                href = str(child.attrs.get("href", ""))
                label = []
                if not link_allowed(href):
                    problems.append(
                        f"länken {href!r} tas bort; använd en hel adress som börjar med https://"
                    )
            elif child.type == "link_close" and label is not None:
                text = "".join(label)
                if _vague(text):
                    problems.append(
                        f"länktexten {text.strip()!r} säger inte vart länken går; "
                        "skriv vad läsaren kommer till"
                    )
                label = None
            elif child.type == "text":
                if label is not None:
                    label.append(child.content)
                if _RAW_HTML.search(child.content):
                    problems.append("HTML-kod i brödtexten visas som text; använd Markdown")
    return list(dict.fromkeys(problems))
