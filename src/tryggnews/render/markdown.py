"""Editors' Markdown → sanitised HTML for the message, and → readable plain text.

Two layers keep editor input from reaching readers as markup: markdown-it parses
with raw HTML disabled (``<script>`` becomes visible text), and nh3 then keeps
only an explicit allow-list of tags, attributes and URL schemes, so a parser
quirk or a future option change cannot let ``onclick`` or ``javascript:`` through.

The module-level parser and cleaner hold configuration only; every call parses
with a fresh ``env``, so link reference definitions in one block never leak
into another block or issue.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "h3", "h4", "code"}
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

_parser = MarkdownIt("commonmark", {"html": False})

# Tags whose content is dropped together with the tag. markdown-it never emits
# them (raw HTML is off); this only matters if that ever changes.
_CLEAN_CONTENT_TAGS = {"script", "style", "iframe", "object", "embed", "template"}

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=_CLEAN_CONTENT_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=set(ALLOWED_URL_SCHEMES),
    # A relative link means nothing in someone's inbox.
    url_relative="deny",
    link_rel="noopener",
    strip_comments=True,
)


def _heading_tag(level: int) -> str:
    # The issue title is the message's only h1 and focus areas are h2, block
    # titles h3: an editor's "#" must not compete with them.
    return "h3" if level <= 1 else "h4"


def render_markdown(text: str) -> str:
    """Editor Markdown as HTML that is safe to insert into the message unescaped."""
    tokens = _parser.parse(text, {})
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = _heading_tag(int(token.tag[1:]))
    html = _parser.renderer.render(tokens, _parser.options, {})
    return str(_cleaner.clean(html)).strip()


def link_allowed(url: str) -> bool:
    """True when a link with this URL survives sanitising (an absolute URL, allowed scheme)."""
    scheme = urlsplit(url.strip()).scheme.lower()
    return scheme in ALLOWED_URL_SCHEMES


def markdown_tokens(text: str) -> list[Token]:
    """The parsed token stream, for checks that look at what an editor wrote (lint)."""
    return _parser.parse(text, {})


def markdown_to_text(text: str) -> str:
    """Editor Markdown as plain text: ``label (url)`` links, bullets, blank-line paragraphs."""
    root = SyntaxTreeNode(_parser.parse(text, {}))
    return "\n\n".join(_blocks(root.children)).strip()


def _blocks(nodes: list[SyntaxTreeNode]) -> list[str]:
    """Each block-level node as one chunk of text (possibly several lines)."""
    chunks: list[str] = []
    for node in nodes:
        chunk = _block(node)
        if chunk:
            chunks.append(chunk)
    return chunks


def _block(node: SyntaxTreeNode) -> str:
    kind = node.type
    if kind in ("paragraph", "heading"):
        return _inline_of(node)
    if kind == "bullet_list":
        return _list(node, ordered=False)
    if kind == "ordered_list":
        return _list(node, ordered=True)
    if kind == "blockquote":
        inner = "\n\n".join(_blocks(node.children))
        return "\n".join(f"> {line}" if line else ">" for line in inner.splitlines())
    if kind in ("fence", "code_block"):
        return "\n".join(f"    {line}" for line in node.content.rstrip("\n").splitlines())
    if kind == "hr":
        return "----"
    return "\n\n".join(_blocks(node.children))


def _list(node: SyntaxTreeNode, *, ordered: bool) -> str:
    start = int(str(node.attrs.get("start", 1))) if ordered else 1
    lines: list[str] = []
    for number, item in enumerate(node.children, start=start):
        marker = f"{number}. " if ordered else "- "
        # Tight lists read best on consecutive lines; loose ones keep their gaps.
        joiner = "\n" if _tight(item) else "\n\n"
        body = joiner.join(_blocks(item.children)).splitlines() or [""]
        indent = " " * len(marker)
        lines.append(marker + body[0])
        lines.extend(indent + line if line else "" for line in body[1:])
    return "\n".join(lines)


def _tight(item: SyntaxTreeNode) -> bool:
    return all(child.hidden for child in item.children if child.type == "paragraph")


def _inline_of(node: SyntaxTreeNode) -> str:
    parts: list[str] = []
    for child in node.children:
        if child.type == "inline":
            parts.append(_inline(child.children))
    return "".join(parts).strip()


def _inline(nodes: list[SyntaxTreeNode]) -> str:
    out: list[str] = []
    for node in nodes:
        kind = node.type
        if kind in ("text", "code_inline"):
            out.append(node.content)
        elif kind == "softbreak":
            # The HTML part joins source lines into one paragraph; so does the text.
            out.append(" ")
        elif kind == "hardbreak":
            out.append("\n")
        elif kind == "link":
            out.append(_link(node))
        elif kind == "image":
            # Images in a body are stripped from the HTML part too (lint tells the editor).
            continue
        else:
            out.append(_inline(node.children))
    return "".join(out)


def _link(node: SyntaxTreeNode) -> str:
    label = _inline(node.children).strip()
    href = str(node.attrs.get("href", ""))
    if not href or not link_allowed(href):
        return label
    bare = href.split(":", 1)[1] if href.startswith(("mailto:", "tel:")) else href
    if not label or label in (href, bare):
        return bare
    return f"{label} ({href})"
