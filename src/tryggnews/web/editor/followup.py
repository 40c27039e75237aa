"""``/redaktion/uppfoljning/<year>``: the yearly report for editors (login required).

The full report: per-variant figures too. ``…/<year>/rapport.pdf`` is the same as a
PDF for the kommunstyrelse's minutes. Both are read-only (no form, nothing to audit).
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers import Response

from tryggnews.followup.html import report_body
from tryggnews.followup.pdf import report_pdf
from tryggnews.web.editor.guard import now
from tryggnews.web.public.followup import load_report

bp = Blueprint("followup", __name__, url_prefix="/redaktion/uppfoljning")


@bp.get("/", endpoint="index")
def index() -> Response:
    return redirect(url_for("editor.followup.show", year=str(now().year)))


@bp.get("/<year>", endpoint="show")
def show(year: str) -> str:
    report = load_report(year)
    return render_template(
        "editor/followup.html", report=report, body=report_body(report, public=False)
    )


@bp.get("/<year>/rapport.pdf", endpoint="pdf")
def pdf(year: str) -> Response:
    report = load_report(year)
    response = Response(report_pdf(report), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="uppfoljning-{report.year}.pdf"'
    )
    return response
