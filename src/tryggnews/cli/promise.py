"""`tryggnews promise …`: check promise.toml, list the commitments' status, switch an
issue's "Så går det med löftet" block."""

from __future__ import annotations

import click

from tryggnews import wiring
from tryggnews.cli.base import AppContext, cli, cli_actor, handle_errors, pass_app
from tryggnews.clock import SystemClock
from tryggnews.content.issues import get_issue
from tryggnews.editors.promise_block import set_promise_block
from tryggnews.errors import ConfigError
from tryggnews.planning.promise import commitment_report
from tryggnews.planning.promise_file import Promise


def _promise(app: AppContext) -> Promise:
    promise = wiring.promise(app.settings)
    if promise is None:
        raise ConfigError(
            f"{app.settings.promise}: file not found — pass the path in TRYGGNEWS_PROMISE"
        )
    return promise


@cli.group()
def promise() -> None:
    """The medborgarlöfte (promise.toml) and its follow-up."""


@promise.command("check")
@pass_app
@handle_errors
def promise_check(app: AppContext) -> None:
    """Read and validate promise.toml; every problem with file and line."""
    found = _promise(app)
    click.echo(
        f"{found.path}: {len(found.commitments)} commitments in {len(found.focus_areas)} "
        f"focus areas, {len(found.activities)} joint activities, "
        f"{found.start.isoformat()} to {found.end.isoformat()}."
    )


@promise.command("status")
@pass_app
@handle_errors
def promise_status(app: AppContext) -> None:
    """Each commitment's status and its latest note."""
    found = _promise(app)
    with app.session_factory() as session:
        report = commitment_report(session, found)
    area = ""
    for entry in report:
        if entry.focus_area_label != area:
            area = entry.focus_area_label
            click.echo(area)
        click.echo(f"  [{entry.status_word}] {entry.key}: {entry.text}")
        if entry.latest_note is not None:
            note = entry.latest_note
            click.echo(f"      {note.noted_on.isoformat()} {note.organisation_name}: {note.text}")


@promise.command("block")
@click.argument("issue_ref", metavar="ISSUE")
@click.option("--on/--off", "on", required=True, help="Add or remove the block.")
@pass_app
@handle_errors
def promise_block(app: AppContext, issue_ref: str, on: bool) -> None:
    """Switch ISSUE's "Så går det med löftet" block (a new version: approvals are withdrawn)."""
    if on:
        _promise(app)  # refuse a block that could not be drawn
    with app.session_factory.begin() as session:
        issue = get_issue(session, issue_ref)
        issue, told = set_promise_block(
            session,
            issue.id,
            on=on,
            expected_version=None,
            actor=cli_actor(),
            now=SystemClock().now(),
        )
        key, version = issue.key, issue.version
    state = "on" if on else "off"
    click.echo(f"Issue {key}: the promise block is {state} (version {version}).")
    for withdrawn in told:
        click.echo(f"  approval of {withdrawn.organisation} withdrawn ({withdrawn.approver_email})")
