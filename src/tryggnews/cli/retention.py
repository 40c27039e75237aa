"""`tryggnews retention [--dry-run]`: delete what is past its time (gallring), now."""

from __future__ import annotations

import click

from tryggnews import wiring
from tryggnews.cli.base import AppContext, cli, cli_actor, handle_errors, pass_app
from tryggnews.clock import SystemClock
from tryggnews.retention import apply_retention


@cli.command()
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@pass_app
@handle_errors
def retention(app: AppContext, dry_run: bool) -> None:
    """Apply the retention periods (TRYGGNEWS_KEEP_*_DAYS) and print the counts per kind.

    Delivery rows of issues sent longer ago than TRYGGNEWS_KEEP_DELIVERIES_DAYS are
    first rolled up into per-issue counts, so the follow-up figures stay true. The
    scheduler runs the same every day at 04:30; see docs/retention.md.
    """
    periods = wiring.retention_periods(app.settings)
    with app.session_factory() as session:
        report = apply_retention(
            session,
            periods,
            SystemClock().now(),
            dry_run=dry_run,
            actor=cli_actor(),
        )
    for line in report.lines():
        click.echo(line)
    if dry_run:
        click.echo(f"Dry run: nothing was deleted ({report.total} rows would be).")
    else:
        click.echo(
            f"Deleted {report.total} rows in all; the audit log has an entry with the counts."
        )
