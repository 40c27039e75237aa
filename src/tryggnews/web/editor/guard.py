"""Who is logged in, and the default-deny guard in front of every editor page.

Every view under the editor blueprint needs a logged-in, active editor unless it is
marked ``@public`` (the login and set-password pages, the media files); views of the
admin blueprints need an administrator. Flask's signed cookie carries only a random
session id (and the CSRF token); the session itself is a row in ``editor_sessions``
(``editors.sessions``), checked on every request. It ends after ``session_hours``
without activity, on logout, when the password changes, when the account is
disabled, and when an administrator signs the person out everywhere.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from tryggnews.db.models import User, UserRole
from tryggnews.editors.sessions import (
    RevokeReason,
    SessionState,
    check_session,
    open_session,
    revoke_session,
)
from tryggnews.web.context import web_context

F = TypeVar("F", bound=Callable[..., Any])
LOGIN_ENDPOINT = "editor.auth.login"


def public(view: F) -> F:
    """Let anonymous visitors reach this view (login, set password, media)."""
    view.tryggnews_public = True  # type: ignore[attr-defined]
    return view


def db() -> Session:
    """This request's database session (closed when the request ends)."""
    if "db" not in g:
        g.db = web_context().session_factory()
    database: Session = g.db
    return database


def close_db(_error: BaseException | None = None) -> None:
    database = g.pop("db", None)
    if database is not None:
        database.close()


def now() -> datetime:
    return web_context().clock.now()


def current_user() -> User:
    """The logged-in user; only call from guarded views."""
    user: User = g.user
    return user


def _idle() -> timedelta:
    return timedelta(hours=web_context().settings.session_hours)


def login(user: User) -> None:
    """Open a server-side session for ``user`` (committed) and put its id in the cookie."""
    # A fresh session on login: nothing from before (a fixed session id) carries over.
    session.clear()
    database = db()
    token = open_session(database, user, now=now(), idle=_idle())
    database.commit()
    session.permanent = True
    session["sid"] = token


def logout() -> None:
    """End this browser's session on the server too, so a copied cookie opens nothing."""
    token = session.get("sid")
    if isinstance(token, str):
        database = db()
        revoke_session(database, token, now=now(), reason=RevokeReason.LOGOUT)
        database.commit()
    session.clear()


def require_login() -> Response | None:
    """``before_request`` of the editor blueprint: default deny."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "tryggnews_public", False):
        return None
    user = _session_user()
    if user is None:
        if request.method in ("GET", "HEAD"):
            return redirect(url_for(LOGIN_ENDPOINT, next=request.full_path.rstrip("?")))
        abort(401)
    g.user = user
    return None


def require_admin() -> None:
    """``before_request`` of the admin blueprints (runs after ``require_login``)."""
    user = g.get("user")
    if user is None or user.role is not UserRole.ADMIN:
        abort(403)


def _session_user() -> User | None:
    token = session.get("sid")
    if not isinstance(token, str):
        return None
    database = db()
    checked = check_session(database, token, now=now(), idle=_idle())
    if database.dirty:
        database.commit()  # the activity time, or the end of an idle session
    if checked.user is None:
        session.clear()
        if checked.state is SessionState.IDLE:
            flash("Du har loggats ut eftersom du inte har varit aktiv på ett tag. Logga in igen.")
        return None
    return checked.user


def safe_next(target: str | None) -> str:
    """Where to go after login: only a path inside the workspace, never another site.

    Anything else — another host, a scheme, a backslash, a line break or any other
    control character (which would break the Location header) — goes to the dashboard.
    """
    parts = urlsplit(target or "")
    if (
        target
        and not parts.scheme
        and not parts.netloc
        and (parts.path == "/redaktion" or parts.path.startswith("/redaktion/"))
        and not target.startswith("//")
        and "\\" not in target
        and not any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in target)
    ):
        return target
    return url_for("editor.dashboard.index")
