"""`tryggnews archive`: what the public archive shows, and taking an issue or a block
off it (with a reason, audit-logged) or back on."""

from __future__ import annotations

import click

from tryggnews.archive.withdrawal import (
    archive_standings,
    restore_block,
    restore_issue,
    withdraw_block,
    withdraw_issue,
)
from tryggnews.cli.base import AppContext, cli, cli_actor, handle_errors, pass_app
from tryggnews.clock import SystemClock


@cli.group()
def archive() -> None:
    """The public archive (/arkiv) and its feed: list, withdraw, restore."""


@archive.command("list")
@pass_app
@handle_errors
def list_issues(app: AppContext) -> None:
    """Every issue whose sending began, and what the public sees of it."""
    with app.session_factory() as session:
        standings = archive_standings(session)
    if not standings:
        click.echo("No issue has been sent yet.")
    for issue in standings:
        if issue.withdrawn_reason is not None:
            state = f"withdrawn: {issue.withdrawn_reason}"
        elif issue.public:
            state = f"public at {app.settings.public_url}/arkiv/{issue.key}"
        else:
            state = "not public (no block the public may read)"
        click.echo(f"{issue.key}  {issue.title}  [{state}]")
        for block in issue.blocks:
            shown = block.hidden_because or "shown"
            click.echo(f"    block {block.id}  {block.title}  [{shown}]")


@archive.command("withdraw")
@click.argument("issue")
@click.option("--reason", required=True, help="Why it is taken off (kept in the audit log).")
@pass_app
@handle_errors
def withdraw(app: AppContext, issue: str, reason: str) -> None:
    """Take ISSUE (key or id) off the archive: its page answers 410, the feed drops it."""
    with app.session_factory.begin() as session:
        key = withdraw_issue(
            session, issue, reason=reason, actor=cli_actor(), now=SystemClock().now()
        )
    click.echo(f"Issue {key} is withdrawn from the archive.")


@archive.command("restore")
@click.argument("issue")
@pass_app
@handle_errors
def restore(app: AppContext, issue: str) -> None:
    """Put a withdrawn ISSUE back on the archive."""
    with app.session_factory.begin() as session:
        key = restore_issue(session, issue, actor=cli_actor(), now=SystemClock().now())
    click.echo(f"Issue {key} is on the archive again.")


@archive.command("withdraw-block")
@click.argument("block_id", type=int)
@click.option("--reason", required=True, help="Why it is taken off (kept in the audit log).")
@pass_app
@handle_errors
def withdraw_one_block(app: AppContext, block_id: int, reason: str) -> None:
    """Leave block BLOCK_ID out of every archive page and feed entry."""
    with app.session_factory.begin() as session:
        withdraw_block(session, block_id, reason=reason, actor=cli_actor(), now=SystemClock().now())
    click.echo(f"Block {block_id} is withdrawn from the archive.")


@archive.command("restore-block")
@click.argument("block_id", type=int)
@pass_app
@handle_errors
def restore_one_block(app: AppContext, block_id: int) -> None:
    """Show a withdrawn block on the archive again."""
    with app.session_factory.begin() as session:
        restore_block(session, block_id, actor=cli_actor(), now=SystemClock().now())
    click.echo(f"Block {block_id} is on the archive again.")
