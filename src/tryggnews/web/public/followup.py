"""``/uppfoljning/<year>``: the yearly follow-up for everyone, and its chart styles.

The public version of the report (``followup.report``): counts per issue, focus area,
audience, language and month; no per-variant figures, no names or addresses. A year
that is not four digits (2000–2100) is 404. The charts' colours are served from
``/uppfoljning/diagram.css`` (the site's CSP allows no inline style in the SVG).

Building the report replays the year's consent events (about half a second for 20,000
subscribers), so the page is kept per process for the same five minutes a browser or
proxy may keep it (``shared_page`` with the window as its version): a link in local
media costs one build per window, not one per reader.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort

from tryggnews import wiring
from tryggnews.errors import ValidationError
from tryggnews.followup.charts import CHART_CSS
from tryggnews.followup.html import report_body
from tryggnews.followup.report import Report, build_report, parse_year
from tryggnews.web.context import web_context
from tryggnews.web.public.shared_pages import shared_page

# Counts change slowly and hold no personal data: anyone may keep the page a while.
KEPT_SECONDS = 300
PUBLIC_CACHE = f"public, max-age={KEPT_SECONDS}"


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
    def page() -> dict[str, object]:
        report = load_report(year)  # a malformed year: 404 here, before anything is kept
        return {"report": report, "body": report_body(report, public=True)}

    window = int(web_context().clock.now().timestamp()) // KEPT_SECONDS
    html = shared_page("public/followup.html", page, version=("followup", window))
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return response


def chart_styles() -> Response:
    response = Response(CHART_CSS, mimetype="text/css")
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return response
