"""`tryggnews scheduler`: the one process that sends approved issues on time.

Run it as a service (systemd, a container); start a second one on another host as a
standby if you like — the database lease lets exactly one act. ``--once`` does one
pass and exits, for cron or a manual catch-up.
"""

from __future__ import annotations

import dataclasses
import logging
import signal
import sys
import threading
from datetime import timedelta
from pathlib import Path
from types import FrameType

import click
from sqlalchemy import inspect

from tryggnews import wiring
from tryggnews.cli.base import AppContext, cli, handle_errors, pass_app
from tryggnews.cli.plan import schedule_option
from tryggnews.clock import SystemClock
from tryggnews.db.models import Lease
from tryggnews.errors import ConfigError, ScheduleError
from tryggnews.scheduler.runner import SchedulerRunner


@cli.command("scheduler")
@click.option(
    "--once",
    is_flag=True,
    help="Do one pass — every job that is due now — and exit (for cron and tests). "
    "Does nothing when another scheduler holds the lease.",
)
@schedule_option
@click.option(
    "--lease-seconds",
    type=click.IntRange(2, 3600),
    default=60,
    show_default=True,
    help="How long the scheduler's database lease lasts unrenewed; a waiting scheduler "
    "takes over this long after the active one dies.",
)
@click.option(
    "--reconcile-seconds",
    type=click.IntRange(1, 3600),
    default=300,
    show_default=True,
    help="How often jobs are re-derived from the database and the plan, and work that "
    "is due (sends, retries, reminders) is done.",
)
@pass_app
@handle_errors
def scheduler_command(
    app: AppContext,
    once: bool,
    schedule_path: Path | None,
    lease_seconds: int,
    reconcile_seconds: int,
) -> None:
    """Send approved issues at their planned time; remind, escalate, watch the quota.

    Only one scheduler acts at a time (a lease in the database); others wait and take
    over when it stops. Jobs are derived from the database and schedule.toml, which
    are re-read every few minutes. Logs to stderr; Ctrl-C or SIGTERM stops cleanly.
    """
    settings = app.settings
    if schedule_path is not None:
        if not schedule_path.exists():
            raise ScheduleError(f"{schedule_path}: file not found")
        settings = dataclasses.replace(settings, schedule=schedule_path)
    if not inspect(app.engine).has_table(Lease.__tablename__):
        raise ConfigError("the database has no scheduler tables: run `tryggnews db upgrade`")
    if not settings.schedule.exists():
        click.echo(
            f"Warning: {settings.schedule} not found: only sends and retries run "
            "(no reminders, escalations or quota watchdog)",
            err=True,
        )
    runner = SchedulerRunner(
        wiring.scheduler_parts(app.engine, settings, SystemClock()),
        holder=wiring.worker_id(),
        lease_ttl=timedelta(seconds=lease_seconds),
        reconcile_every=timedelta(seconds=reconcile_seconds),
    )
    if once:
        _run_once(runner)
        return
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("tryggnews.scheduler").info(
            "%s received: stopping", signal.Signals(signum).name
        )
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    runner.run(stop)


def _run_once(runner: SchedulerRunner) -> None:
    actions = runner.once()
    if actions is None:
        lease = runner.holder_now()
        who = f"{lease.holder} until {lease.expires_at:%Y-%m-%d %H:%M:%S} UTC" if lease else "?"
        click.echo(f"Another scheduler holds the lease ({who}): nothing done.", err=True)
        return
    for action in actions:
        click.echo(str(action))
    if not actions:
        click.echo("Nothing was due.")
    failed = [a for a in actions if a.failed]
    if failed:
        click.echo(f"Error: {len(failed)} job(s) failed (see above).", err=True)
        sys.exit(2)
