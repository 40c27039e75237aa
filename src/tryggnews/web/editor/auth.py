"""Logging in and out, and choosing a password through a link.

Throttling (``services``): at most ``LOGIN_ATTEMPTS_PER_ADDRESS`` attempts per client
address in ``LOGIN_WINDOW``, and ``MAX_FAILED_LOGINS`` failures per (typed address,
client) in ``LOCK_MINUTES``; both answer 429 with the same text, for known and
unknown addresses alike. The account lock in the database applies only to a client
that has itself failed for that address, so a stranger cannot lock an editor out.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from tryggnews.content import audit
from tryggnews.editors.accounts import (
    LoginError,
    PasswordLinkError,
    PasswordLinks,
    authenticate,
    password_problems,
    set_password,
)
from tryggnews.web.context import web_context
from tryggnews.web.editor.guard import (
    current_user,
    db,
    login,
    logout,
    now,
    public,
    safe_next,
)
from tryggnews.web.editor.services import services

bp = Blueprint("auth", __name__, url_prefix="/redaktion")


@bp.route("/logga-in", methods=["GET", "POST"], endpoint="login")
@public
def login_page() -> str | Response | tuple[str, int]:
    target = request.values.get("next", "")
    if request.method == "GET":
        return render_template("editor/login.html", next=target, email="")
    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    client = request.remote_addr or "?"
    tries = f"{email.lower()}|{client}"
    limits = services()
    if limits.login_failures.over(tries) or not limits.login_limiter.allow(client):
        return (
            render_template(
                "editor/login.html",
                next=target,
                email=email,
                error="För många inloggningsförsök från den här datorn. Vänta en kvart "
                "och försök igen.",
            ),
            429,
        )
    database = db()
    try:
        failed_before = limits.login_failures.count(tries) > 0
        user = authenticate(database, email, password, now=now(), lock_applies=failed_before)
    except LoginError as exc:
        database.commit()  # keep the failure count and the log entry
        limits.login_failures.note(tries)
        return render_template("editor/login.html", next=target, email=email, error=str(exc)), 401
    database.commit()
    limits.login_failures.forget(tries)
    login(user)
    return redirect(safe_next(target))


@bp.post("/logga-ut", endpoint="logout")
def logout_page() -> Response:
    user = current_user()
    audit.record(
        db(),
        actor=user.email,
        action="auth.logout",
        object_type="user",
        object_id=user.id,
        at=now(),
    )
    db().commit()
    logout()
    flash("Du är utloggad.", "ok")
    return redirect(url_for("editor.auth.login"))


@bp.route("/losenord/<token>", methods=["GET", "POST"], endpoint="set_password")
@public
def set_password_page(token: str) -> str | Response | tuple[str, int]:
    links = PasswordLinks(web_context().settings.require_secret_key())
    database = db()
    try:
        user = links.check(database, token, now=now())
    except PasswordLinkError as exc:
        return render_template(
            "editor/message.html", title="Länken fungerar inte", message=str(exc)
        ), 400
    if request.method == "GET":
        return render_template("editor/set_password.html", account=user, problems=[])
    password = request.form.get("password", "")
    repeated = request.form.get("password_repeat", "")
    problems = password_problems(password)
    if password != repeated:
        problems.append("lösenorden är inte likadana")
    if problems:
        return render_template("editor/set_password.html", account=user, problems=problems), 400
    set_password(database, user, password, actor=user.email, now=now())
    database.commit()
    logout()
    flash("Ditt lösenord är sparat. Logga in med det.", "ok")
    return redirect(url_for("editor.auth.login"))
