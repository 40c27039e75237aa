"""`tryggnews doctor`: is this installation ready, and do its settings hang together?

The readiness checks of ``/readyz`` (database, migrations, outbox, scheduler lease),
then the settings (``operations.settings_check``) and the DKIM keys against their
published records (``operations.dkim_check``). One line per check, ✓ or ✗, in
English like every operator command; exit code 1 when any check fails, so a
deployment script can stop before it starts the services.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tryggnews import wiring
from tryggnews.cli.base import AppContext, cli, handle_errors, pass_app
from tryggnews.clock import SystemClock
from tryggnews.operations.dkim_check import check_dkim
from tryggnews.operations.readiness import Check
from tryggnews.operations.settings_check import settings_checks


@cli.command()
@click.option(
    "--dkim-record",
    "dkim_records",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file with a DKIM TXT record as published (or to be published); compared with "
    "the private key of its k= type instead of asking DNS. Repeat for RSA and Ed25519.",
)
@click.option("--no-dns", is_flag=True, help="Do not look the DKIM records up in DNS.")
@pass_app
@handle_errors
def doctor(app: AppContext, dkim_records: tuple[Path, ...], no_dns: bool) -> None:
    """Check the database, migrations, outbox, scheduler and settings; exit 1 on a failure."""
    settings = app.settings
    checks = list(wiring.readiness(settings, app.engine, SystemClock()).run().checks)
    checks += settings_checks(settings)
    checks += check_dkim(
        domain=settings.dkim_domain,
        selector=settings.dkim_selector,
        key_file=settings.dkim_private_key_file,
        ed25519_selector=settings.dkim_ed25519_selector,
        ed25519_key_file=settings.dkim_ed25519_private_key_file,
        record_files=dkim_records,
        use_dns=not no_dns,
    )
    for check in checks:
        click.echo(_line(check))
    failed = [check.name for check in checks if not check.ok]
    if failed:
        click.echo(f"{len(failed)} check(s) failed: {', '.join(failed)}", err=True)
        sys.exit(1)
    click.echo(f"All {len(checks)} checks passed.")


def _line(check: Check) -> str:
    return f"{'✓' if check.ok else '✗'} {check.name}: {check.detail}"
