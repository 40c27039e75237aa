"""Serving uploaded images at ``/media/<name>``: public, since the emails load them."""

from __future__ import annotations

from flask import Blueprint, abort, send_file
from werkzeug.wrappers import Response

from tryggnews.editors.media import MIME_TYPES, media_path
from tryggnews.web.editor.guard import public
from tryggnews.web.editor.services import services

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.get("/<name>", endpoint="file")
@public
def media_file(name: str) -> Response:
    path = media_path(services().settings.media_dir.resolve(), name)
    if path is None:
        abort(404)
    response = send_file(
        path, mimetype=MIME_TYPES[path.suffix[1:]], max_age=7 * 24 * 3600, conditional=True
    )
    # An image needs no script or style; a browser that sniffs anyway gets nothing to run.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
