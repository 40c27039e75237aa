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
from dataclasses import dataclass

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

CHART_CSS = (
    "svg.chart { width: 100%; height: auto; max-width: 44rem; }\n"
    "svg.chart text { font-family: 'DejaVu Sans', sans-serif; }\n"
    "svg.chart .background, svg.chart .plot .background { fill: #ffffff; }\n"
    "svg.chart text { fill: #1a1a1a; font-size: 12px; }\n"
    "svg.chart .title { font-size: 15px; }\n"
    "svg.chart .axis .line, svg.chart .axis .guides .line { stroke: #6b6b6b; }\n"
    "svg.chart .axis .guide.line { stroke: #d0d0d0; stroke-dasharray: 4,4; }\n"
    + "".join(
        f"svg.chart .color-{i} .rect, svg.chart .color-{i} rect {{ fill: {c}; stroke: {c}; }}\n"
        f"svg.chart .legends .color-{i} {{ fill: {c}; stroke: {c}; }}\n"
        for i, c in enumerate(COLOURS)
    )
)


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
    style = Style(colors=COLOURS, font_family="DejaVu Sans", background="#ffffff")
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
        x_label_rotation=0 if len(labels) <= 6 else 30,
    )
    # No drawn title: the page's heading and the table's caption say it, and the SVG keeps
    # it as <title> for screen readers (a drawn one was clipped at the report's font size).
    chart.x_labels = list(labels)
    # Counts: whole numbers on the axis, about five steps.
    top = max((v for _, values in series for v in values), default=0)
    if top > 0:
        step = max(1, -(-top // 5))
        chart.y_labels = list(range(0, top + step, step))
    for name, values in series:
        chart.add(name, list(values))
    description = _describe(title, labels, series)
    return Chart(
        chart_id,
        title,
        description,
        clean_svg(chart.render(is_unicode=True), chart_id, title, description),
    )


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
    """The SVG without scripts, styles, comments or links; with role, title and desc."""
    root = ET.fromstring(svg)  # noqa: S314 - pygal's own output
    for parent in root.iter():
        for child in list(parent):
            if child.tag in _STRIP_TAGS or not isinstance(child.tag, str):
                parent.remove(child)
    for element in root.iter():
        for name in [*element.attrib]:
            if name == "style" or name in _LINK_ATTRS or name.startswith("on"):
                del element.attrib[name]
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
