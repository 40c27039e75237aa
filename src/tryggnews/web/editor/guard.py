"""Who is logged in, and the default-deny guard in front of every editor page.

Every view under the editor blueprint needs a logged-in, active editor unless it is
marked ``@public`` (the login and set-password pages, the media files); views of the
admin blueprints need an administrator. A session lives in Flask's signed cookie
and ends after ``session_hours`` without activity, when the password changes, or
when the account is disabled — checked against the database on every request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from tryggnews.db.models import User, UserRole
from tryggnews.editors.accounts import session_stamp
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


def login(user: User) -> None:
    # A fresh session on login: nothing from before (a fixed session id) carries over.
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["stamp"] = session_stamp(user)
    session["seen"] = now().timestamp()


def logout() -> None:
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
    uid = session.get("uid")
    if not isinstance(uid, int):
        return None
    settings = web_context().settings
    seen = session.get("seen")
    moment = now()
    idle = timedelta(hours=settings.session_hours)
    if not isinstance(seen, int | float) or moment.timestamp() - seen > idle.total_seconds():
        session.clear()
        flash("Du har loggats ut eftersom du inte har varit aktiv på ett tag. Logga in igen.")
        return None
    user = db().get(User, uid)
    if user is None or not user.active or session.get("stamp") != session_stamp(user):
        session.clear()
        return None
    session["seen"] = moment.timestamp()
    return user


def safe_next(target: str | None) -> str:
    """Where to go after login: only a path inside the workspace, never another site."""
    parts = urlsplit(target or "")
    if (
        target
        and not parts.scheme
        and not parts.netloc
        and parts.path.startswith("/redaktion")
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return url_for("editor.dashboard.index")
