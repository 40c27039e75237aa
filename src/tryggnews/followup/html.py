"""The report and an issue's figures as HTML, from the room's own templates.

One Jinja environment (autoescaped) renders ``templates/report_body.html`` for every
output: the workspace and the public page embed the body in their own layout, the
CLI and the PDF wrap it in ``standalone_html`` (a whole document with its styles
inline, since a file on disk or a PDF has no ``/static``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session

from tryggnews.db.models import Issue
from tryggnews.followup.charts import CHART_CSS, CHART_LAYOUT_CSS, Chart, bar_chart, painted
from tryggnews.followup.figures import LABELS_SV, NO_TRACKING_SV, issue_figures
from tryggnews.followup.report import Report, as_json
from tryggnews.followup.report_text import press_text, short_text
from tryggnews.render.dates import format_date, register_date_filters

MONTHS_SV = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
# For the standalone document (CLI --format html, the PDF): the page's own look.
DOCUMENT_CSS = (
    "body { font-family: 'DejaVu Sans', sans-serif; color: #1a1a1a; margin: 2rem; "
    "line-height: 1.45; }\n"
    "h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }\n"
    "table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }\n"
    "th, td { border: 1px solid #999; padding: 0.25rem 0.5rem; text-align: left; "
    "vertical-align: top; }\n"
    "caption { text-align: left; font-weight: bold; padding: 0.25rem 0; }\n"
    "figure { margin: 1rem 0; } figcaption { font-size: 0.9rem; }\n"
    "@page { size: A4; margin: 18mm 15mm; }\n"
    "svg.chart { max-width: 100%; }\n"
)
# On paper: the page's own margins only, and tables narrow enough for A4, their words
# hyphenated (Swedish, from lang="sv") rather than cut off at the page's edge.
PRINT_CSS = "body { margin: 0; }\nth, td { font-size: 0.85rem; hyphens: auto; }\n"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tryggnews.followup", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    register_date_filters(env)
    env.filters["sv_date"] = format_date
    return env


def figures_html(session: Session, issue: Issue) -> Markup:
    """The issue's figures (total and per variant) as an HTML fragment."""
    figures = issue_figures(session, issue)
    template = _environment().get_template("_figures.html")
    body = template.module.figures_tables(  # type: ignore[attr-defined]
        figures, LABELS_SV, "figures", f"Utskick {issue.key}"
    )
    return Markup(f"<p>{Markup.escape(NO_TRACKING_SV)}</p>{body}")  # noqa: S704 - escaped above


def charts_of(report: Report) -> dict[str, Chart]:
    data = as_json(report)
    sent = report.sent
    months = data["subscribers"]["per_month"]
    return {
        "issues": bar_chart(
            "chart-issues",
            f"Nyhetsbrev {report.year}: utlovade, planerade och skickade",
            ["Utlovade (minst)", "Planerade", "Skickade"],
            [("Antal", [report.minimum, report.planned, len(sent)])],
        ),
        "areas": bar_chart(
            "chart-areas",
            "Avsnitt per fokusområde",
            [name for _, name, _ in report.per_focus_area],
            [("Avsnitt", [count for _, _, count in report.per_focus_area])],
        ),
        "months": bar_chart(
            "chart-months",
            "Anmälda och avslutade prenumerationer per månad",
            list(MONTHS_SV),
            [
                ("Anmälda", [m["signups"] for m in months]),
                ("Avslutade", [m["unsubscriptions"] for m in months]),
            ],
        ),
        "delivery": bar_chart(
            "chart-delivery",
            "Leverans per utskick",
            [e.key for e in sent],
            [
                (
                    LABELS_SV[name],
                    [getattr(e.figures.total, name) if e.figures else 0 for e in sent],
                )
                for name in ("delivered", "bounced_hard", "bounced_soft", "failed", "skipped")
            ],
        ),
    }


def _context(report: Report, public: bool) -> dict[str, Any]:
    data = as_json(report, public=public)
    subs = data["subscribers"]

    def paired(kind: str) -> list[tuple[str, int, int]]:
        start = {r["key"]: r for r in subs["start"][kind]}
        end = {r["key"]: r for r in subs["end"][kind]}
        keys = list(dict.fromkeys([*start, *end]))
        return [
            (
                (start.get(k) or end[k])["label"],
                start.get(k, {}).get("count", 0),
                end.get(k, {}).get("count", 0),
            )
            for k in keys
        ]

    charts = charts_of(report)
    return {
        "r": report,
        "j": data,
        "public": public,
        "charts": charts,
        "figure_labels": LABELS_SV,
        "no_tracking": NO_TRACKING_SV,
        "area_rows": [[name, count] for _, name, count in report.per_focus_area],
        "audience_rows": paired("per_audience"),
        "language_rows": paired("per_language"),
        "month_rows": [
            [MONTHS_SV[i], m["signups"], m["unsubscriptions"]]
            for i, m in enumerate(subs["per_month"])
        ],
        "delivery_rows": [
            [e.key, *[getattr(e.figures.total, n) for n in LABELS_SV]]
            for e in report.sent
            if e.figures
        ],
        "short": short_text(report),
        "press": press_text(report),
    }


def report_body(
    report: Report, *, public: bool, chart: Callable[[Chart], Chart] = lambda c: c
) -> Markup:
    """The report's sections (``<h2>`` and below), for a page that has its own ``<h1>``;
    each chart as ``chart`` makes it."""
    context = _context(report, public)
    context["charts"] = {key: chart(c) for key, c in context["charts"].items()}
    html = _environment().get_template("report_body.html").render(context)
    return Markup(html)  # noqa: S704 - rendered by an autoescaping environment


def standalone_html(report: Report, *, public: bool = False, printed: bool = False) -> str:
    """A whole HTML document (CLI ``--format html``); ``printed``: the PDF's source."""
    title = f"Uppföljning av Trygg i Österåker {report.year}"
    if printed:
        css = DOCUMENT_CSS + CHART_LAYOUT_CSS + PRINT_CSS
        body = report_body(report, public=public, chart=painted)
    else:
        css = DOCUMENT_CSS + CHART_CSS
        body = report_body(report, public=public)
    return (
        '<!doctype html>\n<html lang="sv"><head><meta charset="utf-8">'
        f"<title>{Markup.escape(title)}</title>"
        f"<style>{css}</style></head>"
        f"<body><main><h1>{Markup.escape(title)}</h1>"
        f"<p>Sammanställd {format_date(report.generated_at.date())}.</p>"
        f"{body}</main></body></html>\n"
    )
