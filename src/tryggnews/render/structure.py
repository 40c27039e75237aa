"""Structural check of MJML, because mjml-python renders invalid MJML without a word.

MRML (behind mjml-python) raises only when it cannot parse at all; an unknown
``mj-*`` element or a section inside a column comes out as broken HTML. This
checker knows the official MJML 4 element list and which parent each element may
have. The content of "ending tags" (``mj-text``, ``mj-button``, ``mj-raw``, …) is
HTML that need not be well-formed XML, so it is skipped, not parsed.

Problems are in Swedish: they reach the people who restyle the templates
through the issue lint.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

# Elements whose content is HTML, CSS or text rather than MJML.
ENDING_TAGS = frozenset(
    {
        "mj-text",
        "mj-button",
        "mj-table",
        "mj-raw",
        "mj-navbar-link",
        "mj-social-element",
        "mj-accordion-title",
        "mj-accordion-text",
        "mj-style",
        "mj-title",
        "mj-preview",
    }
)

HEAD_ELEMENTS = frozenset(
    {
        "mj-attributes",
        "mj-breakpoint",
        "mj-font",
        "mj-html-attributes",
        "mj-preview",
        "mj-style",
        "mj-title",
    }
)

CONTENT_ELEMENTS = frozenset(
    {
        "mj-text",
        "mj-button",
        "mj-image",
        "mj-divider",
        "mj-spacer",
        "mj-table",
        "mj-social",
        "mj-navbar",
        "mj-accordion",
        "mj-carousel",
    }
)

_BODY_CONTAINERS = frozenset({"mj-body", "mj-wrapper"})
_CONTENT_PARENTS = frozenset({"mj-column", "mj-hero"})

# The allowed parents of every element MJML 4 defines (mjml.io/documentation).
ALLOWED_PARENTS: dict[str, frozenset[str]] = {
    "mj-head": frozenset({"mjml"}),
    "mj-body": frozenset({"mjml"}),
    **{name: frozenset({"mj-head"}) for name in HEAD_ELEMENTS},
    "mj-all": frozenset({"mj-attributes"}),
    "mj-class": frozenset({"mj-attributes"}),
    "mj-selector": frozenset({"mj-html-attributes"}),
    "mj-html-attribute": frozenset({"mj-selector"}),
    "mj-section": _BODY_CONTAINERS,
    "mj-wrapper": _BODY_CONTAINERS,
    "mj-hero": _BODY_CONTAINERS,
    "mj-column": frozenset({"mj-section", "mj-group"}),
    "mj-group": frozenset({"mj-section"}),
    **{name: _CONTENT_PARENTS for name in CONTENT_ELEMENTS},
    "mj-raw": frozenset(
        {"mj-head", "mj-body", "mj-wrapper", "mj-section", "mj-group", "mj-column", "mj-hero"}
    ),
    "mj-social-element": frozenset({"mj-social"}),
    "mj-navbar-link": frozenset({"mj-navbar"}),
    "mj-accordion-element": frozenset({"mj-accordion"}),
    "mj-accordion-title": frozenset({"mj-accordion-element"}),
    "mj-accordion-text": frozenset({"mj-accordion-element"}),
    "mj-carousel-image": frozenset({"mj-carousel"}),
}
KNOWN_ELEMENTS = frozenset({"mjml", "mj-include", *ALLOWED_PARENTS})

# Elements that may contain only other MJML elements (and whitespace).
_MJML_ONLY = frozenset(KNOWN_ELEMENTS - ENDING_TAGS)


@dataclass
class _Open:
    name: str
    line: int


class _StructureParser(HTMLParser):
    """Walks MJML with the lenient HTML parser, recording problems as it goes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.stack: list[_Open] = []
        self.seen: set[str] = set()
        self.root_attrs: dict[str, str | None] | None = None
        self.roots = 0
        # Inside an ending tag: its name and how deeply it nests in itself.
        self.raw: str | None = None
        self.raw_depth = 0

    def _problem(self, message: str) -> None:
        self.problems.append(f"rad {self.getpos()[0]}: {message}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closes=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closes=True)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], *, closes: bool) -> None:
        if self.raw is not None:
            if tag == self.raw and not closes:
                self.raw_depth += 1
            return
        parent = self.stack[-1].name if self.stack else None
        self._check_element(tag, parent, attrs)
        if closes:
            return
        self.stack.append(_Open(tag, self.getpos()[0]))
        if tag in ENDING_TAGS:
            self.raw, self.raw_depth = tag, 0

    def _check_element(
        self, tag: str, parent: str | None, attrs: list[tuple[str, str | None]]
    ) -> None:
        self.seen.add(tag)
        if parent is None:
            self.roots += 1
            if tag != "mjml":
                self._problem(f"dokumentet ska börja med <mjml>, inte <{tag}>")
            elif self.root_attrs is None:
                self.root_attrs = dict(attrs)
            return
        if parent == "mj-attributes":
            # Defaults for any element may be declared here (<mj-text color="…"/>).
            if tag not in KNOWN_ELEMENTS:
                self._problem(f"okänt MJML-element <{tag}> i <mj-attributes>")
            return
        if tag == "mjml":
            self._problem("<mjml> får bara vara dokumentets rotelement")
            return
        if tag.startswith("mj-"):
            if tag not in KNOWN_ELEMENTS:
                self._problem(f"okänt MJML-element <{tag}>")
                return
            if tag == "mj-include":
                self._problem("<mj-include> stöds inte: mallarna inkluderar med Jinja")
                return
            allowed = ALLOWED_PARENTS.get(tag, frozenset())
            if parent not in allowed:
                where = " eller ".join(f"<{p}>" for p in sorted(allowed)) or "ingenstans"
                self._problem(f"<{tag}> får inte ligga i <{parent}> (tillåtet i {where})")
            return
        if parent in _MJML_ONLY:
            self._problem(
                f"HTML-elementet <{tag}> ligger direkt i <{parent}>; lägg det i <mj-text>"
            )

    def handle_endtag(self, tag: str) -> None:
        if self.raw is not None:
            if tag != self.raw:
                return
            if self.raw_depth:
                self.raw_depth -= 1
                return
            self.raw = None
        if not self.stack:
            self._problem(f"</{tag}> saknar starttagg")
            return
        if self.stack[-1].name == tag:
            self.stack.pop()
            return
        open_names = [o.name for o in self.stack]
        if tag in open_names:
            # Report each element the end tag implicitly closes, then recover.
            while self.stack and self.stack[-1].name != tag:
                unclosed = self.stack.pop()
                self._problem(f"<{unclosed.name}> från rad {unclosed.line} stängs aldrig")
            self.stack.pop()
        else:
            self._problem(f"</{tag}> saknar starttagg")

    def handle_data(self, data: str) -> None:
        if self.raw is not None or not data.strip() or not self.stack:
            return
        parent = self.stack[-1].name
        if parent in _MJML_ONLY:
            snippet = " ".join(data.split())[:40]
            self._problem(f"text direkt i <{parent}> ({snippet!r}); lägg den i <mj-text>")


def check_mjml_structure(mjml: str) -> list[str]:
    """Every structural problem in an MJML document (empty when it is valid).

    Checks: the root is ``<mjml lang="…">``; every ``mj-*`` element is one MJML
    defines, with a parent MJML allows; no loose HTML or text between layout
    elements; every element is closed; the head has ``mj-title`` and ``mj-preview``.
    """
    parser = _StructureParser()
    parser.feed(mjml)
    parser.close()
    problems = parser.problems
    for unclosed in reversed(parser.stack):
        problems.append(f"<{unclosed.name}> från rad {unclosed.line} stängs aldrig")
    if parser.roots == 0:
        problems.append("dokumentet saknar <mjml>")
    elif parser.roots > 1:
        problems.append("dokumentet har mer än ett rotelement")
    if parser.root_attrs is not None and not (parser.root_attrs.get("lang") or "").strip():
        problems.append('<mjml> saknar språk: skriv <mjml lang="sv">')
    for required in ("mj-body", "mj-title", "mj-preview"):
        if required not in parser.seen:
            problems.append(f"<{required}> saknas")
    return problems
