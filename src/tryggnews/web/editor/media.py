"""Serving uploaded images at ``/media/<name>``: public, since the emails load them."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_file
from werkzeug.wrappers import Response

from tryggnews.editors.media import MIME_TYPES, logo_mime_type, media_path
from tryggnews.web.editor.guard import public
from tryggnews.web.editor.services import services

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.get("/<name>", endpoint="file")
@public
def media_file(name: str) -> Response:
    path = media_path(services().settings.media_dir.resolve(), name)
    if path is None:
        abort(404)
    return _image(path, MIME_TYPES[path.suffix[1:]])


@bp.get("/logo/<organisation>", endpoint="logo")
@public
def logo_file(organisation: str) -> Response:
    """The masthead logo set in TRYGGNEWS_LOGO_KOMMUN / _POLIS (the emails link here)."""
    settings = services().settings
    configured = {"kommun": settings.logo_kommun, "polis": settings.logo_polis}.get(organisation)
    path = Path(configured) if configured else None
    mimetype = logo_mime_type(path) if path is not None and path.is_file() else None
    if path is None or mimetype is None:
        abort(404)
    return _image(path, mimetype)


def _image(path: Path, mimetype: str) -> Response:
    response = send_file(path, mimetype=mimetype, max_age=7 * 24 * 3600, conditional=True)
    # An image needs no script or style; a browser that sniffs anyway gets nothing to run.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
