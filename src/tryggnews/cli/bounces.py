"""`tryggnews bounces fetch`: read the bounce mailbox of SMTP sends and apply what it says."""

from __future__ import annotations

import click

from tryggnews import wiring
from tryggnews.cli.base import AppContext, cli, handle_errors, pass_app
from tryggnews.clock import SystemClock
from tryggnews.delivery.bounce_mailbox import fetch_bounces


@cli.group()
def bounces() -> None:
    """Bounces that come back as mail when sending through your own mail server."""


@bounces.command("fetch")
@pass_app
@handle_errors
def fetch(app: AppContext) -> None:
    """Read new messages in the bounce mailbox (IMAP or Maildir) and apply them once.

    A hard bounce suppresses the address, soft bounces count towards
    TRYGGNEWS_SOFT_BOUNCE_LIMIT, auto-replies are ignored. A message that cannot be
    tied to a delivery stays in the mailbox (flagged) and is listed here. Processed
    messages are marked read (or moved), never deleted; a second run counts nothing
    twice. The scheduler runs this every pass when a mailbox is configured.
    """
    settings = app.settings
    rules = wiring.bounce_rules(settings)
    config = wiring.bounce_mailbox_config(settings)
    box = wiring.bounce_mailbox(settings)
    try:
        summary = fetch_bounces(app.session_factory, box, rules=rules, clock=SystemClock())
    finally:
        box.close()
    click.echo(f"Bounce mailbox {config.describe()}: {summary.line()}")
    for line in summary.unattributed_lines:
        click.echo(f"  unattributed {line}")
