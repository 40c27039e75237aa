"""Static checks of rendered HTML for the render tests: contrast, font sizes, URLs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_HEX = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
_URL = re.compile(r"""https?://[^\s"'<>)]+""")
_XMLNS = re.compile(r'\sxmlns(:\w+)?="[^"]*"')


def luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@dataclass
class TextRun:
    text: str
    colour: str
    background: str
    font_px: float


@dataclass
class _Frame:
    tag: str
    colour: str | None
    background: str | None
    font_px: float | None
    hidden: bool


def _style(attrs: dict[str, str | None]) -> dict[str, str]:
    result: dict[str, str] = {}
    for declaration in (attrs.get("style") or "").split(";"):
        if ":" in declaration:
            key, value = declaration.split(":", 1)
            result[key.strip().lower()] = value.strip().lower()
    return result


class _TextCollector(HTMLParser):
    """Every visible text run in <body> with its inline-styled colour, background and size."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Frame] = []
        self.runs: list[TextRun] = []
        self.in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.in_body = True
        if tag in VOID:
            return
        names = dict(attrs)
        style = _style(names)
        background = None
        for key in ("background-color", "background"):
            match = _HEX.search(style.get(key, ""))
            if match:
                background = match.group(0)
                break
        if background is None and names.get("bgcolor"):
            background = names["bgcolor"]
        colour_match = _HEX.search(style.get("color", ""))
        size = re.match(r"([\d.]+)px", style.get("font-size", ""))
        self.stack.append(
            _Frame(
                tag,
                colour_match.group(0) if colour_match else None,
                background,
                float(size.group(1)) if size else None,
                style.get("display") == "none",
            )
        )

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self.in_body or not data.strip() or any(f.hidden for f in self.stack):
            return
        colour = next((f.colour for f in reversed(self.stack) if f.colour), "#000000")
        background = next((f.background for f in reversed(self.stack) if f.background), "#ffffff")
        size = next((f.font_px for f in reversed(self.stack) if f.font_px is not None), 16.0)
        self.runs.append(TextRun(" ".join(data.split()), colour, background, size))


def text_runs(html: str) -> list[TextRun]:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return collector.runs


def urls_in(html: str) -> list[str]:
    """Every http(s) URL in the HTML except XML namespace names (identifiers, never fetched)."""
    return _URL.findall(_XMLNS.sub("", html))
