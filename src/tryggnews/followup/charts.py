"""Charts for the yearly report: pygal bar charts as inline SVG, with nothing active.

pygal writes a ``<script>`` (its tooltip configuration) and a ``<style>`` into every
chart; the site's Content-Security-Policy (``style-src 'self'; script-src 'self'``)
would block both, and a chart must not run code anyway. So each chart is cleaned: no
script, no style element or attribute, no comment, no link; the colours come from
``CHART_CSS`` (served as ``/static/report.css`` and given to WeasyPrint for the PDF).
Each chart carries its own ``<title>`` and ``<desc>`` (the text alternative, with the
same numbers as the table beside it) and ``role="img"``.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pygal
from pygal.style import Style

# pygal appends a finder to sys.meta_path that only serves map plugins (pygal.maps.*,
# which we do not use) and has no find_spec: every later import that no other finder
# resolves then raises an ImportWarning ("falling back to find_module()") on 3.11, an
# error wherever warnings are errors. Take it out again.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)
_STRIP_TAGS = {f"{{{SVG_NS}}}script", f"{{{SVG_NS}}}style"}
_LINK_ATTRS = ("href", f"{{{XLINK_NS}}}href")
# Colours with a contrast of at least 3:1 against white (WCAG 1.4.11, graphics).
COLOURS = ("#1f5c99", "#b3261e", "#6a4c93", "#2e7d32", "#8a5a00", "#37474f")

# The charts' styles in two parts. The layout is ordinary CSS. The paint (fill, stroke) is
# SVG's: a browser applies it from the page's stylesheet, but WeasyPrint applies it only from
# a <style> inside the SVG itself (``painted``), and warns about it in the document's.
CHART_LAYOUT_CSS = (
    "svg.chart { width: 100%; height: auto; max-width: 44rem; }\n"
    "svg.chart text { font-family: 'DejaVu Sans', sans-serif; font-size: 12px; }\n"
    "svg.chart .title { font-size: 15px; }\n"
)
CHART_PAINT_CSS = (
    "svg.chart .background, svg.chart .plot .background { fill: #ffffff; }\n"
    "svg.chart text { fill: #1a1a1a; }\n"
    "svg.chart .axis .line, svg.chart .axis .guides .line { stroke: #6b6b6b; }\n"
    "svg.chart .axis .guide.line { stroke: #d0d0d0; stroke-dasharray: 4,4; }\n"
    + "".join(
        f"svg.chart .color-{i} .rect, svg.chart .color-{i} rect {{ fill: {c}; stroke: {c}; }}\n"
        f"svg.chart .legends .color-{i} {{ fill: {c}; stroke: {c}; }}\n"
        for i, c in enumerate(COLOURS)
    )
)
# The x axis's width in the chart's 700 px, a 12 px character's width, and the longest
# label drawn whole.
PLOT_PX, CHAR_PX, LONGEST_LABEL = 620, 7, 20
# For a page: the site's stylesheet (/uppfoljning/diagram.css) and the HTML document.
CHART_CSS = CHART_LAYOUT_CSS + CHART_PAINT_CSS


@dataclass(frozen=True)
class Chart:
    """One chart: its SVG (safe to inline) and the text that describes it."""

    id: str
    title: str
    description: str
    svg: str


def bar_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
) -> Chart:
    """A grouped bar chart; ``description`` names every value, as the table does."""
    # The sizes the stylesheet draws the text at (CHART_LAYOUT_CSS), so pygal leaves room
    # for the labels it lays out.
    style = Style(
        colors=COLOURS,
        font_family="DejaVu Sans",
        background="#ffffff",
        label_font_size=12,
        major_label_font_size=12,
        legend_font_size=12,
    )
    chart = pygal.Bar(
        js=[],
        style=style,
        width=700,
        height=360,
        explicit_size=False,
        disable_xml_declaration=True,
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        print_values=False,
        no_data_text="Inga uppgifter",
        # Labels too wide for their place on the axis (the focus areas' names) slant
        # instead of overlapping; a very long one is shortened with "…" (the table and
        # <desc> give it whole).
        x_label_rotation=30 if _crowded(labels) else 0,
        truncate_label=LONGEST_LABEL,
    )
    # No drawn title: the page's heading and the table's caption say it, and the SVG keeps
    # it as <title> for screen readers (a drawn one was clipped at the report's font size).
    chart.x_labels = list(labels)
    # Counts: whole numbers on the axis, about five steps.
    top = max((v for _, values in series for v in values), default=0)
    top = max(top, 1)  # every count 0: an axis from 0 to 1, not a line at 0
    step = max(1, -(-top // 5))
    chart.y_labels = list(range(0, top + step, step))
    chart.range = (0, chart.y_labels[-1])
    for name, values in series:
        chart.add(name, list(values))
    description = _describe(title, labels, series)
    return Chart(
        chart_id,
        title,
        description,
        clean_svg(chart.render(is_unicode=True), chart_id, title, description),
    )


def _crowded(labels: Sequence[str]) -> bool:
    """Whether the longest label is wider than its share of the axis, at 12 px."""
    longest = min(LONGEST_LABEL, max((len(label) for label in labels), default=0))
    return longest * CHAR_PX > 0.9 * PLOT_PX / max(1, len(labels))


def _describe(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]
) -> str:
    if not labels:
        return f"{title}: inga uppgifter."
    parts = []
    for index, label in enumerate(labels):
        values = ", ".join(f"{name} {values[index]}" for name, values in series)
        parts.append(f"{label}: {values}")
    return f"{title}. " + "; ".join(parts) + "."


def clean_svg(svg: str, chart_id: str, title: str, description: str) -> str:
    """The SVG without scripts, styles, comments or links; with role, title and desc, and
    every id of pygal's own prefixed with ``chart_id``."""
    root = ET.fromstring(svg)  # noqa: S314 - pygal's own output
    for parent in root.iter():
        for child in list(parent):
            if child.tag in _STRIP_TAGS or not isinstance(child.tag, str):
                parent.remove(child)
    for element in root.iter():
        for name in [*element.attrib]:
            if name == "style" or name in _LINK_ATTRS or name.startswith("on"):
                del element.attrib[name]
        if "id" in element.attrib:
            # pygal numbers its legend ids the same in every chart: unique per page.
            element.set("id", f"{chart_id}-{element.get('id')}")
    for child in list(root):
        if child.tag in (f"{{{SVG_NS}}}title", f"{{{SVG_NS}}}desc"):
            root.remove(child)  # pygal's own; ours below has ids for aria-labelledby
    root.set("id", chart_id)
    root.set("class", "chart pygal-chart")
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    title_el = ET.Element(f"{{{SVG_NS}}}title", {"id": f"{chart_id}-title"})
    title_el.text = title
    desc_el = ET.Element(f"{{{SVG_NS}}}desc", {"id": f"{chart_id}-desc"})
    desc_el.text = description
    root.insert(0, desc_el)
    root.insert(0, title_el)
    text = ET.tostring(root, encoding="unicode")
    # Comments are dropped by the parser already; keep the markup free of any leftover.
    return re.sub(r"<!--.*?-->", "", text, flags=re.S)


def painted(chart: Chart) -> Chart:
    """``chart`` with its paint in a ``<style>`` of its own, for the PDF (``CHART_PAINT_CSS``).
    Never for a web page: the site's Content-Security-Policy refuses inline styles."""
    root = ET.fromstring(chart.svg)  # noqa: S314 - our own cleaned SVG
    style = ET.Element(f"{{{SVG_NS}}}style")
    style.text = CHART_PAINT_CSS
    root.insert(0, style)
    return replace(chart, svg=ET.tostring(root, encoding="unicode"))
