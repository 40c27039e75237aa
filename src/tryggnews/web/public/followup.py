"""``/uppfoljning/<year>``: the yearly follow-up for everyone, and its chart styles.

The public version of the report (``followup.report``): counts per issue, focus area,
audience, language and month; no per-variant figures, no names or addresses. A year
that is not four digits (2000–2100) is 404. The charts' colours are served from
``/uppfoljning/diagram.css`` (the site's CSP allows no inline style in the SVG).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from tryggnews import wiring
from tryggnews.errors import ValidationError
from tryggnews.followup.charts import CHART_CSS
from tryggnews.followup.html import report_body
from tryggnews.followup.report import Report, build_report, parse_year
from tryggnews.web.context import web_context

# Counts change slowly and hold no personal data: anyone may keep the page a while.
PUBLIC_CACHE = "public, max-age=300"


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/uppfoljning/diagram.css", view_func=chart_styles, methods=["GET"])
    bp.add_url_rule("/uppfoljning/<year>", view_func=followup_page, methods=["GET"])


def load_report(year_text: str) -> Report:
    """The report of ``year_text`` from this app's database; 404 for a malformed year."""
    try:
        year = parse_year(year_text)
    except ValidationError:
        abort(404)
    context = web_context()
    with context.session_factory() as session:
        return build_report(
            session,
            year,
            schedule=wiring.schedule(context.settings),
            promise=wiring.promise(context.settings),
            audience_labels=context.vocabulary.audiences,
            language_labels=context.vocabulary.languages,
            now=context.clock.now(),
        )


def followup_page(year: str) -> Response:
    report = load_report(year)
    html = render_template(
        "public/followup.html", report=report, body=report_body(report, public=True)
    )
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return response


def chart_styles() -> Response:
    response = Response(CHART_CSS, mimetype="text/css")
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return response
