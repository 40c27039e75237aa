"""Reading the editors' forms, and turning domain errors into pages and messages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request
from werkzeug.wrappers import Response

from tryggnews.content.approvals import ApprovalError, EditConflictError, PermissionRefusedError
from tryggnews.editors.mail import Notice
from tryggnews.errors import NotFoundError, ValidationError
from tryggnews.web.editor.services import services


def form_int(name: str) -> int | None:
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        return None


def problems_of(error: ValidationError) -> list[str]:
    """The separate problems in a ValidationError, each shown as one list item."""
    return [part.strip() for part in str(error).split("; ") if part.strip()]


def send_and_report(notices: list[Notice]) -> None:
    """Email notices after commit; tell the editor who was told and who could not be."""
    if not notices:
        return
    failed = services().notify(notices)
    told = [n.to for n in notices if n.to not in failed]
    if told:
        flash("Godkännandena återkallades. E-post skickades till " + ", ".join(told) + ".")
    if failed:
        flash(
            "Det gick inte att skicka e-post till " + ", ".join(failed) + ". Säg till dem själv.",
            "error",
        )


def register_error_pages(bp: Blueprint) -> None:
    @bp.errorhandler(PermissionRefusedError)
    def refused(error: PermissionRefusedError) -> tuple[str, int]:
        return render_template(
            "editor/message.html", title="Du har inte behörighet", message=str(error)
        ), 403

    @bp.errorhandler(EditConflictError)
    def conflict(error: EditConflictError) -> tuple[str, int]:
        return render_template(
            "editor/message.html",
            title="Någon annan hann före",
            message=str(error),
            back_url=request.referrer if _same_site(request.referrer) else None,
        ), 409

    @bp.errorhandler(ApprovalError)
    def approval(error: ApprovalError) -> Response:
        flash(str(error), "error")
        return redirect(request.referrer if _same_site(request.referrer) else "/redaktion/")

    @bp.errorhandler(NotFoundError)
    def not_found(error: NotFoundError) -> tuple[str, int]:
        return render_template("editor/message.html", title="Finns inte", message=str(error)), 404


def _same_site(url: str | None) -> bool:
    """Only send people back to a workspace page of this site (never elsewhere)."""
    return url is not None and url.startswith(request.host_url + "redaktion")
