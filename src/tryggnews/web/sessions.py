"""The browser session: Flask's signed cookie, its serializer built once.

Flask builds the cookie's signing serializer on every request, also one that carries no
cookie at all (``open_session`` asks for it first); that was a measurable part of the
cheapest public pages (docs/performance.md). The serializer holds only the keys and
settings, so one per key set serves every request and thread. The editors' sessions are
still looked up on the server for every request (``web.editor.guard``).
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CookieSessions(SecureCookieSessionInterface):
    """Flask's session interface, with one signing serializer per secret key set."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is None:
                return None
            self._serializers[keys] = serializer
        return serializer
