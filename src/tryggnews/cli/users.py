"""`tryggnews users …`: editor and administrator accounts for the web workspace."""

from __future__ import annotations

import sys

import click

from tryggnews import wiring
from tryggnews.cli.base import AppContext, cli, cli_actor, handle_errors, pass_app
from tryggnews.clock import SystemClock
from tryggnews.content.organisations import SIGNING_ORGANISATIONS
from tryggnews.content.text import require_plain_text
from tryggnews.db.models import UserRole
from tryggnews.editors.accounts import (
    PASSWORD_MIN_LENGTH,
    SET_PASSWORD_HOURS,
    PasswordLinks,
    create_user,
    find_user,
    list_users,
    normalise_user_email,
    set_active,
    sign_out_everywhere,
)
from tryggnews.editors.mail import password_link_notice, send_notices
from tryggnews.errors import NotFoundError, ValidationError


@cli.group()
def users() -> None:
    """Accounts of the editors' workspace (/redaktion)."""


@users.command("add")
@click.argument("email")
@click.option(
    "--org",
    "organisation",
    required=True,
    type=click.Choice(list(SIGNING_ORGANISATIONS)),
    help="Organisation the person writes and approves for.",
)
@click.option(
    "--role",
    type=click.Choice([r.value for r in UserRole]),
    default=UserRole.EDITOR.value,
    show_default=True,
    help="editor writes and approves; admin also schedules sends and manages accounts.",
)
@click.option("--name", default="", help="The person's name, shown to the other editors.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of prompting.",
)
@click.option(
    "--send-link",
    is_flag=True,
    help="Set no password: email the person a link to choose one (and print the link).",
)
@pass_app
@handle_errors
def users_add(
    app: AppContext,
    email: str,
    organisation: str,
    role: str,
    name: str,
    password_stdin: bool,
    send_link: bool,
) -> None:
    """Add an account for EMAIL; asks for its password unless --send-link is given."""
    if password_stdin and send_link:
        raise ValidationError("give either --password-stdin or --send-link, not both")
    require_plain_text([("--name", name.strip())])
    address = normalise_user_email(email)
    password: str | None = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif not send_link:
        password = click.prompt(
            f"Password for {address} (at least {PASSWORD_MIN_LENGTH} characters)",
            hide_input=True,
            confirmation_prompt=True,
        )
    now = SystemClock().now()
    with app.session_factory.begin() as session:
        user = create_user(
            session,
            email=address,
            organisation=organisation,
            role=role,
            name=name,
            password=password,
            actor=cli_actor(),
            now=now,
        )
        link = ""
        if send_link:
            token = PasswordLinks(app.settings.require_secret_key()).make(user, now=now)
            link = f"{app.settings.base_url}/redaktion/losenord/{token}"
        user_id = user.id
    click.echo(f"User {address} ({organisation}, {role}) added with id {user_id}.")
    if link:
        transport = wiring.transport(app.settings)
        try:
            failed = send_notices(
                transport,
                [password_link_notice(address, name, link, SET_PASSWORD_HOURS)],
                sender_name=app.settings.sender_name,
                sender_address=app.settings.sender_address,
                now=now,
            )
        finally:
            transport.close()
        click.echo("Could not email the link; give it to the person:" if failed else "Emailed:")
        click.echo(f"  {link}")
        click.echo(f"The link works once, for {SET_PASSWORD_HOURS} hours.")


@users.command("list")
@pass_app
@handle_errors
def users_list(app: AppContext) -> None:
    """List accounts with their organisation, role and state, one per line."""
    now = SystemClock().now()
    with app.session_factory() as session:
        found = list_users(session)
        if not found:
            click.echo("No accounts yet (add one with `tryggnews users add`).")
            return
        # Plain lines, not a table that wraps: addresses stay whole for grep and copy.
        click.echo(
            f"{'id':>4}  {'org':<6}  {'role':<6}  {'state':<15}  {'last login':<16}  email (name)"
        )
        for user in found:
            if not user.active:
                state = "disabled"
            elif user.locked_until and user.locked_until > now:
                state = "locked"
            elif user.password_hash is None:
                state = "no password yet"
            else:
                state = "active"
            last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "–"
            name = f" ({user.name})" if user.name else ""
            click.echo(
                f"{user.id:>4}  {user.organisation_key:<6}  {user.role.value:<6}  {state:<15}  "
                f"{last:<16}  {user.email}{name}"
            )


def _set_active(app: AppContext, email: str, active: bool) -> None:
    with app.session_factory.begin() as session:
        user = find_user(session, normalise_user_email(email))
        if user is None:
            raise NotFoundError(f"no account for {email} (see `tryggnews users list`)")
        set_active(session, user, active, actor=cli_actor(), now=SystemClock().now())
    word = "enabled" if active else "disabled; their sessions have ended"
    click.echo(f"User {email} {word}.")


@users.command("disable")
@click.argument("email")
@pass_app
@handle_errors
def users_disable(app: AppContext, email: str) -> None:
    """Disable the account EMAIL: it can no longer log in (history is kept)."""
    _set_active(app, email, False)


@users.command("enable")
@click.argument("email")
@pass_app
@handle_errors
def users_enable(app: AppContext, email: str) -> None:
    """Enable the disabled account EMAIL again."""
    _set_active(app, email, True)


@users.command("sign-out-everywhere")
@click.argument("email")
@pass_app
@handle_errors
def users_sign_out_everywhere(app: AppContext, email: str) -> None:
    """End every session of the account EMAIL at once (a lost laptop, a shared computer)."""
    with app.session_factory.begin() as session:
        user = find_user(session, normalise_user_email(email))
        if user is None:
            raise NotFoundError(f"no account for {email} (see `tryggnews users list`)")
        ended = sign_out_everywhere(session, user, actor=cli_actor(), now=SystemClock().now())
    click.echo(f"User {email} signed out everywhere: {ended} session(s) ended.")
