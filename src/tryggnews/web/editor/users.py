"""Accounts for administrators: add, disable, enable, unlock, send a set-password link,
sign a person out everywhere."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from tryggnews.content import audit
from tryggnews.content.organisations import SIGNING_ORGANISATIONS
from tryggnews.db.models import User, UserRole
from tryggnews.editors.accounts import (
    SET_PASSWORD_HOURS,
    PasswordLinks,
    create_user,
    list_users,
    set_active,
    sign_out_everywhere,
    unlock,
)
from tryggnews.editors.mail import password_link_notice
from tryggnews.errors import ValidationError
from tryggnews.web.context import web_context
from tryggnews.web.editor.forms import problems_of
from tryggnews.web.editor.guard import current_user, db, now, require_admin
from tryggnews.web.editor.services import services

bp = Blueprint("users", __name__, url_prefix="/redaktion/anvandare")
bp.before_request(require_admin)
ROLE_NAMES = {UserRole.EDITOR.value: "Redaktör", UserRole.ADMIN.value: "Administratör"}


def _page(
    *,
    link: tuple[str, str] | None = None,
    problems: list[str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    return render_template(
        "editor/users.html",
        users=list_users(db()),
        organisations=SIGNING_ORGANISATIONS,
        roles=ROLE_NAMES,
        link=link,
        problems=problems or [],
        form=form or {"email": "", "name": "", "organisation": "", "role": "editor"},
        now=now(),
        me=current_user(),
    ), status


@bp.get("/", endpoint="index")
def index() -> tuple[str, int]:
    return _page()


def _send_link(user: User) -> tuple[str, str]:
    """Make a set-password link, email it to the user and return (address, link) to show."""
    token = PasswordLinks(web_context().settings.require_secret_key()).make(user, now=now())
    link = f"{services().settings.base_url}{url_for('editor.auth.set_password', token=token)}"
    audit.record(
        db(),
        actor=current_user().email,
        action="user.link",
        object_type="user",
        object_id=user.id,
        details={"email": user.email},
        at=now(),
    )
    db().commit()
    failed = services().notify(
        [password_link_notice(user.email, user.name, link, SET_PASSWORD_HOURS)]
    )
    if failed:
        flash(f"E-post till {user.email} kunde inte skickas; ge personen länken själv.", "error")
    return user.email, link


@bp.post("/", endpoint="create")
def create() -> tuple[str, int]:
    form = {k: request.form.get(k, "").strip() for k in ("email", "name", "organisation", "role")}
    session = db()
    try:
        user = create_user(
            session,
            email=form["email"],
            name=form["name"],
            organisation=form["organisation"],
            role=form["role"],
            actor=current_user().email,
            now=now(),
        )
    except ValidationError as exc:
        session.rollback()
        return _page(problems=problems_of(exc), form=form, status=400)
    session.commit()
    return _page(link=_send_link(user))


def _user(user_id: int) -> User:
    user = db().get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/<int:user_id>/lank", endpoint="link")
def link(user_id: int) -> tuple[str, int]:
    return _page(link=_send_link(_user(user_id)))


@bp.post("/<int:user_id>/aktiv", endpoint="set_active")
def active(user_id: int) -> Response:
    user = _user(user_id)
    enable = request.form.get("active") == "1"
    if user.id == current_user().id and not enable:
        flash("Du kan inte inaktivera ditt eget konto.", "error")
        return redirect(url_for("editor.users.index"))
    set_active(db(), user, enable, actor=current_user().email, now=now())
    db().commit()
    flash(f"{user.email} är {'aktiverad' if enable else 'inaktiverad'}.", "ok")
    return redirect(url_for("editor.users.index"))


@bp.post("/<int:user_id>/logga-ut-overallt", endpoint="sign_out_everywhere")
def sign_out(user_id: int) -> Response:
    user = _user(user_id)
    ended = sign_out_everywhere(db(), user, actor=current_user().email, now=now())
    db().commit()
    flash(f"{user.email} är utloggad överallt ({ended} inloggningar avslutades).", "ok")
    return redirect(url_for("editor.users.index"))


@bp.post("/<int:user_id>/las-upp", endpoint="unlock")
def unlock_user(user_id: int) -> Response:
    user = _user(user_id)
    unlock(db(), user, actor=current_user().email, now=now())
    db().commit()
    flash(f"{user.email} är upplåst.", "ok")
    return redirect(url_for("editor.users.index"))
